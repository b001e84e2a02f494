"""Attendance, Telegram-free: event rules and permissions, check-in tokens and writer,
leave, the sheet export and the CLI."""
