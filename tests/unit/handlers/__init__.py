"""Handlers: what the capabilities declare."""
