"""Server secrets kept in the database (app_secrets): made once at first start, the same after
restarts."""

from __future__ import annotations

import secrets

from storage.db import Database


async def server_secret(db: Database, name: str, size: int = 32) -> bytes:
    """The secret called `name`, created on first use."""
    row = await db.fetch_one("SELECT value FROM app_secrets WHERE name = ?", (name,))
    if row is not None:
        return bytes(row["value"])
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO app_secrets(name, value) VALUES (?, ?)",
            (name, secrets.token_bytes(size)),
        )
        async with conn.execute("SELECT value FROM app_secrets WHERE name = ?", (name,)) as cur:
            stored = await cur.fetchone()
    assert stored is not None
    return bytes(stored[0])
