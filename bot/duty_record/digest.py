"""The weekly group digest, Telegram-free: once per ISO week (key "digest:YYYY-Www"), on
[duty_record.digest] weekday at `at` (out of quiet hours), each group chat bound to a group
whose digest staff have not switched off gets last week's events of its group with attendance
(checked in / expected), the reports of its members adopted last week and this week's events.
The handlers choose the words and send, one message per group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.auth import Action, Actor, NotAllowed, Refused, audited_as
from bot.duty_record.service import DutyProblem, DutyRecordService
from bot.reminders.service import ReminderService
from bot.reminders.timing import delay_past_quiet, parse_clock
from domain.duty_models import AdoptedReport, DigestSwitch, DutyRun, RunKind
from domain.models import Event
from storage.attendance import AttendanceRepository

PREFIX = "digest:"
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def week_key(day: date) -> str:
    """The ISO week of `day`: "digest:2026-W49"."""
    iso = day.isocalendar()
    return f"{PREFIX}{iso.year}-W{iso.week:02d}"


def monday_of(key: str) -> date:
    """The Monday of the week a key names."""
    year, week = key.removeprefix(PREFIX).split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


@dataclass(frozen=True)
class Week:
    key: str
    monday: date
    due_at: datetime


@dataclass(frozen=True)
class EventAttendance:
    event: Event
    checked_in: int  # of the group's expected members
    expected: int


@dataclass(frozen=True)
class GroupDigest:
    group: DigestSwitch
    monday: date  # of this week
    last_week: list[EventAttendance]
    adopted: list[AdoptedReport]
    this_week: list[Event]

    @property
    def empty(self) -> bool:
        return not (self.last_week or self.adopted or self.this_week)


class DigestService:
    def __init__(self, duty: DutyRecordService, reminders: ReminderService) -> None:
        self.duty = duty
        self.reminders = reminders
        self.config = duty.config.digest
        self.zone = duty.zone
        self.at = parse_clock(self.config.at)
        self.attendance = AttendanceRepository(duty.db)

    def _start(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone)

    def week(self, day: date) -> Week:
        """The week of `day` and when its digest goes out."""
        monday = day - timedelta(days=day.weekday())
        sending = monday + timedelta(days=_WEEKDAYS.index(self.config.weekday))
        moment = delay_past_quiet(datetime.combine(sending, self.at, tzinfo=self.zone),
                                  self.reminders.quiet)
        return Week(week_key(monday), monday, moment)

    async def due(self, now: datetime | None = None) -> Week | None:
        """This week's digest when its time has come and it is not done; None in quiet hours
        or when the digest is off (a week missed altogether is not sent later)."""
        now = now or self.duty.clock()
        local = now.astimezone(self.zone)
        if not self.config.enabled or self.reminders.quiet.contains(local.time()):
            return None
        week = self.week(local.date())
        if now < week.due_at:
            return None
        run = await self.duty.repo.run(week.key)
        return None if run is not None and run.done else week

    async def unfinished(self) -> list[DutyRun]:
        return await self.duty.repo.unfinished_runs(RunKind.DIGEST)

    async def begin(self, week: Week) -> None:
        """Record the week's run before anything is sent (a restart resumes it)."""
        await self.duty.repo.start_run(week.key, RunKind.DIGEST, week.due_at, self.duty.clock())

    async def digests(self, key: str) -> list[GroupDigest]:
        """One digest per group chat that has the digest on."""
        monday = monday_of(key)
        last_monday, next_monday = monday - timedelta(days=7), monday + timedelta(days=7)
        adopted = await self.duty.repo.adopted_between(self._start(last_monday),
                                                       self._start(monday))
        result = []
        for group in await self.duty.repo.digest_switches():
            if group.chat_id is None or group.digest_off:
                continue
            past = await self.attendance.events(
                group_ids=[group.group_id], starts_from=self._start(last_monday),
                starts_before=self._start(monday), include_cancelled=False,
            )
            attendance = []
            for event in past:
                checked_in, expected = await self.attendance.counts(event.id, group.group_id)
                attendance.append(EventAttendance(event, checked_in, expected))
            coming = await self.attendance.events(
                group_ids=[group.group_id], starts_from=self._start(monday),
                starts_before=self._start(next_monday), include_cancelled=False,
            )
            result.append(GroupDigest(
                group, monday, attendance,
                [r for r in adopted if r.group_id == group.group_id], coming,
            ))
        return result

    async def finish(self, key: str) -> None:
        await self.duty.repo.finish_run(key, self.duty.clock())

    async def switches(self, actor: Actor) -> list[DigestSwitch]:
        """Every group in roster order with its chat and its digest switch (staff)."""
        if not actor.can(Action.MANAGE_DUTY_RECORDS):
            raise Refused(DutyProblem.STAFF_ONLY)
        return await self.duty.repo.digest_switches()

    async def set(self, actor: Actor, group_id: int, on: bool) -> DigestSwitch:
        """Staff switch group `group_id`'s digest on or off in chat; Refused(STAFF_ONLY) for
        anyone else, Refused(NO_GROUP) when the group is gone. Audited; the group as it is
        now."""
        groups = await self.switches(actor)
        group = next((g for g in groups if g.group_id == group_id), None)
        if group is None:
            raise Refused(DutyProblem.NO_GROUP)
        return await self._switch(actor, group, on)

    async def set_digest(self, actor: Actor | None, group_name: str, on: bool) -> DigestSwitch:
        """Switch a group's digest on or off by its name (staff, or the command line `actor`
        None); the switch is audited. The group as it is now."""
        if actor is not None and not actor.can(Action.MANAGE_DUTY_RECORDS):
            raise NotAllowed()
        group = next((g for g in await self.duty.repo.digest_switches()
                      if g.name == group_name.strip()), None)
        if group is None:
            raise Refused(DutyProblem.NO_GROUP)
        return await self._switch(actor, group, on)

    async def _switch(self, actor: Actor | None, group: DigestSwitch,
                      on: bool) -> DigestSwitch:
        who = audited_as(actor)
        await self.duty.repo.set_digest(group.group_id, on, actor_tg_id=who["actor_tg_id"],
                                        actor_member_id=who["actor_member_id"])
        return group.model_copy(update={"digest_off": not on})
