"""Tests of the Member Liaison Bot: unit, Bot API test server, end to end."""
