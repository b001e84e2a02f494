"""Unit tests of the transport: HTTP, inbox, rate limiter, sender, live messages,
callbacks."""
