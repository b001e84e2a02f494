"""Repository of outbound deliveries: one row per (delivery key, recipient chat)."""

from __future__ import annotations

from storage.db import Database, to_db_time, utc_now


class DeliveryRepository:
    """Claims, completes and counts deliveries so a restart neither skips nor repeats one."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, key: str, chat_id: int, max_attempts: int) -> bool:
        """Record the delivery as pending; False when it was sent, refused or tried enough."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO deliveries(key, chat_id, created_at) VALUES (?, ?, ?)",
                (key, chat_id, to_db_time(utc_now())),
            )
            async with conn.execute(
                "SELECT status, attempts FROM deliveries WHERE key = ? AND chat_id = ?",
                (key, chat_id),
            ) as cursor:
                row = await cursor.fetchone()
        return row is not None and row[0] in ("pending", "failed") and row[1] < max_attempts

    async def finish(
        self,
        key: str,
        chat_id: int,
        status: str,
        *,
        message_id: int | None = None,
        error: str | None = None,
        final: bool = False,
    ) -> None:
        """Record how a try ended; `final` rules out any further try."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET status = ?, "
                "attempts = CASE WHEN ? THEN 1000000 ELSE attempts + 1 END, message_id = ?, "
                "last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
                "WHERE key = ? AND chat_id = ?",
                (status, final, message_id, error, status, to_db_time(utc_now()), key, chat_id),
            )

    async def status_counts(self, key: str) -> dict[str, int]:
        rows = await self.db.fetch_all(
            "SELECT status, count(*) AS n FROM deliveries WHERE key = ? GROUP BY status", (key,)
        )
        return {row["status"]: int(row["n"]) for row in rows}
