"""What every layer shares: config, roles and the one refusal type, texts, time and day
parsing, phones."""
