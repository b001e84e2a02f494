"""Mending the activity groups: a group made by a slip in the roster ("第 一活动组") is renamed,
merged into the group it was meant to be, or deleted when nothing names it. Each change is one
transaction with an audit row; everything that names a group follows a rename or a merge."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.auth import Refused
from bot.members.group_names import MAX_GROUP_NAME, clean_group_name, group_key
from storage.audit import record_audit
from storage.db import Database
from storage.groups import (
    ChatAfterMerge,
    GroupRepository,
    GroupUsage,
    MergeCounts,
    chat_after_merge,
)


class GroupWhy(StrEnum):
    """Why a group is left as it is."""

    UNKNOWN = "unknown"  # no group has that name
    SAME = "same"  # the two names are one group
    TAKEN = "taken"  # another group has the new name already
    BAD_NAME = "bad_name"  # the new name is empty or too long
    NOT_EMPTY = "not_empty"  # something still names it (see GroupRefused.usage)


class GroupRefused(Refused):
    """A refusal about the group `name`: `similar` are groups whose names differ from it only by
    a slip (what the operator may have meant), `usage` what a group to delete still holds."""

    def __init__(
        self, reason: GroupWhy, name: str, *, similar: tuple[str, ...] = (),
        usage: GroupUsage | None = None,
    ) -> None:
        super().__init__(reason)
        self.name = name
        self.similar = similar
        self.usage = usage


@dataclass(frozen=True)
class Renaming:
    usage: GroupUsage
    new_name: str


@dataclass(frozen=True)
class Merging:
    source: GroupUsage  # merged into target, then gone
    target: GroupUsage

    @property
    def chat(self) -> ChatAfterMerge:
        return chat_after_merge(self.source.group, self.target.group)


class GroupMending:
    """Plans (what would happen, or why not) and changes (audited) to the activity groups."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.groups = GroupRepository(db)

    async def overview(self) -> list[GroupUsage]:
        return await self.groups.usage()

    async def find(self, typed: str) -> GroupUsage:
        """The group named `typed`; GroupRefused(UNKNOWN), with the names it resembles."""
        name = clean_group_name(typed)
        key = group_key(name)
        everything = await self.groups.usage()
        for usage in everything:
            if usage.group.name == name:
                return usage
        similar = tuple(u.group.name for u in everything if group_key(u.group.name) == key)
        raise GroupRefused(GroupWhy.UNKNOWN, name, similar=similar)

    async def plan_rename(self, old: str, new: str) -> Renaming:
        usage = await self.find(old)
        name = clean_group_name(new)
        if not name or len(name) > MAX_GROUP_NAME:
            raise GroupRefused(GroupWhy.BAD_NAME, name)
        if name == usage.group.name:
            raise GroupRefused(GroupWhy.SAME, name)
        others = [u.group.name for u in await self.groups.usage()]
        if name in others:
            raise GroupRefused(GroupWhy.TAKEN, name)
        return Renaming(usage, name)

    async def rename(self, plan: Renaming, *, actor_tg_id: int | None = None) -> None:
        group = plan.usage.group
        now = self.db.clock()
        async with self.db.transaction() as conn:
            if await GroupRepository.usage_in(conn, group.id) is None:
                raise GroupRefused(GroupWhy.UNKNOWN, group.name)
            await GroupRepository.rename(conn, group.id, plan.new_name)
            await record_audit(
                conn, "group_rename", actor_tg_id=actor_tg_id, subject=f"group:{group.id}",
                detail={"from": group.name, "to": plan.new_name}, at=now,
            )

    async def plan_merge(self, source: str, target: str) -> Merging:
        merged, into = await self.find(source), await self.find(target)
        if merged.group.id == into.group.id:
            raise GroupRefused(GroupWhy.SAME, merged.group.name)
        return Merging(merged, into)

    async def merge(self, plan: Merging, *, actor_tg_id: int | None = None) -> MergeCounts:
        now = self.db.clock()
        async with self.db.transaction() as conn:
            # read again in the transaction: the bot may have bound a chat meanwhile
            source = await GroupRepository.usage_in(conn, plan.source.group.id)
            target = await GroupRepository.usage_in(conn, plan.target.group.id)
            if source is None or target is None:
                gone = plan.source if source is None else plan.target
                raise GroupRefused(GroupWhy.UNKNOWN, gone.group.name)
            counts = await GroupRepository.merge(conn, source.group, target.group, now=now)
            await record_audit(
                conn, "group_merge", actor_tg_id=actor_tg_id, subject=f"group:{target.group.id}",
                detail={
                    "from": source.group.name, "from_id": source.group.id,
                    "into": target.group.name, "members": counts.members,
                    "memberships": counts.memberships, "events": counts.events,
                    "reminder_schedules": counts.schedules,
                    "supervision_records": counts.nudges, "chat": counts.chat.value,
                    "from_chat_id": source.group.chat_id,
                },
                at=now,
            )
        return counts

    async def plan_delete(self, name: str) -> GroupUsage:
        usage = await self.find(name)
        if not usage.empty:
            raise GroupRefused(GroupWhy.NOT_EMPTY, usage.group.name, usage=usage)
        return usage

    async def delete(self, plan: GroupUsage, *, actor_tg_id: int | None = None) -> None:
        group = plan.group
        now = self.db.clock()
        async with self.db.transaction() as conn:
            usage = await GroupRepository.usage_in(conn, group.id)
            if usage is None:
                raise GroupRefused(GroupWhy.UNKNOWN, group.name)
            if not usage.empty:  # something came to name it since the plan
                raise GroupRefused(GroupWhy.NOT_EMPTY, group.name, usage=usage)
            await GroupRepository.delete(conn, group.id)
            await record_audit(
                conn, "group_delete", actor_tg_id=actor_tg_id, subject=f"group:{group.id}",
                detail={"name": group.name}, at=now,
            )
