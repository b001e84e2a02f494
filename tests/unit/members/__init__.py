"""Unit tests of the roster import and registration."""
