"""The leave part of AttendanceService: asking for leave (请假) with a reason, and deciding it."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.attendance.base import AttendanceBase
from bot.attendance.outcomes import DecisionOutcome, LeaveDecision, LeaveOutcome, LeaveResult
from bot.attendance.permissions import may_decide_leave
from bot.attendance.rules import MAX_REASON
from bot.core.auth import Actor, NotAllowed, audited_as
from domain.models import EventStatus, LeaveStatus, Member
from storage.attendance import AttendanceRepository
from storage.audit import record_audit


async def deciders_of(repo: AttendanceRepository, member: Member) -> tuple[Member, ...]:
    """Who decides the member's leave: the group's leaders, else the staff (bound ones)."""
    leaders: list[Member] = []
    if member.group_id is not None:
        leaders = await repo.leaders_of(member.group_id)
    for people in (leaders, await repo.staff()):
        found = tuple(p for p in people if p.id != member.id and p.telegram_user_id is not None)
        if found:
            return found
    return ()


class LeaveRequests(AttendanceBase):
    """Leave requests: one per member and event at a time, decided by whoever leads them."""

    async def _deciders(self, member: Member) -> tuple[Member, ...]:
        return await deciders_of(self.repo, member)

    @staticmethod
    async def _leave_refusal(
        conn: aiosqlite.Connection, member: Member, event_id: int, at: datetime
    ) -> LeaveResult | None:
        """Why `member` cannot ask for leave from the event at `at`, whatever the reason; None
        when they can."""
        event = (await AttendanceRepository.events_in(conn, [event_id])).get(event_id)
        if event is None:
            return LeaveResult(LeaveOutcome.NO_SUCH_EVENT)
        if event.status is EventStatus.CANCELLED:
            return LeaveResult(LeaveOutcome.CANCELLED, event)
        if member.group_id not in event.group_ids:
            return LeaveResult(LeaveOutcome.NOT_EXPECTED, event)
        if at >= event.ends_at:
            return LeaveResult(LeaveOutcome.EVENT_OVER, event)
        if await AttendanceRepository.checkin_of(conn, event_id, member.id) is not None:
            return LeaveResult(LeaveOutcome.CHECKED_IN, event)
        existing = await AttendanceRepository.leave_of(conn, event_id, member.id)
        if existing is not None and existing.status is LeaveStatus.PENDING:
            return LeaveResult(LeaveOutcome.ALREADY_PENDING, event, existing)
        if existing is not None and existing.status is LeaveStatus.APPROVED:
            return LeaveResult(LeaveOutcome.ALREADY_APPROVED, event, existing)
        return None

    async def leave_refusal(
        self, member: Member, event_id: int, *, at: datetime | None = None
    ) -> LeaveResult | None:
        """Before the reason is asked for: why leave cannot be asked (checked in already, asked
        or approved already, over, cancelled, not their event, no such event), or None. Asking
        checks all this again."""
        return await self._leave_refusal(self.db.reader, member, event_id, at or self.clock())

    async def ask_leave(
        self, member: Member, event_id: int, reason: str, *, at: datetime | None = None
    ) -> LeaveResult:
        """Ask for leave before the event ends; asking again after a decline asks anew."""
        reason = reason.strip()
        if not reason:
            return LeaveResult(LeaveOutcome.NO_REASON)
        if len(reason) > MAX_REASON:
            return LeaveResult(LeaveOutcome.REASON_TOO_LONG)
        at = at or self.clock()
        async with self.db.transaction() as conn:
            refused = await self._leave_refusal(conn, member, event_id, at)
            if refused is not None:
                return refused
            event = (await AttendanceRepository.events_in(conn, [event_id]))[event_id]
            request_id = await AttendanceRepository.save_leave_request(
                conn, event_id, member.id, reason, at
            )
            await record_audit(
                conn, "leave_request", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=f"event:{event_id}",
                detail={"request_id": request_id, "reason": reason}, at=at,
            )
            request = await AttendanceRepository.leave_in(conn, request_id)
        return LeaveResult(LeaveOutcome.REQUESTED, event, request, await self._deciders(member))

    async def decide_leave(
        self, actor: Actor | None, request_id: int, approve: bool, *, at: datetime | None = None
    ) -> LeaveDecision:
        """Approve or decline a pending request (leaders: their group's members; nobody their
        own). Decisions stay possible after the event, so a late answer still counts."""
        request = await self.repo.leave_request(request_id)
        if request is None:
            return LeaveDecision(DecisionOutcome.NO_SUCH_REQUEST)
        member = await self.members.by_id(request.member_id)
        assert member is not None  # members are never deleted
        if not may_decide_leave(actor, member):
            raise NotAllowed
        at = at or self.clock()
        status = LeaveStatus.APPROVED if approve else LeaveStatus.DECLINED
        async with self.db.transaction() as conn:
            event = (await AttendanceRepository.events_in(conn, [request.event_id]))[
                request.event_id
            ]
            current = await AttendanceRepository.leave_in(conn, request_id)
            assert current is not None
            if event.status is EventStatus.CANCELLED:
                return LeaveDecision(DecisionOutcome.CANCELLED, current, event, member)
            if current.status is not LeaveStatus.PENDING:
                return LeaveDecision(DecisionOutcome.ALREADY_DECIDED, current, event, member)
            if await AttendanceRepository.checkin_of(conn, event.id, member.id) is not None:
                return LeaveDecision(DecisionOutcome.CHECKED_IN, current, event, member)
            await AttendanceRepository.decide_leave_request(
                conn, request_id, status, (actor.member_id if actor else None), at
            )
            await record_audit(
                conn, "leave_approve" if approve else "leave_decline",
                **audited_as(actor),
                subject=f"event:{event.id}",
                detail={"request_id": request_id, "member_id": member.id}, at=at,
            )
            decided = await AttendanceRepository.leave_in(conn, request_id)
        outcome = DecisionOutcome.APPROVED if approve else DecisionOutcome.DECLINED
        return LeaveDecision(outcome, decided, event, member)
