"""The /qr messages kept fresh on screens at venues (one per chat), remembered so that a
restart of the bot resumes them: the handlers' service over their repository."""

from __future__ import annotations

from domain.models import QrScreen
from storage.screens import QrScreenRepository


class QrScreens:
    def __init__(self, repo: QrScreenRepository) -> None:
        self._repo = repo

    async def save(self, screen: QrScreen) -> None:
        """Start (or replace) the screen of `screen.chat_id`."""
        await self._repo.save(screen)

    async def moved(self, chat_id: int, message_id: int) -> None:
        """The code is shown in a new message now."""
        await self._repo.moved(chat_id, message_id)

    async def remove(self, chat_id: int) -> None:
        await self._repo.remove(chat_id)

    async def all(self) -> list[QrScreen]:
        return await self._repo.all()
