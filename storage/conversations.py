"""Repository of settings — per account (the language chosen with /lang) and the committee's
own (when the bot first started) — and of conversation steps."""

from __future__ import annotations

import json

from pydantic import BaseModel

from domain.models import Conversation
from storage.db import Database, from_db_time, to_db_time


class SettingsRepository:
    """Per Telegram account: language override and the current conversation step per chat;
    and the committee's settings the bot keeps, by name."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def language(self, telegram_user_id: int) -> str | None:
        row = await self.db.fetch_one(
            "SELECT language FROM user_settings WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        return row["language"] if row else None

    async def set_language(self, telegram_user_id: int, language: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO user_settings(telegram_user_id, language, updated_at) "
                "VALUES (?, ?, ?) ON CONFLICT(telegram_user_id) DO UPDATE SET "
                "language = excluded.language, updated_at = excluded.updated_at",
                (telegram_user_id, language, to_db_time(self.db.clock())),
            )

    async def committee_setting(self, name: str) -> str | None:
        row = await self.db.fetch_one("SELECT value FROM committee_settings WHERE name = ?",
                                      (name,))
        return row["value"] if row else None

    async def keep_first_setting(self, name: str, value: str) -> str:
        """Store `value` under `name` unless a value is stored already; the value that stands."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO committee_settings(name, value) VALUES (?, ?)",
                (name, value),
            )
            async with conn.execute("SELECT value FROM committee_settings WHERE name = ?",
                                    (name,)) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return str(row[0])

    async def conversation(self, telegram_user_id: int, chat_id: int) -> Conversation | None:
        row = await self.db.fetch_one(
            "SELECT * FROM conversations WHERE telegram_user_id = ? AND chat_id = ?",
            (telegram_user_id, chat_id),
        )
        if row is None:
            return None
        return Conversation(
            telegram_user_id=row["telegram_user_id"],
            chat_id=row["chat_id"],
            kind=row["kind"],
            step=row["step"],
            data=json.loads(row["data"]),
            updated_at=from_db_time(row["updated_at"]),
        )

    async def save_conversation(
        self,
        telegram_user_id: int,
        chat_id: int,
        kind: str,
        step: str,
        data: BaseModel | dict[str, object],
    ) -> None:
        """Keep the conversation's step and data (a flow's pydantic model, stored as JSON)."""
        if isinstance(data, BaseModel):
            data = data.model_dump(mode="json")
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO conversations"
                "(telegram_user_id, chat_id, kind, step, data, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(telegram_user_id, chat_id) DO UPDATE SET "
                "kind = excluded.kind, step = excluded.step, data = excluded.data, "
                "updated_at = excluded.updated_at",
                (
                    telegram_user_id,
                    chat_id,
                    kind,
                    step,
                    json.dumps(data, ensure_ascii=False),
                    to_db_time(self.db.clock()),
                ),
            )

    async def end_conversation(self, telegram_user_id: int, chat_id: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM conversations WHERE telegram_user_id = ? AND chat_id = ?",
                (telegram_user_id, chat_id),
            )
            return cursor.rowcount > 0
