"""督导提醒, Telegram-free: the supervision periods (key "supervision:YYYY-Qn"), when each falls
due (the first working day of each configured month at [duty_record.supervision] at, in the
committee's zone, out of quiet hours), whether one is due now (up to catch_up_days late; never
one due before the duty record starts: the bot knows nothing of that time), and a run: who is
below the pro-rated minimums is computed once and written with the run in one transaction
before anything is sent; a restart resumes from what was written, never computing
again who is nudged. What each recipient is told is worked out here as data (the handlers
choose the words and send)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.duty_record.rules import Item
from bot.duty_record.service import DutyRecordService
from bot.reminders.calendar import WorkCalendar
from bot.reminders.service import Recipient, ReminderService
from bot.reminders.timing import delay_past_quiet, parse_clock
from domain.duty_models import DutyRun, Nudge, RunKind, Scope
from domain.models import Event, Member, Role
from domain.proposal_models import ProposalWindow, WindowStatus
from storage.attendance import AttendanceRepository
from storage.proposals import ProposalRepository

PREFIX = "supervision:"
# A member's nudge lists at most this many of their group's next events.
NEXT_EVENTS = 3


def period_key(day: date) -> str:
    """The period a run on `day` belongs to: "supervision:2026-Q4" for December 2026."""
    return f"{PREFIX}{day.year}-Q{(day.month - 1) // 3 + 1}"


def leader_key(key: str) -> str:
    """The delivery key of the leaders' lists of a run (a leader may be nudged too)."""
    return f"{key}:leader"


def staff_key(key: str) -> str:
    return f"{key}:staff"


@dataclass(frozen=True)
class Period:
    key: str
    day: date  # the due day: the minimums are pro-rated to its end
    due_at: datetime


@dataclass(frozen=True)
class MemberNudge:
    """A member to nudge: what is short and how to make it up."""

    member: Member
    language: str | None
    shortfall: dict[Item, int]
    events: list[Event]  # the next events of their group
    window: ProposalWindow | None  # a proposal window open now


@dataclass(frozen=True)
class LeaderList:
    leader: Member
    language: str | None
    group: str
    nudged: list[tuple[Member, dict[Item, int]]]  # by name


@dataclass(frozen=True)
class GroupSummary:
    group: str
    members: int  # on the roster now (staff excepted)
    behind: int  # nudged by the run
    short: dict[Item, int]  # item → how many members short of it, most first


@dataclass(frozen=True)
class SupervisionPlan:
    """Everything one run sends, from the nudges on record."""

    key: str
    day: date
    members: list[MemberNudge]
    not_reachable: list[Member]  # nudged but not bound (or left since): recorded, not sent
    leaders: list[LeaderList]
    staff: list[Recipient]
    summary: list[GroupSummary]


def shortfall_of(nudge: Nudge) -> dict[Item, int]:
    return {item: nudge.shortfall[item.value] for item in Item if item.value in nudge.shortfall}


