"""Unit tests of the reports workflow, service, texts and register."""
