"""Storage: the only place with SQL — the aiosqlite connection, migrations and repositories."""
