"""AttendanceService: events, check-in, leave and who is present or missing, in one service.

The service knows nothing of Telegram. Handlers pass the member (or the acting person), call one
method, and choose the text from the returned outcome (bot.attendance.outcomes). It is made of
parts: check-ins (checkins.py, written by the batched writer in writer.py), leave (leave.py),
marks after the end (afterwards.py), and here events and the views; the rules they apply are
in rules.py and permissions.py.

Absence is never stored: an expected member with neither a check-in nor approved leave is
"not yet" until the event ends and "absent" afterwards.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from datetime import time as time_of_day

from bot.attendance.afterwards import MarksAfterwards
from bot.attendance.checkins import CheckIns
from bot.attendance.leave import LeaveRequests
from bot.attendance.outcomes import (
    AttendanceView,
    EventChange,
    EventChangeOutcome,
    MemberEvent,
)
from bot.attendance.permissions import require_groups, require_reach
from bot.attendance.rules import (
    DRAFT_FIELDS,
    InvalidEvent,
    attendance_status,
    check_draft,
    check_timing,
    draft_of,
    normalised,
    rules_from_config,
)
from bot.core.auth import Action, Actor, audited_as
from domain.models import (
    ActivityGroup,
    AttendanceRecord,
    Event,
    EventAnnouncement,
    EventDraft,
    EventStatus,
    Member,
)
from storage.attendance import AttendanceRepository
from storage.audit import record_audit

# Kept importable from here for the CLI and the wiring.
__all__ = ["AttendanceService", "InvalidEvent", "rules_from_config"]


class AttendanceService(CheckIns, LeaveRequests, MarksAfterwards):
    """Events, check-ins, leave and attendance views; `actor=None` means the operator's CLI."""

    # -- events ---------------------------------------------------------------------------------
    async def _check_draft(self, draft: EventDraft) -> None:
        check_draft(draft, [group.id for group in await self.members.list_groups()])

    async def _groups(self, group_ids: Collection[int]) -> tuple[ActivityGroup, ...]:
        return tuple(g for g in await self.members.list_groups() if g.id in set(group_ids))

    async def _bound_members_of(self, event_ids: Collection[int]) -> tuple[Member, ...]:
        found: dict[int, Member] = {}
        for event_id in event_ids:
            for member in await self.repo.expected_members(event_id):
                if member.telegram_user_id is not None and member.active:
                    found[member.id] = member
        return tuple(found.values())

    async def members_told(self, event_id: int) -> tuple[Member, ...]:
        """The expected members, with a Telegram account, who were told of the event (its
        announcement in their group's chat, a reminder or notice of it, their own check-in or
        leave request): the ones its cancellation is told to."""
        return tuple(m for m in await self.repo.told_members(event_id)
                     if m.telegram_user_id is not None and m.active)

    async def create_event(
        self, actor: Actor | None, draft: EventDraft, *, for_the_record: bool = False
    ) -> EventChange:
        """Save a new event (leaders: their own group only) and say where to announce it.

        A start in the past is refused, unless the event is recorded `for_the_record`: then it
        must be over, and it is never announced."""
        draft = normalised(draft)
        await self._check_draft(draft)
        require_groups(actor, Action.MANAGE_EVENTS, draft.group_ids)
        now = self.clock()
        check_timing(draft, now, for_the_record=for_the_record)
        async with self.db.transaction() as conn:
            event_id = await AttendanceRepository.insert_event(
                conn, draft, (actor.member_id if actor else None), now
            )
            await record_audit(
                conn, "event_create", **audited_as(actor), subject=f"event:{event_id}",
                detail={**draft.model_dump(mode="json"),
                        **({"for_the_record": True} if for_the_record else {})}, at=now,
            )
        event = await self.repo.event(event_id)
        assert event is not None
        return EventChange(
            EventChangeOutcome.CREATED, event, groups=await self._groups(event.group_ids)
        )

    async def edit_event(
        self, actor: Actor | None, event_id: int, draft: EventDraft
    ) -> EventChange:
        """Replace an event's details (see `draft_of`); everyone concerned is to be told."""
        previous = await self.repo.event(event_id)
        if previous is None:
            return EventChange(EventChangeOutcome.NO_SUCH_EVENT)
        draft = normalised(draft)
        require_groups(actor, Action.MANAGE_EVENTS, set(previous.group_ids) | set(draft.group_ids))
        if previous.status is EventStatus.CANCELLED:
            return EventChange(EventChangeOutcome.ALREADY_CANCELLED, previous)
        now = self.clock()
        if previous.ends_at <= now:
            return EventChange(EventChangeOutcome.ENDED, previous)
        await self._check_draft(draft)
        before = draft_of(previous)
        changed = frozenset(
            name for name in DRAFT_FIELDS if getattr(before, name) != getattr(draft, name)
        )
        if not changed:
            return EventChange(EventChangeOutcome.UNCHANGED, previous, previous)
        if "starts_at" in changed:
            check_timing(draft, now)
        notify_before = await self._bound_members_of([event_id])
        async with self.db.transaction() as conn:
            await AttendanceRepository.update_event(conn, event_id, draft, now)
            await record_audit(
                conn, "event_edit", **audited_as(actor), subject=f"event:{event_id}",
                detail={
                    name: [
                        before.model_dump(mode="json")[name],
                        draft.model_dump(mode="json")[name],
                    ]
                    for name in sorted(changed)
                }, at=now,
            )
        event = await self.repo.event(event_id)
        assert event is not None
        notify = {m.id: m for m in notify_before}
        notify.update({m.id: m for m in await self._bound_members_of([event_id])})
        return EventChange(
            EventChangeOutcome.EDITED,
            event,
            previous,
            changed,
            groups=await self._groups(event.group_ids),
            announcements=tuple(await self.repo.announcements(event_id)),
            notify=tuple(notify.values()),
        )

    async def cancel_event(
        self, actor: Actor | None, event_id: int, reason: str = ""
    ) -> EventChange:
        """Cancel an event that has not ended; the members who were told of it are to be told
        (nobody, for one cancelled before anyone was told: see `members_told`)."""
        event = await self.repo.event(event_id)
        if event is None:
            return EventChange(EventChangeOutcome.NO_SUCH_EVENT)
        require_groups(actor, Action.MANAGE_EVENTS, event.group_ids)
        now = self.clock()
        if event.ends_at <= now and event.status is EventStatus.SCHEDULED:
            return EventChange(EventChangeOutcome.ENDED, event)
        async with self.db.transaction() as conn:
            changed = await AttendanceRepository.set_event_status(
                conn, event_id, EventStatus.CANCELLED, now
            )
            if changed:
                await record_audit(
                    conn, "event_cancel", **audited_as(actor), subject=f"event:{event_id}",
                    detail={"reason": reason}, at=now,
                )
        if not changed:
            return EventChange(EventChangeOutcome.ALREADY_CANCELLED, event)
        cancelled = await self.repo.event(event_id)
        assert cancelled is not None
        return EventChange(
            EventChangeOutcome.CANCELLED,
            cancelled,
            event,
            frozenset({"status"}),
            groups=await self._groups(cancelled.group_ids),
            announcements=tuple(await self.repo.announcements(event_id)),
            notify=await self.members_told(event_id),
        )

    async def event(self, event_id: int) -> Event | None:
        return await self.repo.event(event_id)

    async def list_events(
        self,
        *,
        group_ids: Collection[int] | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        include_cancelled: bool = True,
    ) -> list[Event]:
        return await self.repo.events(
            group_ids=group_ids,
            starts_from=starts_from,
            starts_before=starts_before,
            include_cancelled=include_cancelled,
        )

    async def upcoming_events(
        self, *, at: datetime | None = None, include_cancelled: bool = False
    ) -> list[Event]:
        """Scheduled events that have not ended (the ones to announce), by start; with
        `include_cancelled`, the cancelled ones that had not ended either."""
        return await self.repo.events(
            ends_after=at or self.clock(), include_cancelled=include_cancelled
        )

    async def events_run_by(
        self,
        actor: Actor,
        action: Action = Action.SHOW_CHECKIN_CODE,
        *,
        at: datetime | None = None,
    ) -> list[Event]:
        """Scheduled events not yet over that `actor` may do `action` for (pickers of /qr …)."""
        allowed = actor.groups_for(action)
        if allowed is not None and not allowed:
            return []
        return await self.repo.events(
            group_ids=allowed, ends_after=at or self.clock(), include_cancelled=False
        )

    async def save_announcement(self, event_id: int, chat_id: int, message_id: int) -> None:
        """Remember the group message announcing the event (no audit: not a state change of
        anyone's; it only lets the live count be edited later)."""
        async with self.db.transaction() as conn:
            await AttendanceRepository.save_announcement(
                conn, event_id, chat_id, message_id, self.clock()
            )

    async def announcements(self, event_id: int) -> list[EventAnnouncement]:
        return await self.repo.announcements(event_id)

    async def announcement_in_group(
        self, event_id: int, group_id: int
    ) -> EventAnnouncement | None:
        return await self.repo.announcement_in_group(event_id, group_id)

    async def events_for_member(
        self, member: Member, *, at: datetime | None = None
    ) -> list[MemberEvent]:
        """The member's scheduled events that have not ended, with the member's own standing."""
        if member.group_id is None:
            return []
        at = at or self.clock()
        events = await self.repo.events(
            group_ids=[member.group_id], ends_after=at, include_cancelled=False
        )
        ids = [event.id for event in events]
        checkins = await self.repo.checkins_of_member(member.id, ids)
        leaves = await self.repo.leave_requests_of_member(member.id, ids)
        return [
            MemberEvent(
                event,
                attendance_status(event, checkins.get(event.id), leaves.get(event.id), at),
                checkins.get(event.id),
                leaves.get(event.id),
            )
            for event in events
        ]

    async def open_for_check_in(
        self, member: Member, *, at: datetime | None = None
    ) -> list[Event]:
        """The member's events whose check-in is open now and who has not checked in yet."""
        at = at or self.clock()
        return [
            mine.event for mine in await self.events_for_member(member, at=at)
            if mine.checkin is None and self.rules.opens_at(mine.event) <= at
        ]

    # -- views ----------------------------------------------------------------------------------
    async def records(
        self,
        event: Event,
        *,
        group_ids: Collection[int] | None = None,
        at: datetime | None = None,
    ) -> list[AttendanceRecord]:
        """Every expected member of the event (optionally of some groups) with their status."""
        at = at or self.clock()
        members = await self.repo.expected_members(event.id, group_ids)
        checkins = await self.repo.checkins(event.id)
        leaves = await self.repo.leave_requests(event.id)
        records = []
        for member in members:
            checkin, leave = checkins.get(member.id), leaves.get(member.id)
            records.append(
                AttendanceRecord(
                    event=event,
                    member=member,
                    status=attendance_status(event, checkin, leave, at),
                    checkin=checkin,
                    leave=leave,
                )
            )
        return records

    async def attendance_view(
        self, actor: Actor | None, event_id: int, *, at: datetime | None = None
    ) -> AttendanceView | None:
        """Present, late, on leave, pending, missing (leaders see their own group's members)."""
        event = await self.repo.event(event_id)
        if event is None:
            return None
        groups = require_reach(actor, Action.VIEW_ATTENDANCE, event)
        at = at or self.clock()
        records = await self.records(event, group_ids=groups, at=at)
        return AttendanceView(event=event, at=at, records=tuple(records))

    # -- dates in the committee's zone ----------------------------------------------------------
    def day_range(self, first: date, last: date) -> tuple[datetime, datetime]:
        """UTC bounds [start of `first`, start of the day after `last`) in the committee zone."""
        start = datetime.combine(first, time_of_day(0), self.zone)
        end = datetime.combine(last + timedelta(days=1), time_of_day(0), self.zone)
        return start, end
