"""The part of AttendanceService that records attendance after an event's end (事后补记).

A leader (for their group's members) or staff marks a member present, late or on leave once
the event is over: a forgotten check-in, or the attendance of an event recorded for the record
(`events create --past`, then `events attendance`). Marks land where every reader looks
(check-ins and approved leave), so the sheets and the duty record count them; each is audited
(`attendance_mark_afterwards`) and shows as marked afterwards (a check-in made after the end,
leave first recorded after it: AttendanceRecord.marked_afterwards). Members themselves still
cannot check in after the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.attendance.base import AttendanceBase
from bot.attendance.outcomes import (
    AfterwardsMark,
    MarkBatch,
    MarkOutcome,
    MarkResult,
    MarkStatus,
)
from bot.attendance.permissions import require_groups
from bot.attendance.rules import attendance_status, judge_mark
from bot.core.auth import Action, Actor, NotAllowed, audited_as
from domain.models import (
    AttendanceStatus,
    CheckIn,
    CheckInMethod,
    LeaveRequest,
    LeaveStatus,
    Member,
)
from storage.attendance import AttendanceRepository
from storage.audit import record_audit

_STANDING = {
    MarkStatus.PRESENT: AttendanceStatus.PRESENT,
    MarkStatus.LATE: AttendanceStatus.LATE,
    MarkStatus.LEAVE: AttendanceStatus.LEAVE,
}


class MarksAfterwards(AttendanceBase):
    """Marks after the end: judged and written in one transaction, all of them or none."""

    async def mark_afterwards(
        self,
        actor: Actor | None,
        event_id: int,
        marks: Sequence[AfterwardsMark],
        *,
        source: str,
        dry_run: bool = False,
        at: datetime | None = None,
    ) -> MarkBatch:
        """Record `marks` for the ended event `event_id`; `source` says where they came from
        in the audit ("chat", or the file's name). When any is refused, or on a dry run,
        nothing is written; a mark the member's standing already has changes nothing.

        Leaders mark their own group's members, staff anyone (NotAllowed otherwise)."""
        if actor is not None and not actor.can(Action.MARK_PRESENT):
            raise NotAllowed  # before saying whether such a member exists
        members: dict[int, Member | None] = {}
        for mark in marks:
            if mark.member_id not in members:
                member = members[mark.member_id] = await self.members.by_id(mark.member_id)
                if member is not None:
                    require_groups(actor, Action.MARK_PRESENT, [member.group_id or 0])
        at = at or self.clock()
        marker = actor.member_id if actor else None
        async with self.db.transaction() as conn:
            event = (await AttendanceRepository.events_in(conn, [event_id])).get(event_id)
            expected = await AttendanceRepository.expected_ids_in(conn, event_id)
            stored = await AttendanceRepository.existing_checkins(conn, [event_id], members)
            checkins = {member_id: c for (_, member_id), c in stored.items()}
            asked = {member_id: await AttendanceRepository.leave_of(conn, event_id, member_id)
                     for member_id in members}
            leaves = dict(asked)  # as this batch leaves them, mark by mark
            results: list[MarkResult] = []
            for mark in marks:
                member = members[mark.member_id]
                checkin, leave = checkins.get(mark.member_id), leaves.get(mark.member_id)
                outcome = judge_mark(
                    mark.status, event, expected=member is not None and member.id in expected,
                    checkin=checkin, leave=leave, own=marker == mark.member_id, at=at,
                )
                standing = None
                if event is not None and outcome in (MarkOutcome.ALREADY,
                                                     MarkOutcome.CHECKED_IN):
                    standing = attendance_status(event, checkin, leave, at)
                elif outcome is MarkOutcome.MARKED:
                    standing = _STANDING[mark.status]
                    if mark.status is MarkStatus.LEAVE:
                        leaves[mark.member_id] = _approved(event_id, mark, marker, at)
                    else:
                        checkins[mark.member_id] = _checkin(event_id, mark, marker, at)
                results.append(MarkResult(mark, outcome, member, standing))
            written = not dry_run and not any(r.refused for r in results)
            if written:
                for result in results:
                    if result.outcome is MarkOutcome.MARKED:
                        await _write(conn, actor, event_id, result.mark,
                                     asked.get(result.mark.member_id), source=source, at=at)
        return MarkBatch(event, tuple(results), written)


def _checkin(event_id: int, mark: AfterwardsMark, marker: int | None, at: datetime) -> CheckIn:
    """The check-in a mark of present or late stores: by staff, made at `at`."""
    return CheckIn(event_id=event_id, member_id=mark.member_id, at=at,
                   method=CheckInMethod.STAFF, late=mark.status is MarkStatus.LATE,
                   marked_by=marker)


def _approved(event_id: int, mark: AfterwardsMark, marker: int | None, at: datetime
              ) -> LeaveRequest:
    """The approved leave a mark of leave amounts to (for the marks after it in a batch)."""
    return LeaveRequest(id=0, event_id=event_id, member_id=mark.member_id, reason=mark.reason,
                        status=LeaveStatus.APPROVED, decided_by=marker, decided_at=at,
                        created_at=at)


async def _write(
    conn: aiosqlite.Connection, actor: Actor | None, event_id: int, mark: AfterwardsMark,
    asked: LeaveRequest | None, *, source: str, at: datetime,
) -> None:
    """Store one mark and its audit row, inside the batch's transaction (`asked`: the leave
    request on record before the batch, if any)."""
    marker = actor.member_id if actor else None
    detail: dict[str, object] = {
        "member_id": mark.member_id, "status": mark.status.value, "source": source,
    }
    if mark.status is MarkStatus.LEAVE:
        if asked is not None and asked.status is LeaveStatus.PENDING:
            # asked for in time, decided late: approved as it stands
            await AttendanceRepository.decide_leave_request(
                conn, asked.id, LeaveStatus.APPROVED, marker, at
            )
            detail["request_id"] = asked.id
        else:
            detail["request_id"] = await AttendanceRepository.approve_leave_afterwards(
                conn, event_id, mark.member_id, mark.reason, marker, at
            )
        if mark.reason:
            detail["reason"] = mark.reason
    elif not await AttendanceRepository.insert_checkin_afterwards(
        conn, _checkin(event_id, mark, marker, at)
    ):
        raise RuntimeError("a check-in was stored meanwhile")  # cannot be: the lock is held
    await record_audit(
        conn, "attendance_mark_afterwards", **audited_as(actor), subject=f"event:{event_id}",
        detail=detail, at=at,
    )
