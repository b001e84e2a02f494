"""Unit tests, one module per service."""
