"""Repository of the roster: activity groups, members, their Telegram bindings and invites."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import aiosqlite

from domain.models import ActivityGroup, Invite, Member, Role
from storage.db import Database, from_db_time, to_db_time
from storage.rows import fetch_rows

_MEMBER_SELECT = """
SELECT m.id, m.name, m.phone, m.sector, m.group_id, g.name AS group_name, m.role,
       m.telegram_user_id, m.bound_at, m.deactivated_at
FROM members m LEFT JOIN activity_groups g ON g.id = m.group_id
"""


def _member(row: sqlite3.Row) -> Member:
    return Member(
        id=row["id"],
        name=row["name"],
        phone=row["phone"],
        sector=row["sector"],
        group_id=row["group_id"],
        group_name=row["group_name"],
        role=Role(row["role"]),
        telegram_user_id=row["telegram_user_id"],
        bound_at=from_db_time(row["bound_at"]),
        deactivated_at=from_db_time(row["deactivated_at"]),
    )


def _group(row: sqlite3.Row) -> ActivityGroup:
    return ActivityGroup(
        id=row["id"], name=row["name"], chat_id=row["chat_id"], chat_title=row["chat_title"]
    )


class MemberRepository:
    """Typed reads and writes of members, groups and invites."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads -------------------------------------------------------------------------------
    async def by_id(self, member_id: int) -> Member | None:
        row = await self.db.fetch_one(_MEMBER_SELECT + "WHERE m.id = ?", (member_id,))
        return _member(row) if row else None

    async def by_phone(self, phone: str) -> Member | None:
        row = await self.db.fetch_one(_MEMBER_SELECT + "WHERE m.phone = ?", (phone,))
        return _member(row) if row else None

    async def by_telegram_id(self, telegram_user_id: int) -> Member | None:
        row = await self.db.fetch_one(
            _MEMBER_SELECT + "WHERE m.telegram_user_id = ?", (telegram_user_id,)
        )
        return _member(row) if row else None

    async def account(self, telegram_user_id: int) -> tuple[Member | None, str | None]:
        """The member bound to an account and the language it chose with /lang, in one read
        (it runs before every update)."""
        row = await self.db.fetch_one(
            "SELECT m.id, m.name, m.phone, m.sector, m.group_id, g.name AS group_name, m.role, "
            "m.telegram_user_id, m.bound_at, m.deactivated_at, s.language "
            "FROM (SELECT ? AS tg) a "
            "LEFT JOIN members m ON m.telegram_user_id = a.tg "
            "LEFT JOIN activity_groups g ON g.id = m.group_id "
            "LEFT JOIN user_settings s ON s.telegram_user_id = a.tg",
            (telegram_user_id,),
        )
        assert row is not None
        return (_member(row) if row["id"] is not None else None), row["language"]

    async def list_members(
        self, group_name: str | None = None, *, conn: aiosqlite.Connection | None = None
    ) -> list[Member]:
        """The members (of one group); read on `conn` inside the caller's transaction."""
        on = self.db.reader if conn is None else conn
        if group_name is None:
            rows = await fetch_rows(on, _MEMBER_SELECT + "ORDER BY g.id, m.name, m.id")
        else:
            rows = await fetch_rows(
                on, _MEMBER_SELECT + "WHERE g.name = ? ORDER BY m.name, m.id", (group_name,)
            )
        return [_member(row) for row in rows]

    async def list_groups(
        self, *, conn: aiosqlite.Connection | None = None
    ) -> list[ActivityGroup]:
        """Every group in roster order: as they first appear in the imported roster (第一,
        第二, 第三 …; by name they would sort by code point: 第一, 第三, 第二). Read on `conn`
        inside the caller's transaction."""
        rows = await fetch_rows(self.db.reader if conn is None else conn,
                                "SELECT * FROM activity_groups ORDER BY id")
        return [_group(row) for row in rows]

    async def group_by_id(self, group_id: int) -> ActivityGroup | None:
        row = await self.db.fetch_one("SELECT * FROM activity_groups WHERE id = ?", (group_id,))
        return _group(row) if row else None

    async def group_by_chat(self, chat_id: int) -> ActivityGroup | None:
        row = await self.db.fetch_one(
            "SELECT * FROM activity_groups WHERE chat_id = ?", (chat_id,)
        )
        return _group(row) if row else None

    async def invite(self, token: str) -> Invite | None:
        row = await self.db.fetch_one("SELECT * FROM invites WHERE token = ?", (token,))
        if row is None:
            return None
        return Invite(
            token=row["token"],
            member_id=row["member_id"],
            created_at=from_db_time(row["created_at"]),
            expires_at=from_db_time(row["expires_at"]),
            used_at=from_db_time(row["used_at"]),
            used_by=row["used_by"],
        )

    # -- writes (each inside the caller's transaction) ---------------------------------------
    @staticmethod
    async def ensure_group(conn: aiosqlite.Connection, name: str, *, now: datetime) -> int:
        await conn.execute(
            "INSERT OR IGNORE INTO activity_groups(name, created_at) VALUES (?, ?)",
            (name, to_db_time(now)),
        )
        async with conn.execute("SELECT id FROM activity_groups WHERE name = ?", (name,)) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    @staticmethod
    async def put_from_roster(
        conn: aiosqlite.Connection, *, name: str, phone: str, sector: str,
        group_id: int | None, role: Role, now: datetime,
    ) -> None:
        """A roster row: the member with this phone added, or updated and made active again."""
        await conn.execute(
            "INSERT INTO members(name, phone, sector, group_id, role, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(phone) DO UPDATE SET name = excluded.name, sector = excluded.sector, "
            "group_id = excluded.group_id, role = excluded.role, "
            "updated_at = excluded.updated_at, deactivated_at = NULL",
            (name, phone, sector, group_id, role.value, to_db_time(now), to_db_time(now)),
        )

    @staticmethod
    async def bind_telegram(
        conn: aiosqlite.Connection, member_id: int, telegram_user_id: int, at: datetime
    ) -> bool:
        """Bind an account to a member if neither is bound yet; False when refused."""
        cursor = await conn.execute(
            "UPDATE members SET telegram_user_id = ?, bound_at = ?, updated_at = ? "
            "WHERE id = ? AND telegram_user_id IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM members WHERE telegram_user_id = ?)",
            (telegram_user_id, to_db_time(at), to_db_time(at), member_id, telegram_user_id),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def set_deactivated(
        conn: aiosqlite.Connection, member_id: int, at: datetime | None, *, now: datetime
    ) -> bool:
        """Deactivate the member at `at`, or (None) make them active again; False when they
        were in that state already."""
        stamp = to_db_time(now)
        if at is None:
            sql = ("UPDATE members SET deactivated_at = NULL, updated_at = ? "
                   "WHERE id = ? AND deactivated_at IS NOT NULL")
            cursor = await conn.execute(sql, (stamp, member_id))
        else:
            sql = ("UPDATE members SET deactivated_at = ?, updated_at = ? "
                   "WHERE id = ? AND deactivated_at IS NULL")
            cursor = await conn.execute(sql, (to_db_time(at), stamp, member_id))
        return cursor.rowcount == 1

    @staticmethod
    async def unbind_telegram(
        conn: aiosqlite.Connection, member_id: int, *, now: datetime
    ) -> bool:
        cursor = await conn.execute(
            "UPDATE members SET telegram_user_id = NULL, bound_at = NULL, updated_at = ? "
            "WHERE id = ? AND telegram_user_id IS NOT NULL",
            (to_db_time(now), member_id),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def add_invite(
        conn: aiosqlite.Connection,
        token: str,
        member_id: int,
        created_by: int | None,
        created_at: datetime,
        expires_at: datetime,
    ) -> None:
        await conn.execute(
            "INSERT INTO invites(token, member_id, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (token, member_id, created_by, to_db_time(created_at), to_db_time(expires_at)),
        )

    @staticmethod
    async def use_invite(
        conn: aiosqlite.Connection, token: str, telegram_user_id: int, at: datetime
    ) -> bool:
        """Mark an unused, unexpired invite used; False when it was not usable."""
        cursor = await conn.execute(
            "UPDATE invites SET used_at = ?, used_by = ? "
            "WHERE token = ? AND used_at IS NULL AND expires_at > ?",
            (to_db_time(at), telegram_user_id, token, to_db_time(at)),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def group_id_of_chat(conn: aiosqlite.Connection, chat_id: int) -> int | None:
        """The group a chat is bound to, read inside the caller's transaction."""
        async with conn.execute(
            "SELECT id FROM activity_groups WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    @staticmethod
    async def bind_group_chat(
        conn: aiosqlite.Connection, group_id: int, chat_id: int, title: str | None, *,
        now: datetime,
    ) -> None:
        """Point an activity group at a chat; a chat serves one group at a time."""
        stamp = to_db_time(now)
        await conn.execute(
            "UPDATE activity_groups SET chat_id = NULL, chat_title = NULL, bound_at = NULL "
            "WHERE chat_id = ? AND id != ?",
            (chat_id, group_id),
        )
        await conn.execute(
            "UPDATE activity_groups SET chat_id = ?, chat_title = ?, bound_at = ? WHERE id = ?",
            (chat_id, title, stamp, group_id),
        )
