"""The roster as the chat reads it: members by id, phone or account, and the activity groups.

Handlers reach the database only through services (the import contracts forbid handlers →
storage); this is the service for plain lookups, which need no rule of their own."""

from __future__ import annotations

from domain.models import ActivityGroup, Member
from storage.members import MemberRepository


class MemberDirectory:
    """Read-only lookups of members and groups."""

    def __init__(self, repo: MemberRepository) -> None:
        self._repo = repo

    async def by_id(self, member_id: int) -> Member | None:
        return await self._repo.by_id(member_id)

    async def by_phone(self, phone: str) -> Member | None:
        return await self._repo.by_phone(phone)

    async def by_telegram_id(self, telegram_user_id: int) -> Member | None:
        return await self._repo.by_telegram_id(telegram_user_id)

    async def account(self, telegram_user_id: int) -> tuple[Member | None, str | None]:
        """The member bound to this account (or None), and the language it chose (or None)."""
        return await self._repo.account(telegram_user_id)

    async def list_members(self, group_name: str | None = None) -> list[Member]:
        return await self._repo.list_members(group_name)

    async def list_groups(self) -> list[ActivityGroup]:
        return await self._repo.list_groups()

    async def group_by_id(self, group_id: int) -> ActivityGroup | None:
        return await self._repo.group_by_id(group_id)

    async def group_by_chat(self, chat_id: int) -> ActivityGroup | None:
        return await self._repo.group_by_chat(chat_id)
