"""Repository of activity groups as things to mend: what each group holds, and renaming,
merging and deleting one, with everything that names it following (members and their
memberships, events, reminder audiences, supervision records, the bound chat)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from domain.models import ActivityGroup
from storage.db import Database, to_db_time

_SEPARATOR = "\x1f"
_NAMES_AUDIENCE = (
    "EXISTS (SELECT 1 FROM json_each(s.audience, '$.group_ids') j WHERE j.value = {id})"
)
_USAGE_SELECT = f"""
SELECT g.id, g.name, g.chat_id, g.chat_title,
  (SELECT count(*) FROM members m
   WHERE m.group_id = g.id AND m.deactivated_at IS NULL) AS members,
  (SELECT count(*) FROM members m
   WHERE m.group_id = g.id AND m.deactivated_at IS NOT NULL) AS former_members,
  (SELECT group_concat(name, '{_SEPARATOR}') FROM
     (SELECT m.name FROM members m WHERE m.group_id = g.id AND m.role = 'leader'
      AND m.deactivated_at IS NULL ORDER BY m.id)) AS leaders,
  (SELECT count(*) FROM event_groups e WHERE e.group_id = g.id) AS events,
  (SELECT count(*) FROM reminder_schedules s
   WHERE s.status != 'removed' AND {_NAMES_AUDIENCE.format(id="g.id")}) AS schedules,
  (SELECT count(*) FROM group_memberships gm WHERE gm.group_id = g.id) AS memberships,
  (SELECT count(*) FROM supervision_nudges n WHERE n.group_id = g.id) AS nudges
