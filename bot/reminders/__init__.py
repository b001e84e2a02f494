"""Reminders, Telegram-free: the calendar, when occurrences fall, planning them, and who they
go to (they reach across members, events and later proposals)."""
