"""Unit tests of reminders: the calendar, timing rules, planning, audiences."""
