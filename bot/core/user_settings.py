"""What an account has chosen and where it is: its language (/lang) and its conversation step
in each chat (a guided flow's step and data, kept in the database so a restart loses nothing).
The handlers' service over the settings repository."""

from __future__ import annotations

from pydantic import BaseModel

from domain.models import Conversation
from storage.conversations import SettingsRepository


class UserSettings:
    def __init__(self, repo: SettingsRepository) -> None:
        self._repo = repo

    async def language(self, telegram_user_id: int) -> str | None:
        return await self._repo.language(telegram_user_id)

    async def set_language(self, telegram_user_id: int, language: str) -> None:
        await self._repo.set_language(telegram_user_id, language)

    async def conversation(self, telegram_user_id: int, chat_id: int) -> Conversation | None:
        return await self._repo.conversation(telegram_user_id, chat_id)

    async def save_conversation(
        self, telegram_user_id: int, chat_id: int, kind: str, step: str,
        data: BaseModel | dict[str, object],
    ) -> None:
        await self._repo.save_conversation(telegram_user_id, chat_id, kind, step, data)

    async def end_conversation(self, telegram_user_id: int, chat_id: int) -> bool:
        """Ends the conversation; False when there was none."""
        return await self._repo.end_conversation(telegram_user_id, chat_id)
