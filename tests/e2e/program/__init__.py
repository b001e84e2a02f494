"""End to end: the program as a whole (webhook mode, random and hostile updates)."""
