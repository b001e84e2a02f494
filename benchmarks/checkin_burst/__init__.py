"""Check-in bursts: the attendance storage path alone, and end to end through the bot."""
