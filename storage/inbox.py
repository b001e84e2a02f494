"""Repository of received updates: stored before they are confirmed, marked once handled."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import aiosqlite
from pydantic import BaseModel

from storage.db import Database, from_db_time, to_db_time


class SetAsideUpdate(BaseModel):
    """An update not tried again: the bot stopped each time it was being handled."""

    update_id: int
    body: str  # its JSON as received
    attempts: int  # tries after a stop (the first, when it arrived, is not counted)
    received_at: datetime
    set_aside_at: datetime


class UpdateInbox:
    """The `update_inbox` table: one row per update id Telegram has delivered."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def store(
        self, received: Sequence[tuple[int, str]], handled: Collection[int] = ()
    ) -> list[int]:
        """Store a batch of (update id, JSON) pairs (getUpdates gives at most 100) except those
        seen before, and mark `handled` ids handled, in one transaction. Returns the ids that
        were new, in the order given."""
        now = to_db_time(self.db.clock())
        ids = [update_id for update_id, _ in received]
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT update_id FROM update_inbox "
                f"WHERE update_id IN ({','.join('?' * len(ids))})",
                ids,
            ) as cursor:
                seen = {int(row[0]) for row in await cursor.fetchall()}
            fresh = [(u, body) for u, body in received if u not in seen]
            await conn.executemany(
                "INSERT INTO update_inbox(update_id, body, received_at) VALUES (?, ?, ?)",
                [(u, body, now) for u, body in fresh],
            )
            await self._mark(conn, handled, now)
        return [u for u, _ in fresh]

    async def mark_handled(self, handled: Collection[int]) -> None:
        if handled:
            async with self.db.transaction() as conn:
                await self._mark(conn, handled, to_db_time(self.db.clock()))

    @staticmethod
    async def _mark(conn: aiosqlite.Connection, handled: Collection[int], now: str) -> None:
        await conn.executemany(
            "UPDATE update_inbox SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL",
            [(now, u) for u in sorted(handled)],
        )

    async def pending(self) -> list[tuple[int, str]]:
        """Updates stored but not handled (nor set aside), oldest first."""
        rows = await self.db.fetch_all(
            "SELECT update_id, body FROM update_inbox "
            "WHERE handled_at IS NULL AND set_aside_at IS NULL ORDER BY update_id"
        )
        return [(int(row["update_id"]), str(row["body"])) for row in rows]

    async def set_aside_tried(self, max_attempts: int) -> list[SetAsideUpdate]:
        """Set aside the unhandled updates already tried `max_attempts` times after a stop;
        returns them."""
        now = to_db_time(self.db.clock())
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE update_inbox SET set_aside_at = ? WHERE handled_at IS NULL "
                "AND set_aside_at IS NULL AND attempts >= ?",
                (now, max_attempts),
            )
        return [u for u in await self.set_aside() if u.set_aside_at == from_db_time(now)]

    async def count_attempt(self, update_id: int) -> None:
        """One more try of an update left by an earlier run, written before it begins."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE update_inbox SET attempts = attempts + 1 WHERE update_id = ?",
                (update_id,),
            )

    async def set_aside(self) -> list[SetAsideUpdate]:
        """Every update set aside, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT update_id, body, attempts, received_at, set_aside_at FROM update_inbox "
            "WHERE set_aside_at IS NOT NULL ORDER BY update_id"
        )
        return [
            SetAsideUpdate(
                update_id=row["update_id"], body=row["body"], attempts=row["attempts"],
                received_at=row["received_at"], set_aside_at=row["set_aside_at"],
            )
            for row in rows
        ]

    async def purge(self, handled_before: datetime) -> int:
        """Forget updates handled before `handled_before`; returns how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM update_inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
                (to_db_time(handled_before),),
            )
            return int(cursor.rowcount)
