"""Members who leave the roster: deactivated, never deleted.

A deactivated member keeps every check-in, leave request and report on record, and appears in
every export of events that started before they left; they are not expected at later events,
are told nothing (no reminders, no notices, no leave requests to decide) and cannot act in the
bot. A roster import that names them again makes them active again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from domain.models import Member
from storage.audit import record_audit
from storage.db import Database
from storage.members import MemberRepository


async def deactivate_in(
    conn: aiosqlite.Connection, members: Sequence[Member], *, source: str, now: datetime,
    actor_tg_id: int | None = None,
) -> int:
    """Inside the caller's transaction: deactivate each member still active; how many were."""
    done = 0
    for member in members:
        if await MemberRepository.set_deactivated(conn, member.id, now, now=now):
            done += 1
            await record_audit(
                conn, "member_deactivate", actor_tg_id=actor_tg_id,
                subject=f"member:{member.id}", detail={"source": source}, at=now,
            )
    return done


async def deactivate_members(
    db: Database, members: Sequence[Member], *, source: str, actor_tg_id: int | None = None
) -> int:
    """Deactivate the members in one transaction; how many were active until now."""
    async with db.transaction() as conn:
        return await deactivate_in(
            conn, members, source=source, now=db.clock(), actor_tg_id=actor_tg_id
        )