FROM activity_groups g
"""


@dataclass(frozen=True)
class GroupUsage:
    """A group and what names it."""

    group: ActivityGroup
    members: int  # on the roster now
    former_members: int  # left the roster, still filed under it
    leaders: tuple[str, ...]  # its leaders on the roster now
    events: int  # events it is expected at
    schedules: int  # reminder schedules (not removed) sent to it
    memberships: int  # membership records, past and present (the duty record reads them)
    nudges: int  # supervision reminders that filed a member under it

    @property
    def holds(self) -> dict[str, int]:
        """What keeps it from being empty, by kind (only the kinds it has)."""
        found = {
            "members": self.members, "former members": self.former_members,
            "events": self.events, "reminder schedules": self.schedules,
            "membership records": self.memberships, "supervision records": self.nudges,
        }
        return {kind: count for kind, count in found.items() if count}

    @property
    def empty(self) -> bool:
        return not self.holds and self.group.chat_id is None


class ChatAfterMerge(StrEnum):
    """What a merge does with the bound chats of the two groups."""

    NONE = "none"  # neither has one
    KEPT = "kept"  # only the group merged into has one: it keeps it
    MOVED = "moved"  # only the merged group has one: it becomes the other group's chat
    LEFT_UNBOUND = "left_unbound"  # both have one: the merged group's chat is no longer bound


def chat_after_merge(source: ActivityGroup, target: ActivityGroup) -> ChatAfterMerge:
    if source.chat_id is None:
        return ChatAfterMerge.KEPT if target.chat_id is not None else ChatAfterMerge.NONE
    return ChatAfterMerge.MOVED if target.chat_id is None else ChatAfterMerge.LEFT_UNBOUND


@dataclass(frozen=True)
class MergeCounts:
    """What a merge moved."""

    members: int
    memberships: int
    events: int  # events the merged group was expected at (now the other group is)
    schedules: int
    nudges: int
    chat: ChatAfterMerge


def _usage(row: sqlite3.Row) -> GroupUsage:
    leaders = row["leaders"]
    return GroupUsage(
        group=ActivityGroup(id=row["id"], name=row["name"], chat_id=row["chat_id"],
                            chat_title=row["chat_title"]),
        members=row["members"], former_members=row["former_members"],
        leaders=tuple(leaders.split(_SEPARATOR)) if leaders else (),
        events=row["events"], schedules=row["schedules"], memberships=row["memberships"],
        nudges=row["nudges"],
    )


async def _ids(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> list[int]:
    async with conn.execute(sql, params) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


class GroupRepository:
    """Reads of the groups with what they hold; renames, merges and deletes (each inside the
    caller's transaction)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def usage(self) -> list[GroupUsage]:
        """Every group in roster order, with what names it."""
        return [_usage(row) for row in await self.db.fetch_all(_USAGE_SELECT + "ORDER BY g.id")]

    @staticmethod
    async def usage_in(conn: aiosqlite.Connection, group_id: int) -> GroupUsage | None:
        """One group with what names it, read inside the caller's transaction."""
        async with conn.execute(_USAGE_SELECT + "WHERE g.id = ?", (group_id,)) as cursor:
            row = await cursor.fetchone()
        return _usage(row) if row else None

    @staticmethod
    async def rename(conn: aiosqlite.Connection, group_id: int, name: str) -> None:
        await conn.execute("UPDATE activity_groups SET name = ? WHERE id = ?", (name, group_id))

    @staticmethod
    async def merge(
        conn: aiosqlite.Connection, source: ActivityGroup, target: ActivityGroup, *,
        now: datetime,
    ) -> MergeCounts:
        """Everything of `source` becomes `target`'s, then `source` is deleted."""
        stamp, old, new = to_db_time(now), source.id, target.id
        # The members. The memberships triggers (migration 0018) would end each one's
        # membership now and begin one in `target`: a merge says instead that they were in
        # `target` all along, so that is undone and the memberships change group.
        reopen = await _ids(
            conn,
            "SELECT gm.id FROM group_memberships gm JOIN members m ON m.id = gm.member_id "
            "WHERE m.group_id = ? AND gm.left_at IS NULL", (old,),
        )
        [last] = await _ids(conn, "SELECT coalesce(max(id), 0) FROM group_memberships", ())
        moved = await conn.execute(
            "UPDATE members SET group_id = ?, updated_at = ? WHERE group_id = ?",
            (new, stamp, old),
        )
        await conn.execute("DELETE FROM group_memberships WHERE id > ?", (last,))
        await conn.execute(
            "UPDATE group_memberships SET left_at = NULL "
            "WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(reopen),),
        )
        memberships = await conn.execute(
            "UPDATE group_memberships SET group_id = ? WHERE group_id = ?", (new, old)
        )
        await _join_memberships(conn, new)
        # The events it was expected at (an event of both is one of `target`'s).
        await conn.execute(
            "INSERT OR IGNORE INTO event_groups(event_id, group_id) "
            "SELECT event_id, ? FROM event_groups WHERE group_id = ?", (new, old),
        )
        events = await conn.execute("DELETE FROM event_groups WHERE group_id = ?", (old,))
        # The reminders sent to it (every status: a paused one may be resumed).
        schedules = await conn.execute(
            "UPDATE reminder_schedules AS s SET audience = json_set(s.audience, '$.group_ids', "
            "json((SELECT json_group_array(DISTINCT CASE WHEN j.value = ?1 THEN ?2 "
            "ELSE j.value END) FROM json_each(s.audience, '$.group_ids') j))), "
            "updated_at = ?3 WHERE " + _NAMES_AUDIENCE.format(id="?1"),
            (old, new, stamp),
        )
        nudges = await conn.execute(
            "UPDATE supervision_nudges SET group_id = ? WHERE group_id = ?", (new, old)
        )
        chat = chat_after_merge(source, target)
        await conn.execute(
            "UPDATE activity_groups SET chat_id = NULL, chat_title = NULL, bound_at = NULL "
            "WHERE id = ?", (old,),
        )
        if chat is ChatAfterMerge.MOVED:
            await conn.execute(
                "UPDATE activity_groups SET chat_id = ?, chat_title = ?, bound_at = ? "
                "WHERE id = ?", (source.chat_id, source.chat_title, stamp, new),
            )
        await conn.execute("DELETE FROM activity_groups WHERE id = ?", (old,))
        return MergeCounts(
            members=moved.rowcount, memberships=memberships.rowcount, events=events.rowcount,
            schedules=schedules.rowcount, nudges=nudges.rowcount, chat=chat,
        )

    @staticmethod
    async def delete(conn: aiosqlite.Connection, group_id: int) -> None:
        """Delete an empty group; removed reminder schedules that named it forget it."""
        await conn.execute(
            "UPDATE reminder_schedules AS s SET audience = json_set(s.audience, '$.group_ids', "
            "json((SELECT json_group_array(j.value) FROM json_each(s.audience, '$.group_ids') j "
            "WHERE j.value != ?1))) WHERE s.status = 'removed' AND "
            + _NAMES_AUDIENCE.format(id="?1"),
            (group_id,),
        )
        await conn.execute("DELETE FROM activity_groups WHERE id = ?", (group_id,))


async def _join_memberships(conn: aiosqlite.Connection, group_id: int) -> None:
    """One membership of a member in `group_id` that ends when the next begins (a move out of
    the group and back, now that both were this group) becomes one."""
    async with conn.execute(
        "SELECT id, member_id, joined_at, left_at FROM group_memberships WHERE group_id = ? "
        "ORDER BY member_id, joined_at IS NOT NULL, joined_at, id", (group_id,),
    ) as cursor:
        rows = [tuple(row) for row in await cursor.fetchall()]
    previous: list[object] | None = None
    for membership_id, member_id, joined_at, left_at in rows:
        if (previous is not None and previous[1] == member_id and previous[3] is not None
                and previous[3] == joined_at):
            previous[3] = left_at
            await conn.execute("DELETE FROM group_memberships WHERE id = ?", (membership_id,))
            await conn.execute("UPDATE group_memberships SET left_at = ? WHERE id = ?",
                               (left_at, previous[0]))
            continue
        previous = [membership_id, member_id, joined_at, left_at]
