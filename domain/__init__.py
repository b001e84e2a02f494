"""The vocabulary every floor shares; for now, the one clock."""
