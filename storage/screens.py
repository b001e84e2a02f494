"""Repository of the /qr messages kept fresh for screens at venues (one per chat)."""

from __future__ import annotations

from datetime import datetime

from domain.models import QrScreen
from storage.db import Database, to_db_time


class QrScreenRepository:
    """The `qr_screens` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, screen: QrScreen) -> None:
        """Start (or replace) the screen of `screen.chat_id`."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO qr_screens"
                "(chat_id, event_id, telegram_user_id, message_id, language, until) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (screen.chat_id, screen.event_id, screen.telegram_user_id, screen.message_id,
                 screen.language, to_db_time(screen.until)),
            )

    async def moved(self, chat_id: int, message_id: int) -> None:
        """The code is shown in a new message now."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE qr_screens SET message_id = ? WHERE chat_id = ?", (message_id, chat_id)
            )

    async def remove(self, chat_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM qr_screens WHERE chat_id = ?", (chat_id,))

    async def all(self) -> list[QrScreen]:
        rows = await self.db.fetch_all("SELECT * FROM qr_screens ORDER BY chat_id")
        return [
            QrScreen(
                chat_id=row["chat_id"], event_id=row["event_id"],
                telegram_user_id=row["telegram_user_id"], message_id=row["message_id"],
                language=row["language"], until=datetime.fromisoformat(row["until"]),
            )
            for row in rows
        ]
