"""Repository of reminders: schedules, occurrences (written before they are sent), the
office's calendar corrections, acknowledgements, and the members a push can reach."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import date, datetime

import aiosqlite

from domain.models import Member, Role
from domain.reminder_models import (
    OccurrenceStatus,
    ReminderKind,
    ReminderOccurrence,
    ReminderSchedule,
    ScheduleStatus,
)
from storage.db import Database, from_db_time, to_db_time
from storage.members import _member
from storage.rows import fetch_rows, placeholders, required_time


def _schedule(row: sqlite3.Row) -> ReminderSchedule:
    return ReminderSchedule(
        id=row["id"],
        kind=ReminderKind(row["kind"]),
        title=row["title"],
        body=row["body"],
        rule=row["rule"],
        holiday_policy=row["holiday_policy"],
        audience=row["audience"],
        ack=bool(row["ack"]),
        status=ScheduleStatus(row["status"]),
        seed=row["seed"],
        created_by=row["created_by"],
        created_at=required_time(row["created_at"]),
        updated_at=required_time(row["updated_at"]),
    )


def _occurrence(row: sqlite3.Row) -> ReminderOccurrence:
    return ReminderOccurrence(
        id=row["id"],
        key=row["key"],
        kind=row["kind"],
        schedule_id=row["schedule_id"],
        event_id=row["event_id"],
        due_at=required_time(row["due_at"]),
        status=OccurrenceStatus(row["status"]),
        recipients=row["recipients"],
        started_at=from_db_time(row["started_at"]),
        finished_at=from_db_time(row["finished_at"]),
        staff_told=bool(row["staff_told"]),
    )


_RECIPIENT_SELECT = """
SELECT m.*, g.name AS group_name, s.language AS language
FROM members m
LEFT JOIN activity_groups g ON g.id = m.group_id
LEFT JOIN user_settings s ON s.telegram_user_id = m.telegram_user_id
WHERE m.telegram_user_id IS NOT NULL AND m.deactivated_at IS NULL
"""



class ReminderRepository:
    """Schedules and occurrences; every change is one transaction of the caller's or its own."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- schedules -------------------------------------------------------------------------------
    async def schedules(self, *, include_removed: bool = False) -> list[ReminderSchedule]:
        sql = "SELECT * FROM reminder_schedules"
        if not include_removed:
            sql += " WHERE status != 'removed'"
        return [_schedule(r) for r in await self.db.fetch_all(sql + " ORDER BY id")]

    async def schedule(self, schedule_id: int) -> ReminderSchedule | None:
        row = await self.db.fetch_one(
            "SELECT * FROM reminder_schedules WHERE id = ?", (schedule_id,)
        )
        return _schedule(row) if row else None

    @staticmethod
    async def insert_schedule(
        conn: aiosqlite.Connection,
        *,
        kind: ReminderKind,
        title: str,
        body: str,
        rule: str,
        holiday_policy: str,
        audience: str,
        ack: bool,
        at: datetime,
        created_by: int | None = None,
        seed: str | None = None,
    ) -> int | None:
        """The new schedule's id; None when a schedule with this `seed` exists already."""
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO reminder_schedules(kind, title, body, rule, holiday_policy, "
            "audience, ack, seed, created_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind.value, title, body, rule, holiday_policy, audience, int(ack), seed,
             created_by, to_db_time(at), to_db_time(at)),
        )
        return cursor.lastrowid if cursor.rowcount else None

    @staticmethod
    async def set_schedule_status(
        conn: aiosqlite.Connection, schedule_id: int, status: ScheduleStatus, at: datetime
    ) -> bool:
        cursor = await conn.execute(
            "UPDATE reminder_schedules SET status = ?, updated_at = ? "
            "WHERE id = ? AND status != ? AND status != 'removed'",
            (status.value, to_db_time(at), schedule_id, status.value),
        )
        return cursor.rowcount > 0

    # -- occurrences -----------------------------------------------------------------------------
    @staticmethod
    async def plan(
        conn: aiosqlite.Connection,
        key: str,
        kind: str,
        due_at: datetime,
        at: datetime,
        *,
        schedule_id: int | None = None,
        event_id: int | None = None,
    ) -> bool:
        """Write the occurrence `key` unless it exists; True when it is new."""
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO reminder_occurrences"
            "(key, kind, schedule_id, event_id, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (key, kind, schedule_id, event_id, to_db_time(due_at), to_db_time(at)),
        )
        return cursor.rowcount > 0

    @staticmethod
    async def move(conn: aiosqlite.Connection, key: str, due_at: datetime) -> bool:
        """Move an occurrence not yet started; True when it moved."""
        cursor = await conn.execute(
            "UPDATE reminder_occurrences SET due_at = ? "
            "WHERE key = ? AND status = 'due' AND due_at != ?",
            (to_db_time(due_at), key, to_db_time(due_at)),
        )
        return cursor.rowcount > 0

    @staticmethod
    async def withdraw(conn: aiosqlite.Connection, keys: Collection[str]) -> int:
        """Withdraw occurrences not yet started; how many were."""
        if not keys:
            return 0
        cursor = await conn.execute(
            f"UPDATE reminder_occurrences SET status = 'withdrawn' "
            f"WHERE status = 'due' AND key IN ({placeholders(len(keys))})",
            tuple(keys),
        )
        return cursor.rowcount

    @staticmethod
    async def restore(conn: aiosqlite.Connection, keys: Collection[str]) -> int:
        """Put withdrawn occurrences back to due (a schedule resumed before their time)."""
        if not keys:
            return 0
        cursor = await conn.execute(
            f"UPDATE reminder_occurrences SET status = 'due' "
            f"WHERE status = 'withdrawn' AND key IN ({placeholders(len(keys))})",
            tuple(keys),
        )
        return cursor.rowcount

    async def occurrence(self, occurrence_id: int) -> ReminderOccurrence | None:
        row = await self.db.fetch_one(
            "SELECT * FROM reminder_occurrences WHERE id = ?", (occurrence_id,)
        )
        return _occurrence(row) if row else None

    async def by_key(self, key: str) -> ReminderOccurrence | None:
        row = await self.db.fetch_one("SELECT * FROM reminder_occurrences WHERE key = ?", (key,))
        return _occurrence(row) if row else None

    async def pending_keys(
        self, prefix: str, *, conn: aiosqlite.Connection | None = None
    ) -> dict[str, ReminderOccurrence]:
        """Occurrences whose key starts with `prefix`, by key (any status); read on `conn`
        inside the caller's transaction."""
        rows = await fetch_rows(
            self.db.reader if conn is None else conn,
            "SELECT * FROM reminder_occurrences WHERE key >= ? AND key < ?",
            (prefix, prefix + "\uffff"),
        )
        return {row["key"]: _occurrence(row) for row in rows}

    async def due(self, now: datetime) -> list[ReminderOccurrence]:
        """Occurrences due by `now` that are not finished: new ones and interrupted ones."""
        rows = await self.db.fetch_all(
            "SELECT * FROM reminder_occurrences WHERE status IN ('due', 'sending') "
            "AND due_at <= ? ORDER BY due_at, id",
            (to_db_time(now),),
        )
        return [_occurrence(r) for r in rows]

    async def next_due(self) -> datetime | None:
        row = await self.db.fetch_one(
            "SELECT min(due_at) AS at FROM reminder_occurrences WHERE status IN ('due', 'sending')"
        )
        return from_db_time(row["at"]) if row else None

    async def recent(self, limit: int = 20) -> list[ReminderOccurrence]:
        rows = await self.db.fetch_all(
            "SELECT * FROM reminder_occurrences WHERE status != 'due' "
            "ORDER BY due_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [_occurrence(r) for r in rows]

    async def started_of(self, schedule_id: int, limit: int) -> list[ReminderOccurrence]:
        """The latest occurrences of a schedule that have gone out (or are going out)."""
        rows = await self.db.fetch_all(
            "SELECT * FROM reminder_occurrences WHERE schedule_id = ? "
            "AND status IN ('sending', 'sent') ORDER BY due_at DESC, id DESC LIMIT ?",
            (schedule_id, limit),
        )
        return [_occurrence(r) for r in rows]

    async def planned_of_schedules(self) -> dict[int, ReminderOccurrence]:
        """Per schedule, its earliest occurrence planned and not started yet."""
        rows = await self.db.fetch_all(
            "SELECT * FROM reminder_occurrences WHERE status = 'due' "
            "AND schedule_id IS NOT NULL ORDER BY due_at DESC, id DESC"
        )
        return {int(row["schedule_id"]): _occurrence(row) for row in rows}

    async def upcoming(self, limit: int = 20) -> list[ReminderOccurrence]:
        rows = await self.db.fetch_all(
            "SELECT * FROM reminder_occurrences WHERE status = 'due' "
            "ORDER BY due_at, id LIMIT ?",
            (limit,),
        )
        return [_occurrence(r) for r in rows]

    @staticmethod
    async def set_status(
        conn: aiosqlite.Connection,
        occurrence_id: int,
        status: OccurrenceStatus,
        at: datetime,
        *,
        recipients: int | None = None,
    ) -> None:
        started = "started_at = COALESCE(started_at, ?)" if status is OccurrenceStatus.SENDING \
            else "finished_at = ?"
        await conn.execute(
            f"UPDATE reminder_occurrences SET status = ?, {started}, "
            "recipients = COALESCE(?, recipients) WHERE id = ?",
            (status.value, to_db_time(at), recipients, occurrence_id),
        )

    @staticmethod
    async def mark_staff_told(conn: aiosqlite.Connection, occurrence_id: int) -> bool:
        cursor = await conn.execute(
            "UPDATE reminder_occurrences SET staff_told = 1 WHERE id = ? AND staff_told = 0",
            (occurrence_id,),
        )
        return cursor.rowcount > 0

    async def delivery_counts(self, keys: Sequence[str]) -> dict[str, dict[str, int]]:
        """Per delivery key: how many deliveries are sent, failed, blocked or pending."""
        if not keys:
            return {}
        rows = await self.db.fetch_all(
            f"SELECT key, status, count(*) AS n FROM deliveries "
            f"WHERE key IN ({placeholders(len(keys))}) GROUP BY key, status",
            tuple(keys),
        )
        counts: dict[str, dict[str, int]] = {key: {} for key in keys}
        for row in rows:
            counts[row["key"]][row["status"]] = int(row["n"])
        return counts

    async def was_sent(self, delivery_key: str, chat_id: int) -> bool:
        row = await self.db.fetch_one(
            "SELECT 1 FROM deliveries WHERE key = ? AND chat_id = ? AND status = 'sent'",
            (delivery_key, chat_id),
        )
        return row is not None

    # -- audiences -------------------------------------------------------------------------------
    async def reachable_members(
        self,
        *,
        group_ids: Collection[int] | None = None,
        roles: Collection[Role] | None = None,
        member_ids: Collection[int] | None = None,
    ) -> list[tuple[Member, str | None]]:
        """Members with a Telegram account, each with the language they chose (None: not
        chosen), narrowed by group, role or id when given."""
        sql, params = _RECIPIENT_SELECT, []
        for column, values in (("m.group_id", group_ids), ("m.role", roles), ("m.id", member_ids)):
            if values is not None:
                items = [v.value if isinstance(v, Role) else v for v in values]
                sql += f" AND {column} IN ({placeholders(len(items))})" if items else " AND 0"
                params += items
        rows = await fetch_rows(self.db.reader, sql + " ORDER BY m.id", params)
        return [(_member(row), row["language"]) for row in rows]

    async def blocked_recipients(self, delivery_key: str) -> list[Member]:
        rows = await self.db.fetch_all(
            "SELECT m.*, g.name AS group_name FROM deliveries d "
            "JOIN members m ON m.telegram_user_id = d.chat_id "
            "LEFT JOIN activity_groups g ON g.id = m.group_id "
            "WHERE d.key = ? AND d.status = 'blocked' ORDER BY g.name, m.name",
            (delivery_key,),
        )
        return [_member(r) for r in rows]

    async def sent_to(self, delivery_key: str) -> list[Member]:
        """The members a push was delivered to, by group and name."""
        rows = await self.db.fetch_all(
            "SELECT m.*, g.name AS group_name FROM deliveries d "
            "JOIN members m ON m.telegram_user_id = d.chat_id "
            "LEFT JOIN activity_groups g ON g.id = m.group_id "
            "WHERE d.key = ? AND d.status = 'sent' ORDER BY g.name, m.name",
            (delivery_key,),
        )
        return [_member(r) for r in rows]

    async def unreachable(self) -> list[tuple[Member, datetime]]:
        rows = await self.db.fetch_all(
            "SELECT m.*, g.name AS group_name FROM members m "
            "LEFT JOIN activity_groups g ON g.id = m.group_id "
            "WHERE m.unreachable_since IS NOT NULL ORDER BY g.name, m.name"
        )
        return [(_member(r), required_time(r["unreachable_since"])) for r in rows]

    async def record_reachability(self, delivery_key: str, at: datetime) -> None:
        """After a fan-out, in one transaction: members whose delivery of `delivery_key` was
        refused because they blocked the bot are unreachable (since `at`, unless already);
        those it reached are reachable again."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE members SET unreachable_since = ? WHERE unreachable_since IS NULL "
                "AND telegram_user_id IN "
                "(SELECT chat_id FROM deliveries WHERE key = ? AND status = 'blocked')",
                (to_db_time(at), delivery_key),
            )
            await conn.execute(
                "UPDATE members SET unreachable_since = NULL WHERE unreachable_since IS NOT NULL "
                "AND telegram_user_id IN "
                "(SELECT chat_id FROM deliveries WHERE key = ? AND status = 'sent')",
                (delivery_key,),
            )

    # -- reading notes -------------------------------------------------------------------------
    @staticmethod
    async def add_reading_note(
        conn: aiosqlite.Connection, member_id: int, book: str, note: str, at: datetime
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO reading_notes(member_id, book, note, created_at) VALUES (?, ?, ?, ?)",
            (member_id, book, note, to_db_time(at)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def reading_notes(self, member_id: int) -> list[tuple[str, str, datetime]]:
        rows = await self.db.fetch_all(
            "SELECT book, note, created_at FROM reading_notes WHERE member_id = ? "
            "ORDER BY created_at, id", (member_id,),
        )
        return [(r["book"], r["note"], required_time(r["created_at"])) for r in rows]

    # -- calendar and acknowledgements ---------------------------------------------------------
    async def calendar_days(
        self, *, conn: aiosqlite.Connection | None = None
    ) -> dict[date, str]:
        """The office's entries, by day; read on `conn` inside the caller's transaction."""
        rows = await fetch_rows(self.db.reader if conn is None else conn,
                                "SELECT day, kind FROM calendar_days")
        return {date.fromisoformat(r["day"]): r["kind"] for r in rows}

    async def calendar_day_names(
        self, *, conn: aiosqlite.Connection | None = None
    ) -> dict[date, str]:
        """The names the office gave its days (those it gave one); read on `conn` inside the
        caller's transaction."""
        rows = await fetch_rows(self.db.reader if conn is None else conn,
                                "SELECT day, name FROM calendar_days WHERE name != ''")
        return {date.fromisoformat(r["day"]): r["name"] for r in rows}

    @staticmethod
    async def set_calendar_day(
        conn: aiosqlite.Connection, day: date, kind: str | None, by: int | None, at: datetime,
        *, name: str | None = None,
    ) -> None:
        """Set (or with `kind` None, remove) the office's entry for `day`; `name` None keeps
        the name the day had."""
        if kind is None:
            await conn.execute("DELETE FROM calendar_days WHERE day = ?", (day.isoformat(),))
            return
        await conn.execute(
            "INSERT INTO calendar_days(day, kind, set_by, set_at, name) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, set_by = excluded.set_by, "
            "set_at = excluded.set_at, name = CASE WHEN ? THEN name ELSE excluded.name END",
            (day.isoformat(), kind, by, to_db_time(at), name or "", name is None),
        )

    @staticmethod
    async def acknowledge(
        conn: aiosqlite.Connection, occurrence_id: int, member_id: int, at: datetime
    ) -> bool:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO reminder_acks(occurrence_id, member_id, at) VALUES (?, ?, ?)",
            (occurrence_id, member_id, to_db_time(at)),
        )
        return cursor.rowcount > 0

    async def acknowledged(self, occurrence_id: int) -> set[int]:
        rows = await self.db.fetch_all(
            "SELECT member_id FROM reminder_acks WHERE occurrence_id = ?", (occurrence_id,)
        )
        return {int(r["member_id"]) for r in rows}
