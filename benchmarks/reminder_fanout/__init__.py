"""Reminder fan-out benchmark (python -m benchmarks.reminder_fanout)."""
