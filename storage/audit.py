"""Repository of the audit trail: who did what, when, to what."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from storage.db import to_db_time


async def record_audit(
    conn: aiosqlite.Connection,
    action: str,
    *,
    at: datetime,
    actor_tg_id: int | None,
    actor_member_id: int | None = None,
    subject: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Append one audit row inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO audit_log(at, actor_tg_id, actor_member_id, action, subject, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            to_db_time(at),
            actor_tg_id,
            actor_member_id,
            action,
            subject,
            json.dumps(detail or {}, ensure_ascii=False, default=str),
        ),
    )
