"""Reading public-opinion reports from rows: the select, the filters of a list, and the
conversion of rows into report models (attachments and co-authors read alongside)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import aiosqlite

from domain.models import (
    AttachmentKind,
    LeaderComment,
    Report,
    ReportAttachment,
    ReportCategory,
    ReportCoauthor,
    ReportMove,
    ReportStatus,
)
from storage.db import from_db_time, to_db_time
from storage.rows import fetch_rows, placeholders, required_time

# author_telegram_id and the co-authors' telegram_user_id say whom to tell of a change: none
# for a member who has left the roster (deactivated), whose reports stay on record.
REPORT_SELECT = """
SELECT r.*, m.name AS author_name,
       CASE WHEN m.deactivated_at IS NULL THEN m.telegram_user_id END AS author_telegram_id,
       m.group_id AS author_group_id, g.name AS author_group_name, m.sector AS author_sector
FROM reports r
JOIN members m ON m.id = r.author_member_id
LEFT JOIN activity_groups g ON g.id = m.group_id
"""

# How lists are sorted: oldest status change first (the review queue), last edited first
# (drafts), by first submission (the register), or last submitted first (search, own list).
ReportOrder = Literal["status_age", "recently_edited", "submitted", "recently_submitted"]
ORDER_BY: dict[str, str] = {
    "status_age": "r.status_at, r.id",
    "recently_edited": "r.updated_at DESC, r.id DESC",
    "submitted": "r.submitted_at, r.id",
    "recently_submitted": "r.submitted_at DESC, r.id DESC",
}

@dataclass(frozen=True)
class ReportQuery:
    """Which reports to list; every field left at None does not filter."""

    statuses: Sequence[ReportStatus] | None = None
    author_member_id: int | None = None
    # reports the member wrote or co-wrote
    involving_member_id: int | None = None
    author_name: str | None = None
    group_id: int | None = None
    category: ReportCategory | None = None
    # on the first submission time, [from, to)
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    # status unchanged since at least this moment
    status_before: datetime | None = None
    number: str | None = None
    order: ReportOrder = "status_age"
    limit: int | None = None
    offset: int = 0


def attachment(row: sqlite3.Row) -> ReportAttachment:
    return ReportAttachment(
        position=row["position"],
        kind=AttachmentKind(row["kind"]),
        file_id=row["file_id"],
        file_unique_id=row["file_unique_id"],
        file_name=row["file_name"],
        mime=row["mime"],
    )


def report(
    row: sqlite3.Row,
    attachments: Iterable[ReportAttachment],
    coauthors: Iterable[ReportCoauthor],
) -> Report:
    return Report(
        id=row["id"],
        author_member_id=row["author_member_id"],
        author_name=row["author_name"],
        author_telegram_id=row["author_telegram_id"],
        author_group_id=row["author_group_id"],
        author_group_name=row["author_group_name"],
        author_sector=row["author_sector"],
        number=row["number"],
        title=row["title"],
        category=ReportCategory(row["category"]) if row["category"] else None,
        body=row["body"],
        status=ReportStatus(row["status"]),
        level=row["level"],
        forwarded_to=row["forwarded_to"],
        created_at=required_time(row["created_at"]),
        updated_at=required_time(row["updated_at"]),
        submitted_at=from_db_time(row["submitted_at"]),
        status_at=required_time(row["status_at"]),
        version=row["version"],
        body_message_id=row["body_message_id"],
        attachments=tuple(attachments),
        coauthors=tuple(coauthors),
    )


def move(row: sqlite3.Row) -> ReportMove:
    return ReportMove(
        id=row["id"],
        report_id=row["report_id"],
        at=required_time(row["at"]),
        actor_tg_id=row["actor_tg_id"],
        actor_member_id=row["actor_member_id"],
        actor_name=row["actor_name"],
        from_status=ReportStatus(row["from_status"]),
        to_status=ReportStatus(row["to_status"]),
        note=row["note"],
        level=row["level"],
        forwarded_to=row["forwarded_to"],
        version=row["version"],
        undoes=row["undoes"],
    )


def comment(row: sqlite3.Row) -> LeaderComment:
    return LeaderComment(
        id=row["id"],
        report_id=row["report_id"],
        leader=row["leader"],
        text=row["text"],
        at=required_time(row["at"]),
        recorded_by_tg_id=row["recorded_by_tg_id"],
        recorded_by_member=row["recorded_by_member"],
    )


async def hydrate(conn: aiosqlite.Connection, rows: list[sqlite3.Row]) -> list[Report]:
    """Reports for `rows`, with their attachments and co-authors read in two queries."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    marks = placeholders(len(ids))
    attachments: dict[int, list[ReportAttachment]] = defaultdict(list)
    for row in await fetch_rows(
        conn,
        f"SELECT * FROM report_attachments WHERE report_id IN ({marks}) "
        "ORDER BY report_id, position",
        ids,
    ):
        attachments[row["report_id"]].append(attachment(row))
    coauthors: dict[int, list[ReportCoauthor]] = defaultdict(list)
    for row in await fetch_rows(
        conn,
        "SELECT c.report_id, c.member_id, m.name, "
        "CASE WHEN m.deactivated_at IS NULL THEN m.telegram_user_id END AS telegram_user_id "
        f"FROM report_coauthors c JOIN members m ON m.id = c.member_id "
        f"WHERE c.report_id IN ({marks}) ORDER BY c.report_id, m.name, m.id",
        ids,
    ):
        coauthors[row["report_id"]].append(
            ReportCoauthor(
                member_id=row["member_id"], name=row["name"],
                telegram_user_id=row["telegram_user_id"],
            )
        )
    return [report(row, attachments[row["id"]], coauthors[row["id"]]) for row in rows]


def where(query: ReportQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if query.statuses is not None:
        clauses.append(f"r.status IN ({placeholders(len(query.statuses))})")
        params.extend(str(status) for status in query.statuses)
    if query.author_member_id is not None:
        clauses.append("r.author_member_id = ?")
        params.append(query.author_member_id)
    if query.involving_member_id is not None:
        clauses.append(
            "(r.author_member_id = ? OR EXISTS (SELECT 1 FROM report_coauthors c "
            "WHERE c.report_id = r.id AND c.member_id = ?))"
        )
        params.extend([query.involving_member_id, query.involving_member_id])
    if query.number is not None:
        clauses.append("r.number = ?")
        params.append(query.number)
    if query.author_name:
        clauses.append("instr(m.name, ?) > 0")
        params.append(query.author_name)
    if query.group_id is not None:
        clauses.append("m.group_id = ?")
        params.append(query.group_id)
    if query.category is not None:
        clauses.append("r.category = ?")
        params.append(str(query.category))
    if query.submitted_from is not None:
        clauses.append("r.submitted_at >= ?")
        params.append(to_db_time(query.submitted_from))
    if query.submitted_to is not None:
        clauses.append("r.submitted_at < ?")
        params.append(to_db_time(query.submitted_to))
    if query.status_before is not None:
        clauses.append("r.status_at <= ?")
        params.append(to_db_time(query.status_before))
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params
