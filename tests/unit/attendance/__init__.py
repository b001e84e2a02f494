"""Tests: attendance."""
