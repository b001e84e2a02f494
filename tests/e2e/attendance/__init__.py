"""End to end: events, announcements, check-in and leave."""
