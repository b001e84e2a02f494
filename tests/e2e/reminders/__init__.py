"""End to end: reminders and notices pushed by the running bot, through faults, kills and
downtime."""
