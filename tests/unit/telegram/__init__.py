"""Tests: telegram."""
