"""Reminders around each event: the evening before and an hour before (to members expected
who have no approved leave), "not checked in yet" after the start, and a leave request still
undecided the evening before (to whoever decides it). Editing an event moves them; cancelling
withdraws them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.attendance.leave import deciders_of
from bot.core.config import EventRemindersConfig
from bot.reminders.calendar import WorkCalendar
from bot.reminders.timing import QuietHours, ahead_of, parse_clock
from domain.models import Event, EventStatus, LeaveStatus
from domain.reminder_models import ReminderOccurrence
from storage.attendance import AttendanceRepository
from storage.db import Database
from storage.reminders import ReminderRepository

# How far ahead events are looked at (as far as schedules are planned).
_AHEAD = timedelta(days=8)


class EventReminder(StrEnum):
    EVENING = "evening"  # the evening before
    SOON = "soon"  # shortly before the start
    NOT_CHECKED_IN = "not_checked_in"  # after the start, to those with no check-in or leave
    LEAVE_UNDECIDED = "leave_undecided"  # the evening before, to whoever decides leave


def event_key(event_id: int, which: EventReminder) -> str:
    return f"event:{event_id}:{which.value}"


def which_of(occurrence: ReminderOccurrence) -> EventReminder:
    return EventReminder(occurrence.key.rsplit(":", 1)[1])


class EventReminderPlanner:
    """Keeps each event's occurrences in step with the event; reads attendance's tables."""

    def __init__(
        self, db: Database, zone: tzinfo, config: EventRemindersConfig, quiet: QuietHours
    ) -> None:
        self.db = db
        self.zone = zone
        self.config = config
        self.quiet = quiet
        self.attendance = AttendanceRepository(db)
        self.repo = ReminderRepository(db)

    def wanted(
        self, event: Event, calendar: WorkCalendar
    ) -> dict[EventReminder, datetime | None]:
        """When each reminder of `event` should go out (None: not at all)."""
        start = event.starts_at.astimezone(self.zone)
        evening = self._evening_before(start.date())
        ahead = ahead_of(start, evening, calendar, self.quiet)
        soon = None
        if self.config.hours_before > 0:
            soon = ahead_of(
                start, start - timedelta(hours=self.config.hours_before), calendar, self.quiet
            )
            if soon is not None and ahead is not None and soon <= ahead:
                soon = None  # the evening reminder is as close: one is enough
        after = None
        minutes = self.config.not_checked_in_after_minutes
        if minutes > 0 and event.type.value not in self.config.no_checkin_reminder_for:
            after = start + timedelta(minutes=minutes)
            if after >= event.ends_at or self.quiet.contains(after.timetz().replace(tzinfo=None)):
                after = None
        return {
            EventReminder.EVENING: ahead,
            EventReminder.SOON: soon,
            EventReminder.NOT_CHECKED_IN: after,
            EventReminder.LEAVE_UNDECIDED: ahead,
        }

    def _evening_before(self, day: date) -> datetime:
        clock: time = parse_clock(self.config.evening_at)
        return datetime.combine(day - timedelta(days=1), clock, tzinfo=self.zone)

    async def plan(self, now: datetime, calendar: WorkCalendar) -> int:
        """Write, move or withdraw each event's occurrences; returns how many are new."""
        pending = await self.repo.pending_keys("event:")
        ids = {o.event_id for o in pending.values() if o.event_id is not None}
        events = await self.attendance.events(
            starts_from=now - timedelta(days=1), starts_before=now + _AHEAD
        )
        known = {e.id for e in events}
        events += await self.attendance.events(ids=ids - known) if ids - known else []
        new = 0
        async with self.db.transaction() as conn:
            for event in events:
                times = self.wanted(event, calendar)
                for which, due in times.items():
                    key = event_key(event.id, which)
                    existing = pending.get(key)
                    if event.status is not EventStatus.SCHEDULED or due is None:
                        if existing is not None:  # only occurrences not yet started change
                            await ReminderRepository.withdraw(conn, [key])
                    elif existing is None:
                        if due >= now:  # an event created late gets no reminders of the past
                            new += await ReminderRepository.plan(
                                conn, key, f"event_{which.value}", due, now, event_id=event.id
                            )
                    else:
                        await ReminderRepository.move(conn, key, due)
        return new

    async def audience(self, occurrence: ReminderOccurrence) -> list[int]:
        """The members an event occurrence goes to, as of now."""
        assert occurrence.event_id is not None
        event = await self.attendance.event(occurrence.event_id)
        if event is None or event.status is not EventStatus.SCHEDULED:
            return []
        which = which_of(occurrence)
        leave = await self.attendance.leave_requests(event.id)
        members = await self.attendance.expected_members(event.id)
        if which is EventReminder.LEAVE_UNDECIDED:
            waiting = {m for m, r in leave.items() if r.status is LeaveStatus.PENDING}
            deciders: set[int] = set()
            for asker in (m for m in members if m.id in waiting):
                deciders |= {d.id for d in await deciders_of(self.attendance, asker)}
            return sorted(deciders)
        expected = [m.id for m in members]
        if which is EventReminder.NOT_CHECKED_IN:
            checked = await self.attendance.checkins(event.id)
            return [m for m in expected if m not in checked and m not in leave]
        excused = {m for m, r in leave.items() if r.status is LeaveStatus.APPROVED}
        return [m for m in expected if m not in excused]
