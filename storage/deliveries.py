"""Repository of outbound deliveries: one row per (delivery key, recipient chat)."""

from __future__ import annotations

from enum import StrEnum

from storage.db import Database, to_db_time

# A delivery found still pending from an earlier try (the bot stopped while it was in flight)
# that must not be tried again: it may well have arrived.
INTERRUPTED = "interrupted: the bot stopped while it was being sent; it may have arrived"


class Claim(StrEnum):
    """What a claim found: go ahead, nothing to do, or (at-most-once) an interrupted try."""

    GO = "go"
    DONE = "done"  # sent, refused for good or tried enough
    INTERRUPTED = "interrupted"  # at-most-once: pending from an earlier try, now given up


class DeliveryRepository:
    """Claims, completes and counts deliveries so a restart neither skips nor repeats one."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(
        self, key: str, chat_id: int, max_attempts: int, *, once: bool = False
    ) -> Claim:
        """Record the delivery as pending. DONE when it was sent, refused or tried enough.

        By default a row still pending from an earlier try is tried again (a send in flight
        when the bot stopped may then arrive twice). With `once` (at most once) such a row is
        given up for good as INTERRUPTED, and a retry after a definite failure is marked
        pending again first, so that a stop during the retry is caught the same way."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO deliveries(key, chat_id, created_at) VALUES (?, ?, ?)",
                (key, chat_id, to_db_time(self.db.clock())),
            )
            if cursor.rowcount == 1:
                return Claim.GO
            async with conn.execute(
                "SELECT status, attempts FROM deliveries WHERE key = ? AND chat_id = ?",
                (key, chat_id),
            ) as found:
                row = await found.fetchone()
            if row is None or row[0] not in ("pending", "failed") or row[1] >= max_attempts:
                return Claim.DONE
            if not once:
                return Claim.GO
            if row[0] == "pending":
                await conn.execute(
                    "UPDATE deliveries SET status = 'failed', attempts = 1000000, last_error = ? "
                    "WHERE key = ? AND chat_id = ?", (INTERRUPTED, key, chat_id),
                )
                return Claim.INTERRUPTED
            await conn.execute(
                "UPDATE deliveries SET status = 'pending' WHERE key = ? AND chat_id = ?",
                (key, chat_id),
            )
        return Claim.GO

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
                (status, final, message_id, error, status, to_db_time(self.db.clock()),
                 key, chat_id),
            )

    async def status_counts(self, key: str) -> dict[str, int]:
        rows = await self.db.fetch_all(
            "SELECT status, count(*) AS n FROM deliveries WHERE key = ? GROUP BY status", (key,)
        )
        return {row["status"]: int(row["n"]) for row in rows}
