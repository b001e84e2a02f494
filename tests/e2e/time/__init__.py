"""End to end: the bot started at chosen instants (the harness's time travel)."""
