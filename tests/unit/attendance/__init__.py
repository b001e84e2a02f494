"""Unit tests of the attendance services, tokens, export and CLI."""
