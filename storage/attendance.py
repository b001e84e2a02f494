"""Repository of attendance: events, their groups and announcements, check-ins, leave requests.

Reads go through the reader connection; methods taking `conn` run inside the caller's write
transaction (reads there see the transaction's own writes and hold the write lock, so what they
return cannot change before the commit). Lists of ids are passed as one JSON parameter
(`json_each`), so a batch of any size is one statement.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

import aiosqlite

from domain.models import (
    CheckIn,
    CheckInMethod,
    Event,
    EventAnnouncement,
    EventDraft,
    EventStatus,
    LeaveRequest,
    LeaveStatus,
    Member,
)
from storage.attendance_rows import (
    EVENT_SELECT,
    EXPECTED_IDS,
    checkin_row,
    event_row,
    event_values,
    id_list,
    leave_row,
)
from storage.db import Database, to_db_time
from storage.members import _MEMBER_SELECT, _member
from storage.rows import fetch_rows


class AttendanceRepository:
    """Typed reads and writes of events, check-ins and leave requests."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- events ------------------------------------------------------------------------------
    async def event(self, event_id: int) -> Event | None:
        row = await self.db.fetch_one(EVENT_SELECT + "WHERE e.id = ?", (event_id,))
        return event_row(row) if row else None

    async def events(
        self,
        *,
        ids: Collection[int] | None = None,
        group_ids: Collection[int] | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        ends_after: datetime | None = None,
        include_cancelled: bool = True,
    ) -> list[Event]:
        """Events matching every filter given, by start time."""
        where, params = ["1"], []
        if ids is not None:
            where.append("e.id IN (SELECT value FROM json_each(?))")
            params.append(id_list(ids))
        if group_ids is not None:
            where.append(
                "e.id IN (SELECT event_id FROM event_groups "
                "WHERE group_id IN (SELECT value FROM json_each(?)))"
            )
            params.append(id_list(group_ids))
        if starts_from is not None:
            where.append("e.starts_at >= ?")
            params.append(to_db_time(starts_from))
        if starts_before is not None:
            where.append("e.starts_at < ?")
            params.append(to_db_time(starts_before))
        if ends_after is not None:
            where.append("e.ends_at > ?")
            params.append(to_db_time(ends_after))
        if not include_cancelled:
            where.append("e.status = 'scheduled'")
        rows = await self.db.fetch_all(
            EVENT_SELECT + "WHERE " + " AND ".join(where) + " ORDER BY e.starts_at, e.id",
            params,
        )
        return [event_row(row) for row in rows]

    @staticmethod
    async def events_in(conn: aiosqlite.Connection, ids: Collection[int]) -> dict[int, Event]:
        """The events with these ids, read inside a write transaction."""
        rows = await fetch_rows(
            conn, EVENT_SELECT + "WHERE e.id IN (SELECT value FROM json_each(?))", (id_list(ids),)
        )
        return {row["id"]: event_row(row) for row in rows}

    @staticmethod
    async def insert_event(
        conn: aiosqlite.Connection, draft: EventDraft, created_by: int | None, at: datetime
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO events(type, title, starts_at, ends_at, place, venue_lat, venue_lon, "
            "venue_radius_m, policy, created_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*event_values(draft), created_by, to_db_time(at), to_db_time(at)),
        )
        event_id = cursor.lastrowid
        assert event_id is not None
        await AttendanceRepository._set_groups(conn, event_id, draft.group_ids)
        return event_id

    @staticmethod
    async def update_event(
        conn: aiosqlite.Connection, event_id: int, draft: EventDraft, at: datetime
    ) -> None:
        await conn.execute(
            "UPDATE events SET type = ?, title = ?, starts_at = ?, ends_at = ?, place = ?, "
            "venue_lat = ?, venue_lon = ?, venue_radius_m = ?, policy = ?, updated_at = ? "
            "WHERE id = ?",
            (*event_values(draft), to_db_time(at), event_id),
        )
        await conn.execute("DELETE FROM event_groups WHERE event_id = ?", (event_id,))
        await AttendanceRepository._set_groups(conn, event_id, draft.group_ids)

    @staticmethod
    async def _set_groups(
        conn: aiosqlite.Connection, event_id: int, group_ids: Iterable[int]
    ) -> None:
        await conn.executemany(
            "INSERT INTO event_groups(event_id, group_id) VALUES (?, ?)",
            [(event_id, group_id) for group_id in sorted(set(group_ids))],
        )

    @staticmethod
    async def set_event_status(
        conn: aiosqlite.Connection, event_id: int, status: EventStatus, at: datetime
    ) -> bool:
        """Change the status; False when it already was `status`."""
        cursor = await conn.execute(
            "UPDATE events SET status = ?, updated_at = ? WHERE id = ? AND status != ?",
            (status.value, to_db_time(at), event_id, status.value),
        )
        return cursor.rowcount == 1

    # -- announcements -----------------------------------------------------------------------
    async def announcements(self, event_id: int) -> list[EventAnnouncement]:
        rows = await self.db.fetch_all(
            "SELECT event_id, chat_id, message_id FROM event_announcements WHERE event_id = ? "
            "ORDER BY chat_id",
            (event_id,),
        )
        return [
            EventAnnouncement(
                event_id=row["event_id"], chat_id=row["chat_id"], message_id=row["message_id"]
            )
            for row in rows
        ]

    async def announcement_in_group(
        self, event_id: int, group_id: int
    ) -> EventAnnouncement | None:
        """The announcement of the event in the chat the group is bound to, if any."""
        row = await self.db.fetch_one(
            "SELECT a.event_id, a.chat_id, a.message_id FROM event_announcements a "
            "JOIN activity_groups g ON g.chat_id = a.chat_id "
            "WHERE a.event_id = ? AND g.id = ?",
            (event_id, group_id),
        )
        if row is None:
            return None
        return EventAnnouncement(
            event_id=row["event_id"], chat_id=row["chat_id"], message_id=row["message_id"]
        )

    @staticmethod
    async def save_announcement(
        conn: aiosqlite.Connection, event_id: int, chat_id: int, message_id: int, at: datetime
    ) -> None:
        """Remember the message announcing `event_id` in `chat_id` (a repost replaces it)."""
        await conn.execute(
            "INSERT INTO event_announcements(event_id, chat_id, message_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(event_id, chat_id) DO UPDATE SET "
            "message_id = excluded.message_id, created_at = excluded.created_at",
            (event_id, chat_id, message_id, to_db_time(at)),
        )

    # -- who is expected ---------------------------------------------------------------------
    async def expected_members(
        self, event_id: int, group_ids: Collection[int] | None = None
    ) -> list[Member]:
        """Members expected at the event (optionally only those now in `group_ids`)."""
        sql = _MEMBER_SELECT + f"WHERE m.id IN ({EXPECTED_IDS})"
        params: list[object] = [event_id]
        if group_ids is not None:
            sql += " AND m.group_id IN (SELECT value FROM json_each(?2))"
            params.append(id_list(group_ids))
        rows = await self.db.fetch_all(sql + " ORDER BY g.id, m.name, m.id", params)
        return [_member(row) for row in rows]

    async def told_members(self, event_id: int) -> list[Member]:
        """The members expected at the event who were told of it: its announcement was posted
        in their group's chat, something about it was delivered to them (a reminder, a notice
        of a change, a leave request to decide: see the deliveries' keys), or they checked in
        or asked for leave themselves."""
        sql = _MEMBER_SELECT + f"""WHERE m.id IN ({EXPECTED_IDS}) AND (
  EXISTS (SELECT 1 FROM event_announcements a JOIN activity_groups ag ON ag.chat_id = a.chat_id
          WHERE a.event_id = ?1 AND ag.id = m.group_id)
  OR EXISTS (SELECT 1 FROM deliveries d
             WHERE d.chat_id = m.telegram_user_id AND d.status = 'sent'
               AND (d.key LIKE 'event:' || ?1 || ':%'
                    OR d.key IN (SELECT 'occ:' || o.id FROM reminder_occurrences o
                                 WHERE o.event_id = ?1)
                    OR d.key IN (SELECT 'leave:' || l.id || ':ask' FROM leave_requests l
                                 WHERE l.event_id = ?1)))
  OR m.id IN (SELECT member_id FROM checkins WHERE event_id = ?1)
  OR m.id IN (SELECT member_id FROM leave_requests WHERE event_id = ?1))"""
        rows = await self.db.fetch_all(sql + " ORDER BY g.id, m.name, m.id", (event_id,))
        return [_member(row) for row in rows]

    @staticmethod
    async def expected_ids_in(conn: aiosqlite.Connection, event_id: int) -> set[int]:
        """The ids of the members expected at the event, read inside a write transaction."""
        rows = await fetch_rows(conn, EXPECTED_IDS, (event_id,))
        return {int(row[0]) for row in rows}

    async def counts(self, event_id: int, group_id: int | None = None) -> tuple[int, int]:
        """(checked in, expected) for the event, or for the expected members of one group."""
        sql = (
            "SELECT count(*) AS expected, count(c.member_id) AS checked_in "
            "FROM members m LEFT JOIN checkins c ON c.event_id = ?1 AND c.member_id = m.id "
            f"WHERE m.id IN ({EXPECTED_IDS})"
        )
        params: list[object] = [event_id]
        if group_id is not None:
            sql += " AND m.group_id = ?2"
            params.append(group_id)
        row = await self.db.fetch_one(sql, params)
        assert row is not None
        return int(row["checked_in"]), int(row["expected"])

    async def leaders_of(self, group_id: int) -> list[Member]:
        rows = await self.db.fetch_all(
            _MEMBER_SELECT + "WHERE m.group_id = ? AND m.role = 'leader' "
            "AND m.deactivated_at IS NULL ORDER BY m.name, m.id",
            (group_id,),
        )
        return [_member(row) for row in rows]

    async def staff(self) -> list[Member]:
        rows = await self.db.fetch_all(
            _MEMBER_SELECT + "WHERE m.role IN ('staff', 'admin') AND m.deactivated_at IS NULL "
            "ORDER BY m.name, m.id"
        )
        return [_member(row) for row in rows]

    # -- check-ins ---------------------------------------------------------------------------
    async def checkins(self, event_id: int) -> dict[int, CheckIn]:
        """Check-ins of the event by member id."""
        rows = await self.db.fetch_all("SELECT * FROM checkins WHERE event_id = ?", (event_id,))
        return {row["member_id"]: checkin_row(row) for row in rows}

    async def checkins_of_member(
        self, member_id: int, event_ids: Collection[int]
    ) -> dict[int, CheckIn]:
        """The member's check-ins at these events, by event id."""
        rows = await self.db.fetch_all(
            "SELECT * FROM checkins WHERE member_id = ? "
            "AND event_id IN (SELECT value FROM json_each(?))",
            (member_id, id_list(event_ids)),
        )
        return {row["event_id"]: checkin_row(row) for row in rows}

    @staticmethod
    async def existing_checkins(
        conn: aiosqlite.Connection, event_ids: Collection[int], member_ids: Collection[int]
    ) -> dict[tuple[int, int], CheckIn]:
        """Check-ins already stored for any of these events and members, by (event, member)."""
        rows = await fetch_rows(
            conn,
            "SELECT * FROM checkins WHERE event_id IN (SELECT value FROM json_each(?)) "
            "AND member_id IN (SELECT value FROM json_each(?))",
            (id_list(event_ids), id_list(member_ids)),
        )
        return {(row["event_id"], row["member_id"]): checkin_row(row) for row in rows}

    @staticmethod
    async def insert_checkins(
        conn: aiosqlite.Connection, checkins: Sequence[CheckIn], actor_tg_ids: Sequence[int | None]
    ) -> int:
        """Store new check-ins, each with its audit row; returns how many were new.

        The audit rows are written with one statement for the whole batch, in the same form as
        storage.audit.record_audit writes one: `member_checkin` for a member's own check-in,
        `member_marked_present` when staff or a leader recorded it (method STAFF, `marked_by`).
        """
        cursor = await conn.executemany(
            "INSERT OR IGNORE INTO checkins(event_id, member_id, at, method, late, marked_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (c.event_id, c.member_id, to_db_time(c.at), c.method.value, int(c.late),
                 c.marked_by)
                for c in checkins
            ],
        )
        inserted = cursor.rowcount
        await conn.executemany(
            "INSERT INTO audit_log(at, actor_tg_id, actor_member_id, action, subject, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    to_db_time(c.at),
                    tg_id,
                    c.marked_by if c.method is CheckInMethod.STAFF else c.member_id,
                    "member_marked_present" if c.method is CheckInMethod.STAFF
                    else "member_checkin",
                    f"event:{c.event_id}",
                    json.dumps(
                        {"member_id": c.member_id, "method": c.method.value, "late": c.late}
                    ),
                )
                for c, tg_id in zip(checkins, actor_tg_ids, strict=True)
            ],
        )
        return inserted

    @staticmethod
    async def insert_checkin_afterwards(conn: aiosqlite.Connection, checkin: CheckIn) -> bool:
        """Store a check-in marked after the event's end (the caller writes its audit row);
        False when the member had one already."""
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO checkins(event_id, member_id, at, method, late, marked_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (checkin.event_id, checkin.member_id, to_db_time(checkin.at), checkin.method.value,
             int(checkin.late), checkin.marked_by),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def approve_leave_afterwards(
        conn: aiosqlite.Connection, event_id: int, member_id: int, reason: str,
        decided_by: int | None, at: datetime,
    ) -> int:
        """Leave recorded after the event's end, approved at once: a new request made at `at`,
        or one declined before replaced by it (its reason kept when none is given); returns
        the request's id. A pending request is decided with `decide_leave_request` instead."""
        await conn.execute(
            "INSERT INTO leave_requests(event_id, member_id, reason, status, decided_by, "
            "decided_at, created_at) VALUES (?, ?, ?, 'approved', ?, ?, ?) "
            "ON CONFLICT(event_id, member_id) DO UPDATE SET "
            "reason = CASE WHEN excluded.reason = '' THEN reason ELSE excluded.reason END, "
            "status = 'approved', decided_by = excluded.decided_by, "
            "decided_at = excluded.decided_at, created_at = excluded.created_at",
            (event_id, member_id, reason, decided_by, to_db_time(at), to_db_time(at)),
        )
        rows = await fetch_rows(
            conn,
            "SELECT id FROM leave_requests WHERE event_id = ? AND member_id = ?",
            (event_id, member_id),
        )
        return int(rows[0]["id"])

    # -- leave -------------------------------------------------------------------------------
    async def leave_requests(self, event_id: int) -> dict[int, LeaveRequest]:
        """Leave requests of the event by member id."""
        rows = await self.db.fetch_all(
            "SELECT * FROM leave_requests WHERE event_id = ?", (event_id,)
        )
        return {row["member_id"]: leave_row(row) for row in rows}

    async def leave_requests_of_member(
        self, member_id: int, event_ids: Collection[int]
    ) -> dict[int, LeaveRequest]:
        rows = await self.db.fetch_all(
            "SELECT * FROM leave_requests WHERE member_id = ? "
            "AND event_id IN (SELECT value FROM json_each(?))",
            (member_id, id_list(event_ids)),
        )
        return {row["event_id"]: leave_row(row) for row in rows}

    async def leave_request(self, request_id: int) -> LeaveRequest | None:
        row = await self.db.fetch_one("SELECT * FROM leave_requests WHERE id = ?", (request_id,))
        return leave_row(row) if row else None

    @staticmethod
    async def leave_in(conn: aiosqlite.Connection, request_id: int) -> LeaveRequest | None:
        rows = await fetch_rows(conn, "SELECT * FROM leave_requests WHERE id = ?", (request_id,))
        return leave_row(rows[0]) if rows else None

    @staticmethod
    async def leave_of(
        conn: aiosqlite.Connection, event_id: int, member_id: int
    ) -> LeaveRequest | None:
        rows = await fetch_rows(
            conn,
            "SELECT * FROM leave_requests WHERE event_id = ? AND member_id = ?",
            (event_id, member_id),
        )
        return leave_row(rows[0]) if rows else None

    @staticmethod
    async def checkin_of(
        conn: aiosqlite.Connection, event_id: int, member_id: int
    ) -> CheckIn | None:
        rows = await fetch_rows(
            conn,
            "SELECT * FROM checkins WHERE event_id = ? AND member_id = ?",
            (event_id, member_id),
        )
        return checkin_row(rows[0]) if rows else None

    @staticmethod
    async def save_leave_request(
        conn: aiosqlite.Connection, event_id: int, member_id: int, reason: str, at: datetime
    ) -> int:
        """Ask for leave, or ask again after a decline: the request is pending afterwards."""
        await conn.execute(
            "INSERT INTO leave_requests(event_id, member_id, reason, status, created_at) "
            "VALUES (?, ?, ?, 'pending', ?) ON CONFLICT(event_id, member_id) DO UPDATE SET "
            "reason = excluded.reason, status = 'pending', decided_by = NULL, "
            "decided_at = NULL, created_at = excluded.created_at",
            (event_id, member_id, reason, to_db_time(at)),
        )
        rows = await fetch_rows(
            conn,
            "SELECT id FROM leave_requests WHERE event_id = ? AND member_id = ?",
            (event_id, member_id),
        )
        return int(rows[0]["id"])

    @staticmethod
    async def decide_leave_request(
        conn: aiosqlite.Connection,
        request_id: int,
        status: LeaveStatus,
        decided_by: int | None,
        at: datetime,
    ) -> bool:
        """Approve or decline a pending request; False when it was no longer pending."""
        cursor = await conn.execute(
            "UPDATE leave_requests SET status = ?, decided_by = ?, decided_at = ? "
            "WHERE id = ? AND status = 'pending'",
            (status.value, decided_by, to_db_time(at), request_id),
        )
        return cursor.rowcount == 1
