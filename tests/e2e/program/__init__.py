"""Tests: program."""
