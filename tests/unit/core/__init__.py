"""Unit tests of the core: config, roles, texts, time parsing, phones."""
