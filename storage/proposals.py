"""Repository of proposal windows and filings: who filed how many, and who has not."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import date, datetime

import aiosqlite

from domain.models import Member, Role
from domain.proposal_models import (
    FILERS,
    FilingSource,
    ProposalFiling,
    ProposalWindow,
    WindowStatus,
)
from storage.db import Database, to_db_time
from storage.rows import placeholders, required_time


def _window(row: sqlite3.Row) -> ProposalWindow:
    return ProposalWindow(
        id=row["id"], title=row["title"], opens_on=date.fromisoformat(row["opens_on"]),
        deadline=date.fromisoformat(row["deadline"]), status=WindowStatus(row["status"]),
        created_by=row["created_by"], created_at=required_time(row["created_at"]),
        updated_at=required_time(row["updated_at"]),
    )


def _filing(row: sqlite3.Row) -> ProposalFiling:
    return ProposalFiling(
        window_id=row["window_id"], member_id=row["member_id"], count=row["count"],
        source=FilingSource(row["source"]), audited=bool(row["audited"]),
        updated_at=required_time(row["updated_at"]),
    )


def _member(row: sqlite3.Row) -> Member:
    return Member(
        id=row["id"], name=row["name"], phone=row["phone"], sector=row["sector"],
        group_id=row["group_id"], group_name=row["group_name"], role=Role(row["role"]),
        telegram_user_id=row["telegram_user_id"],
    )


class ProposalRepository:
    """Windows and filings; every change is one transaction of the caller's."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- windows ---------------------------------------------------------------------------------
    async def windows(self, status: WindowStatus | None = None) -> list[ProposalWindow]:
        sql, params = "SELECT * FROM proposal_windows", []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(status.value)
        rows = await self.db.fetch_all(sql + " ORDER BY deadline, id", params)
        return [_window(r) for r in rows]

    async def window(self, window_id: int) -> ProposalWindow | None:
        row = await self.db.fetch_one("SELECT * FROM proposal_windows WHERE id = ?", (window_id,))
        return _window(row) if row else None

    @staticmethod
    async def insert_window(
        conn: aiosqlite.Connection, *, title: str, opens_on: date, deadline: date,
        created_by: int | None, at: datetime,
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO proposal_windows(title, opens_on, deadline, created_by, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (title, opens_on.isoformat(), deadline.isoformat(), created_by, to_db_time(at),
             to_db_time(at)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    async def close_window(conn: aiosqlite.Connection, window_id: int, at: datetime) -> bool:
        cursor = await conn.execute(
            "UPDATE proposal_windows SET status = 'closed', updated_at = ? "
            "WHERE id = ? AND status = 'open'",
            (to_db_time(at), window_id),
        )
        return cursor.rowcount > 0

    # -- filings ---------------------------------------------------------------------------------
    async def filings(self, window_id: int) -> dict[int, ProposalFiling]:
        rows = await self.db.fetch_all(
            "SELECT * FROM proposal_filings WHERE window_id = ?", (window_id,)
        )
        return {int(r["member_id"]): _filing(r) for r in rows}

    async def filing(self, window_id: int, member_id: int) -> ProposalFiling | None:
        row = await self.db.fetch_one(
            "SELECT * FROM proposal_filings WHERE window_id = ? AND member_id = ?",
            (window_id, member_id),
        )
        return _filing(row) if row else None

    @staticmethod
    async def set_filing(
        conn: aiosqlite.Connection, window_id: int, member_id: int, count: int,
        source: FilingSource, *, by: int | None, at: datetime,
    ) -> None:
        audited = source is not FilingSource.CHAT
        await conn.execute(
            "INSERT INTO proposal_filings(window_id, member_id, count, source, audited, "
            "updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(window_id, member_id) DO UPDATE SET count = excluded.count, "
            "source = excluded.source, audited = excluded.audited, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (window_id, member_id, count, source.value, int(audited), by, to_db_time(at)),
        )

    # -- members ---------------------------------------------------------------------------------
    async def filers(self) -> list[Member]:
        """Everyone who files proposals (members and leaders), by group and name."""
        rows = await self.db.fetch_all(
            "SELECT m.*, g.name AS group_name FROM members m "
            "LEFT JOIN activity_groups g ON g.id = m.group_id "
            f"WHERE m.role IN ({placeholders(len(FILERS))}) "
            "ORDER BY g.name IS NULL, g.name, m.name, m.id",
            [r.value for r in FILERS],
        )
        return [_member(r) for r in rows]

    async def not_filed(self, window_id: int) -> list[Member]:
        """Filers with no filing (or a count of 0) in the window, by group and name."""
        rows = await self.db.fetch_all(
            "SELECT m.*, g.name AS group_name FROM members m "
            "LEFT JOIN activity_groups g ON g.id = m.group_id "
            "LEFT JOIN proposal_filings f ON f.member_id = m.id AND f.window_id = ? "
            f"WHERE m.role IN ({placeholders(len(FILERS))}) AND COALESCE(f.count, 0) = 0 "
            "ORDER BY g.name IS NULL, g.name, m.name, m.id",
            [window_id, *(r.value for r in FILERS)],
        )
        return [_member(r) for r in rows]

    async def filed_ids(self, window_id: int, member_ids: Collection[int]) -> set[int]:
        """Of `member_ids`, those with a count above 0 in the window."""
        if not member_ids:
            return set()
        rows = await self.db.fetch_all(
            "SELECT member_id FROM proposal_filings WHERE window_id = ? AND count > 0 "
            f"AND member_id IN ({placeholders(len(member_ids))})",
            [window_id, *member_ids],
        )
        return {int(r["member_id"]) for r in rows}
