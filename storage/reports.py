"""Repository of public-opinion reports: drafts, versions, attachments, co-authors, moves."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import aiosqlite

from domain.models import (
    AttachmentKind,
    LeaderComment,
    Report,
    ReportAttachment,
    ReportCategory,
    ReportMove,
    ReportStatus,
    ReportVersion,
)
from storage import report_rows
from storage.db import Database, to_db_time
from storage.report_rows import ReportQuery
from storage.rows import fetch_rows, placeholders, required_time

# Columns of `reports` a draft edit may set.
_EDITABLE_COLUMNS = frozenset({"title", "category", "body", "body_message_id"})


class ReportRepository:
    """Typed reads of reports (reader connection) and writes inside a caller's transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads -------------------------------------------------------------------------------
    @staticmethod
    async def load(conn: aiosqlite.Connection, report_id: int) -> Report | None:
        """One report, read on `conn` (the writer inside a transaction, or the reader)."""
        rows = await fetch_rows(conn, report_rows.REPORT_SELECT + "WHERE r.id = ?", (report_id,))
        found = await report_rows.hydrate(conn, rows)
        return found[0] if found else None

    async def get(self, report_id: int) -> Report | None:
        return await self.load(self.db.reader, report_id)

    async def find(self, query: ReportQuery) -> list[Report]:
        where, params = report_rows.where(query)
        sql = f"{report_rows.REPORT_SELECT}{where} ORDER BY {report_rows.ORDER_BY[query.order]}"
        if query.limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([query.limit, query.offset])
        rows = await fetch_rows(self.db.reader, sql, params)
        return await report_rows.hydrate(self.db.reader, rows)

    async def count_by_status(self, query: ReportQuery | None = None) -> dict[ReportStatus, int]:
        where, params = report_rows.where(query or ReportQuery())
        rows = await self.db.fetch_all(
            "SELECT r.status, count(*) AS n FROM reports r "
            f"JOIN members m ON m.id = r.author_member_id {where} GROUP BY r.status",
            params,
        )
        return {ReportStatus(row["status"]): int(row["n"]) for row in rows}

    async def moves(self, report_ids: Sequence[int]) -> dict[int, list[ReportMove]]:
        """Every move of each report, oldest first."""
        found: dict[int, list[ReportMove]] = defaultdict(list)
        if not report_ids:
            return found
        rows = await self.db.fetch_all(
            "SELECT mv.*, m.name AS actor_name FROM report_moves mv "
            "LEFT JOIN members m ON m.id = mv.actor_member_id "
            f"WHERE mv.report_id IN ({placeholders(len(report_ids))}) "
            "ORDER BY mv.report_id, mv.id",
            report_ids,
        )
        for row in rows:
            found[row["report_id"]].append(report_rows.move(row))
        return found

    async def comments(self, report_ids: Sequence[int]) -> dict[int, list[LeaderComment]]:
        found: dict[int, list[LeaderComment]] = defaultdict(list)
        if not report_ids:
            return found
        rows = await self.db.fetch_all(
            "SELECT * FROM report_comments "
            f"WHERE report_id IN ({placeholders(len(report_ids))}) ORDER BY report_id, id",
            report_ids,
        )
        for row in rows:
            found[row["report_id"]].append(report_rows.comment(row))
        return found

    async def versions(self, report_id: int) -> list[ReportVersion]:
        rows = await self.db.fetch_all(
            "SELECT * FROM report_versions WHERE report_id = ? ORDER BY version", (report_id,)
        )
        return [
            ReportVersion(
                report_id=row["report_id"],
                version=row["version"],
                title=row["title"],
                category=ReportCategory(row["category"]),
                body=row["body"],
                attachments=tuple(
                    ReportAttachment.model_validate(item)
                    for item in json.loads(row["attachments"])
                ),
                submitted_at=required_time(row["submitted_at"]),
            )
            for row in rows
        ]

    # -- writes (each inside the caller's transaction) ---------------------------------------
    @staticmethod
    async def insert_draft(conn: aiosqlite.Connection, author_member_id: int, at: datetime) -> int:
        now = to_db_time(at)
        cursor = await conn.execute(
            "INSERT INTO reports(author_member_id, created_at, updated_at, status_at) "
            "VALUES (?, ?, ?, ?)",
            (author_member_id, now, now, now),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    async def update_fields(
        conn: aiosqlite.Connection, report_id: int, at: datetime, **values: object
    ) -> None:
        """Set editable columns of a report and its updated_at."""
        unknown = set(values) - _EDITABLE_COLUMNS
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in values)
        await conn.execute(
            f"UPDATE reports SET {assignments}, updated_at = ? WHERE id = ?",
            (*values.values(), to_db_time(at), report_id),
        )

    @staticmethod
    async def touch(conn: aiosqlite.Connection, report_id: int, at: datetime) -> None:
        await conn.execute(
            "UPDATE reports SET updated_at = ? WHERE id = ?", (to_db_time(at), report_id)
        )

    @staticmethod
    async def add_attachment(
        conn: aiosqlite.Connection,
        report_id: int,
        kind: AttachmentKind,
        file_id: str,
        file_unique_id: str,
        file_name: str | None,
        mime: str | None,
    ) -> bool:
        """Append an attachment at the next position; False when this file is already there."""
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO report_attachments"
            "(report_id, position, kind, file_id, file_unique_id, file_name, mime) "
            "VALUES (?, (SELECT coalesce(max(position), 0) + 1 FROM report_attachments "
            "WHERE report_id = ?), ?, ?, ?, ?, ?)",
            (report_id, report_id, str(kind), file_id, file_unique_id, file_name, mime),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def remove_attachment(
        conn: aiosqlite.Connection, report_id: int, position: int
    ) -> bool:
        """Remove one attachment and close the gap in the positions."""
        cursor = await conn.execute(
            "DELETE FROM report_attachments WHERE report_id = ? AND position = ?",
            (report_id, position),
        )
        if cursor.rowcount != 1:
            return False
        # two steps so the (report_id, position) key is never held twice during the update
        await conn.execute(
            "UPDATE report_attachments SET position = -(position - 1) "
            "WHERE report_id = ? AND position > ?",
            (report_id, position),
        )
        await conn.execute(
            "UPDATE report_attachments SET position = -position "
            "WHERE report_id = ? AND position < 0",
            (report_id,),
        )
        return True

    @staticmethod
    async def clear_attachments(conn: aiosqlite.Connection, report_id: int) -> int:
        cursor = await conn.execute(
            "DELETE FROM report_attachments WHERE report_id = ?", (report_id,)
        )
        return cursor.rowcount

    @staticmethod
    async def add_coauthor(conn: aiosqlite.Connection, report_id: int, member_id: int) -> bool:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO report_coauthors(report_id, member_id) VALUES (?, ?)",
            (report_id, member_id),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def remove_coauthor(
        conn: aiosqlite.Connection, report_id: int, member_id: int
    ) -> bool:
        cursor = await conn.execute(
            "DELETE FROM report_coauthors WHERE report_id = ? AND member_id = ?",
            (report_id, member_id),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def delete(conn: aiosqlite.Connection, report_id: int) -> None:
        """Delete a report with its attachments and co-authors (used for unsent drafts)."""
        await conn.execute("DELETE FROM reports WHERE id = ?", (report_id,))

    @staticmethod
    async def next_number(conn: aiosqlite.Connection, year: int) -> int:
        """The next sequence number of `year`, counted in the numbering table."""
        await conn.execute(
            "INSERT INTO report_numbers(year, last) VALUES (?, 1) "
            "ON CONFLICT(year) DO UPDATE SET last = last + 1",
            (year,),
        )
        rows = await fetch_rows(conn, "SELECT last FROM report_numbers WHERE year = ?", (year,))
        return int(rows[0]["last"])

    @staticmethod
    async def mark_submitted(
        conn: aiosqlite.Connection,
        report_id: int,
        *,
        expected: ReportStatus,
        number: str,
        at: datetime,
    ) -> bool:
        """draft/returned → submitted, one version more; False when the status had changed."""
        now = to_db_time(at)
        cursor = await conn.execute(
            "UPDATE reports SET status = 'submitted', number = coalesce(number, ?), "
            "submitted_at = coalesce(submitted_at, ?), status_at = ?, updated_at = ?, "
            "version = version + 1 WHERE id = ? AND status = ?",
            (number, now, now, now, report_id, str(expected)),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def insert_version(conn: aiosqlite.Connection, report: Report, at: datetime) -> None:
        """Keep what was submitted as version `report.version`."""
        assert report.category is not None
        await conn.execute(
            "INSERT INTO report_versions"
            "(report_id, version, title, category, body, attachments, submitted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                report.id,
                report.version,
                report.title,
                str(report.category),
                report.body,
                json.dumps(
                    [a.model_dump(mode="json") for a in report.attachments], ensure_ascii=False
                ),
                to_db_time(at),
            ),
        )

    @staticmethod
    async def change_status(
        conn: aiosqlite.Connection,
        report_id: int,
        *,
        expected: ReportStatus,
        to: ReportStatus,
        at: datetime,
        level: str | None = None,
        forwarded_to: str | None = None,
    ) -> bool:
        """Move the report if it is still in `expected`; False when someone moved it first."""
        now = to_db_time(at)
        cursor = await conn.execute(
            "UPDATE reports SET status = ?, status_at = ?, updated_at = ?, "
            "level = coalesce(?, level), forwarded_to = coalesce(?, forwarded_to) "
            "WHERE id = ? AND status = ?",
            (
                str(to), now, now,
                str(level) if level else None, forwarded_to,
                report_id, str(expected),
            ),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def restore_status(
        conn: aiosqlite.Connection,
        report_id: int,
        *,
        expected: ReportStatus,
        to: ReportStatus,
        status_at: datetime,
        at: datetime,
        level: str | None,
        forwarded_to: str | None,
    ) -> bool:
        """Put the report back as it was before a move (undo): status, its time, level and
        addressee exactly as given; False when it is no longer in `expected`."""
        cursor = await conn.execute(
            "UPDATE reports SET status = ?, status_at = ?, updated_at = ?, level = ?, "
            "forwarded_to = ? WHERE id = ? AND status = ?",
            (
                str(to), to_db_time(status_at), to_db_time(at),
                str(level) if level else None, forwarded_to, report_id, str(expected),
            ),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def moves_of(conn: aiosqlite.Connection, report_id: int) -> list[ReportMove]:
        """Every move of one report, oldest first (inside a transaction)."""
        rows = await fetch_rows(
            conn,
            "SELECT mv.*, m.name AS actor_name FROM report_moves mv "
            "LEFT JOIN members m ON m.id = mv.actor_member_id WHERE mv.report_id = ? "
            "ORDER BY mv.id",
            (report_id,),
        )
        return [report_rows.move(row) for row in rows]

    @staticmethod
    async def insert_move(
        conn: aiosqlite.Connection,
        report_id: int,
        *,
        at: datetime,
        actor_tg_id: int | None,
        actor_member_id: int | None,
        from_status: ReportStatus,
        to_status: ReportStatus,
        version: int,
        note: str | None = None,
        level: str | None = None,
        forwarded_to: str | None = None,
        undoes: int | None = None,
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO report_moves(report_id, at, actor_tg_id, actor_member_id, "
            "from_status, to_status, note, level, forwarded_to, version, undoes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report_id, to_db_time(at), actor_tg_id, actor_member_id,
                str(from_status), str(to_status), note,
                str(level) if level else None, forwarded_to, version, undoes,
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    async def load_move(conn: aiosqlite.Connection, move_id: int) -> ReportMove:
        rows = await fetch_rows(
            conn,
            "SELECT mv.*, m.name AS actor_name FROM report_moves mv "
            "LEFT JOIN members m ON m.id = mv.actor_member_id WHERE mv.id = ?",
            (move_id,),
        )
        return report_rows.move(rows[0])

    @staticmethod
    async def insert_comment(
        conn: aiosqlite.Connection,
        report_id: int,
        *,
        leader: str,
        text: str,
        at: datetime,
        recorded_by_tg_id: int | None,
        recorded_by_member: int | None,
    ) -> LeaderComment:
        cursor = await conn.execute(
            "INSERT INTO report_comments"
            "(report_id, leader, text, at, recorded_by_tg_id, recorded_by_member) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (report_id, leader, text, to_db_time(at), recorded_by_tg_id, recorded_by_member),
        )
        assert cursor.lastrowid is not None
        return LeaderComment(
            id=cursor.lastrowid, report_id=report_id, leader=leader, text=text,
            at=at.astimezone(UTC),
            recorded_by_tg_id=recorded_by_tg_id, recorded_by_member=recorded_by_member,
        )
