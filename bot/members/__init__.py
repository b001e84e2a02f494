"""Members, Telegram-free: the roster import, registration and invites, and their CLI."""