class SupervisionService:
    def __init__(self, duty: DutyRecordService, reminders: ReminderService) -> None:
        self.duty = duty
        self.reminders = reminders
        self.config = duty.config.supervision
        self.zone = duty.zone
        self.at = parse_clock(self.config.at)
        self.attendance = AttendanceRepository(duty.db)
        self.proposals = ProposalRepository(duty.db)

    # -- when ----------------------------------------------------------------------------------

    def period(self, year: int, month: int, calendar: WorkCalendar) -> Period:
        """The run of `month`: its first working day at `at` (past quiet hours)."""
        day = calendar.next_working_day(date(year, month, 1))
        moment = delay_past_quiet(datetime.combine(day, self.at, tzinfo=self.zone),
                                  self.reminders.quiet)
        return Period(period_key(day), day, moment)

    async def due(self, now: datetime | None = None) -> Period | None:
        """The period due at `now` (due_at ≤ now ≤ due_at + catch_up_days) whose run is not
        done yet; None when there is none, in quiet hours, or when supervision is off. A check
        due before the record starts is none: a first start in its catch-up window (even the
        same day, after its time) judges nobody on months the bot never saw."""
        now = now or self.duty.clock()
        local = now.astimezone(self.zone)
        if not self.config.enabled or self.reminders.quiet.contains(local.time()):
            return None
        calendar = await self.reminders.calendar()
        late = timedelta(days=self.config.catch_up_days)
        starts = (await self.duty.record_start()).at
        due = [
            period for year in (local.year - 1, local.year) for month in self.config.months
            if (period := self.period(year, month, calendar)).due_at <= now
            <= period.due_at + late and (starts is None or period.due_at >= starts)
        ]
        if not due:
            return None
        period = max(due, key=lambda p: p.due_at)
        run = await self.duty.repo.run(period.key)
        return None if run is not None and run.done else period

    async def unfinished(self) -> list[DutyRun]:
        """Runs started and not finished (the bot stopped during them): to be resumed."""
        return await self.duty.repo.unfinished_runs(RunKind.SUPERVISION)

    # -- a run ---------------------------------------------------------------------------------

    async def begin(self, period: Period) -> list[Nudge]:
        """Start the period's run: the members below the minimums due by its day (from the
        record's start), written with the run in one transaction; a run started before keeps
        the nudges on record."""
        if await self.duty.repo.run(period.key) is None:
            records = await self.duty.records(period.day.year, Scope(active_only=True),
                                              on=period.day)
            nudges = [
                Nudge(run_key=period.key, member_id=r.counts.member_id,
                      group_id=r.counts.group_id,
                      shortfall={item.value: n for item, n in r.shortfall.items()})
                for r in records if r.behind
            ]
            await self.duty.repo.start_run(period.key, RunKind.SUPERVISION, period.due_at,
                                           self.duty.clock(), nudges)
        return await self.duty.repo.nudges(run_key=period.key)

    async def plan(self, run: DutyRun) -> SupervisionPlan:
        """Who gets what, from the nudges on record and the roster as it is now."""
        nudges = await self.duty.repo.nudges(run_key=run.key)
        roster = {m.id: m for m in await self.duty.members.list_members()}
        reachable = {
            m.id: (m, language) for m, language in await self.reminders.repo.reachable_members(
                member_ids=[n.member_id for n in nudges])
        }
        now = self.duty.clock()
        today = now.astimezone(self.zone).date()
        window = next((w for w in await self.proposals.windows(WindowStatus.OPEN)
                       if w.opens_on <= today <= w.deadline), None)
        upcoming: dict[int, list[Event]] = {}
        members: list[MemberNudge] = []
        not_reachable: list[Member] = []
        for nudge in nudges:
            found = reachable.get(nudge.member_id)
            if found is None:
                if nudge.member_id in roster:
                    not_reachable.append(roster[nudge.member_id])
                continue
            member, language = found
            group_id = member.group_id
            if group_id is not None and group_id not in upcoming:
                upcoming[group_id] = (await self.attendance.events(
                    group_ids=[group_id], starts_from=now, include_cancelled=False,
                ))[:NEXT_EVENTS]
            members.append(MemberNudge(
                member, language, shortfall_of(nudge),
                upcoming.get(group_id, []) if group_id is not None else [], window,
            ))
        groups = await self.duty.members.list_groups()
        by_group: dict[int, list[Nudge]] = {}
        for nudge in nudges:
            if nudge.group_id is not None:
                by_group.setdefault(nudge.group_id, []).append(nudge)

        def named(group_nudges: list[Nudge]) -> list[tuple[Member, dict[Item, int]]]:
            found = [(roster[n.member_id], shortfall_of(n)) for n in group_nudges
                     if n.member_id in roster]
            return sorted(found, key=lambda pair: (pair[0].name, pair[0].id))

        leaders = [
            LeaderList(leader, language, leader.group_name or "",
                       named(by_group.get(leader.group_id, [])))
            for leader, language in await self.reminders.repo.reachable_members(
                roles=[Role.LEADER])
            if leader.group_id is not None
        ]
        assessed = [m for m in roster.values()
                    if m.active and m.role not in (Role.STAFF, Role.ADMIN)]
        summary = []
        for group in groups:
            group_nudges = by_group.get(group.id, [])
            short = Counter(item for n in group_nudges for item in shortfall_of(n))
            summary.append(GroupSummary(
                group.name, sum(1 for m in assessed if m.group_id == group.id),
                len(group_nudges), dict(short.most_common()),
            ))
        return SupervisionPlan(run.key, run.due_at.astimezone(self.zone).date(), members,
                               not_reachable, leaders, await self.reminders.staff(), summary)

    async def finish(self, key: str) -> None:
        await self.duty.repo.finish_run(key, self.duty.clock())
