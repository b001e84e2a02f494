"""The duty record service, Telegram-free: one member's year (/me), a group's (/group), the
committee's (/stats), the grades staff enter, and the figures every export and reminder uses —
all from the repository's SQL aggregates."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from enum import StrEnum

from bot.core.auth import Action, Actor, NotAllowed, Refused, audited_as
from bot.core.config import DutyRecordConfig
from bot.duty_record.record_start import (
    RecordStart,
    StartSource,
    first_started_at,
)
from bot.duty_record.record_start import note_first_start as store_first_start
from bot.duty_record.rules import Item, PointItem, Target, points
from domain.clock import Now
from domain.duty_models import (
    Dimension,
    DutyCounts,
    EventLine,
    EventOutcome,
    Grade,
    NoteLine,
    Nudge,
    ProposalLine,
    ReportLine,
    Scope,
    YearEvent,
)
from domain.models import ActivityGroup, Member, Role
from storage.conversations import SettingsRepository
from storage.db import Database, to_db_time
from storage.duty_queries import Span
from storage.duty_record import DutyRepository, GradeWrite
from storage.members import MemberRepository

FIRST_YEAR = 2000
MAX_GRADE = 20  # "优秀", "95", "A"
MAX_REMARKS = 200
# Staff and admins are on the roster but are not 委员: they have no duty record.
_NOT_ASSESSED = (Role.STAFF, Role.ADMIN)


class DutyProblem(StrEnum):
    """Why a record cannot be shown or a grade cannot be recorded."""

    NOT_BOUND = "not_bound"  # the account is not on the roster
    OTHERS_RECORD = "others_record"  # a member asked for someone else's record
    OTHER_GROUP = "other_group"  # a leader asked for a member or group not theirs
    NO_GROUP = "no_group"  # a leader or deputy without a group, no such group, none named
    LEADERS_ONLY = "leaders_only"  # a member asked for a group's records
    STAFF_ONLY = "staff_only"  # the committee's figures, grades, exports
    BAD_YEAR = "bad_year"  # before FIRST_YEAR or after this year
    BEFORE_RECORD = "before_record"  # a year before the record's start: the bot kept none
    NO_SUCH_MEMBER = "no_such_member"
    BAD_GRADE = "bad_grade"  # not one of the grades of the config ([duty_record.grades])
    REMARKS_TOO_LONG = "remarks_too_long"


class BeforeRecord(Refused):
    """A member's record of a year before the record starts: there is none."""

    def __init__(self, year: int, starts: date) -> None:
        super().__init__(DutyProblem.BEFORE_RECORD, limit=year)
        self.year = year
        self.starts = starts


@dataclass(frozen=True)
class DutyRecord:
    """A member's year: the figures, their points, what is short of the minimums due by the
    day it was computed, the staff's grades and the last supervision nudge of the year."""

    year: int
    counts: DutyCounts
    points: dict[PointItem, float]
    target: Target
    grades: dict[Dimension, Grade] = field(default_factory=dict)
    nudge: Nudge | None = None

    @property
    def total(self) -> float:
        return sum(self.points.values())

    @property
    def shortfall(self) -> dict[Item, int]:
        return self.target.shortfall(self.counts)

    @property
    def behind(self) -> bool:
        return bool(self.shortfall)

    @property
    def attendance_rate(self) -> float | None:
        c = self.counts
        return c.attended_expected / c.expected if c.expected else None


@dataclass(frozen=True)
class DutyLists:
    """What lies behind each count of a member's year."""

    events: list[EventLine]
    reports: list[ReportLine]
    proposals: list[ProposalLine]
    notes: list[NoteLine]


@dataclass(frozen=True)
class MemberLines:
    """One member's lists as an export reads them, a batch of members at a time."""

    events: list[EventOutcome] = field(default_factory=list)
    reports: list[ReportLine] = field(default_factory=list)
    proposals: list[ProposalLine] = field(default_factory=list)
    notes: list[NoteLine] = field(default_factory=list)


@dataclass(frozen=True)
class GroupFigures:
    """A group's year summed over its members (those still on the roster)."""

    group: ActivityGroup | None  # None: members without a group
    members: int
    expected: int
    attended_expected: int
    submitted: int
    adopted: int
    proposals: int
    behind: int

    @property
    def attendance_rate(self) -> float | None:
        return self.attended_expected / self.expected if self.expected else None


@dataclass(frozen=True)
class CommitteeStats:
    year: int
    groups: list[GroupFigures]
    months: list[tuple[int, int, int]]  # (month, submitted, adopted) for the 12 months
    total: GroupFigures


def _sum_group(group: ActivityGroup | None, records: list[DutyRecord]) -> GroupFigures:
    return GroupFigures(
        group=group, members=len(records),
        expected=sum(r.counts.expected for r in records),
        attended_expected=sum(r.counts.attended_expected for r in records),
        submitted=sum(r.counts.submitted for r in records),
        adopted=sum(r.counts.adopted_total for r in records),
        proposals=sum(r.counts.proposals for r in records),
        behind=sum(1 for r in records if r.behind),
    )


class DutyRecordService:
    def __init__(
        self, db: Database, members: MemberRepository, zone: tzinfo,
        config: DutyRecordConfig | None = None, *, clock: Now | None = None,
    ) -> None:
        self.db = db
        self.members = members
        self.zone = zone
        self.config = config or DutyRecordConfig()
        self.clock = clock or db.clock
        self.repo = DutyRepository(db)
        self.settings = SettingsRepository(db)
        self._start: RecordStart | None = None  # once known, it does not change

    # -- time --------------------------------------------------------------------------------

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def span(self, year: int) -> Span:
        def start_of(y: int) -> str:
            return to_db_time(datetime(y, 1, 1, tzinfo=self.zone))

        return Span(year, start_of(year), start_of(year + 1), to_db_time(self.clock()))

    def check_year(self, year: int | None) -> int:
        """The year asked for, this year by default; refused before 2000 or in the future."""
        this_year = self.today().year
        if year is None:
            return this_year
        if not FIRST_YEAR <= year <= this_year:
            raise Refused(DutyProblem.BAD_YEAR, limit=this_year)
        return year

    # -- where the record starts --------------------------------------------------------------

    async def record_start(self) -> RecordStart:
        """[duty_record] record_starts, else the day the bot first started (stored then), else
        not started yet: then nothing is known before and years count whole."""
        if self._start is None:
            configured = self.config.record_starts
            started = None if configured is not None else await first_started_at(self.settings)
            start = RecordStart.of(configured, started, self.zone)
            if start.source is StartSource.NOT_STARTED:
                return start  # the bot may start meanwhile: read again next time
            self._start = start
        return self._start

    async def note_first_start(self) -> RecordStart:
        """At the bot's start: now is the first start unless one is stored (kept even when the
        config names the start, which wins); where the record starts."""
        await store_first_start(self.settings, self.clock())
        self._start = None
        return await self.record_start()

    async def _kept(self, year: int) -> None:
        """A member's record of `year` is refused when the record starts after that year."""
        starts = (await self.record_start()).day
        if starts is not None and year < starts.year:
            raise BeforeRecord(year, starts)

    # -- the figures -------------------------------------------------------------------------

    async def target(self, year: int, on: date | None = None) -> Target:
        """The minimums of `year` due by `on` (default today), from the record's start."""
        return Target.on(self.config, year, on or self.today(),
                         (await self.record_start()).day)

    async def records(
        self, year: int, scope: Scope, *, on: date | None = None
    ) -> list[DutyRecord]:
        """The records of everyone in `scope`, in roster order; the minimums due by `on`
        (default today), from the record's start (a year before it: nothing is due), or from
        the day a member joined, if later. No rights are checked: the callers below check
        them."""
        counts = await self.repo.counts(self.span(year), scope)
        day, starts = on or self.today(), (await self.record_start()).day
        targets: dict[date | None, Target] = {}

        def target_of(c: DutyCounts) -> Target:
            """From the record's start, or from the day the member joined if later."""
            joined = c.joined_at.astimezone(self.zone).date() if c.joined_at else None
            since = starts if joined is None or (starts and joined <= starts) else joined
            if since not in targets:
                targets[since] = Target.on(self.config, year, day, since)
            return targets[since]

        ids = [c.member_id for c in counts]
        grades: dict[int, dict[Dimension, Grade]] = {}
        for grade in await self.repo.grades(year, ids if scope.member_id is not None else None):
            grades.setdefault(grade.member_id, {})[grade.dimension] = grade
        return [
            DutyRecord(year, c, points(c, self.config), target_of(c),
                       grades.get(c.member_id, {}))
            for c in counts
        ]

    async def lists(self, year: int, scope: Scope) -> DutyLists:
        """The lines behind the counts of everyone in `scope`, by member then time (what
        `lines_of` reads, as models)."""
        ids = await self.repo.member_ids(self.span(year), scope)
        found = await self.lines_of(year, ids, await self.year_events(year))
        mine = [(member_id, lines) for member_id, lines in found.items()]
        return DutyLists(
            events=[
                EventLine(member_id=member_id, event_id=line.event.event_id,
                          title=line.event.title, type=line.event.type,
                          starts_at=line.event.starts_at, outcome=line.outcome,
                          expected=line.expected)
                for member_id, lines in mine for line in lines.events
            ],
            reports=[r for _, lines in mine for r in lines.reports],
            proposals=[p for _, lines in mine for p in lines.proposals],
            notes=[n for _, lines in mine for n in lines.notes],
        )

    async def year_events(self, year: int) -> dict[int, YearEvent]:
        """The year's scheduled events, read once for every batch of `lines_of`."""
        return await self.repo.year_events(self.span(year))

    async def lines_of(self, year: int, member_ids: Sequence[int],
                       events: dict[int, YearEvent]) -> dict[int, MemberLines]:
        """What `lists` gives, for these members, by member: the event lines as light
        EventOutcome sharing `events` (the year's), for an export of thousands of members."""
        span = self.span(year)
        scope = Scope(member_ids=tuple(member_ids))
        found = {member_id: MemberLines() for member_id in member_ids}
        for member_id, outcomes in (await self.repo.event_outcomes(events, member_ids)).items():
            found[member_id].events.extend(outcomes)
        for report in await self.repo.reports(span, scope):
            found[report.member_id].reports.append(report)
        for proposal in await self.repo.proposals(span, scope):
            found[proposal.member_id].proposals.append(proposal)
        for note in await self.repo.notes(span, scope):
            found[note.member_id].notes.append(note)
        return found

    # -- what people may see -----------------------------------------------------------------

    async def _member_for(self, actor: Actor, member_id: int | None) -> Member:
        """The member whose record `actor` asks for, or the refusal."""
        if actor.member is None:
            raise Refused(DutyProblem.NOT_BOUND)
        if member_id is None or member_id == actor.member.id:
            return actor.member
        member = await self.members.by_id(member_id)
        if member is None or member.role in _NOT_ASSESSED:
            raise Refused(DutyProblem.NO_SUCH_MEMBER)
        if actor.can(Action.VIEW_DUTY_RECORDS, member.group_id):
            return member
        if actor.groups_for(Action.VIEW_DUTY_RECORDS):
            raise Refused(DutyProblem.OTHER_GROUP)
        raise Refused(DutyProblem.OTHERS_RECORD)

    async def record(self, actor: Actor, member_id: int | None = None,
                     year: int | None = None) -> tuple[Member, DutyRecord]:
        """A member's record: their own, or one of their group for a leader, any for staff;
        none for a year before the record starts."""
        member = await self._member_for(actor, member_id)
        year = self.check_year(year)
        await self._kept(year)
        found = await self.records(year, Scope(member_id=member.id))
        if not found:  # staff or a member who left before the year: nothing to count
            raise Refused(DutyProblem.NO_SUCH_MEMBER)
        nudges = [n for n in await self.repo.nudges(member_id=member.id)
                  if n.run_key.startswith(f"supervision:{year}-")]
        return member, replace(found[0], nudge=nudges[0]) if nudges else found[0]

    async def member_lists(self, actor: Actor, member_id: int | None,
                           year: int | None) -> tuple[Member, DutyLists]:
        member = await self._member_for(actor, member_id)
        year = self.check_year(year)
        await self._kept(year)
        return member, await self.lists(year, Scope(member_id=member.id))

    async def group_records(self, actor: Actor, group_id: int | None = None,
                            year: int | None = None) -> tuple[ActivityGroup, list[DutyRecord]]:
        """A group's members on the roster with their records: a leader's own group (staff:
        any group, which they must name)."""
        allowed = actor.groups_for(Action.VIEW_DUTY_RECORDS)
        if allowed is not None and not allowed:  # neither a leader with a group nor staff
            leads = actor.is_leader or actor.is_deputy
            raise Refused(DutyProblem.NO_GROUP if leads else DutyProblem.LEADERS_ONLY)
        if group_id is None:
            if allowed is None:  # staff name the group
                raise Refused(DutyProblem.NO_GROUP)
            group_id = min(allowed)
        elif allowed is not None and group_id not in allowed:
            raise Refused(DutyProblem.OTHER_GROUP)
        group = await self.members.group_by_id(group_id)
        if group is None:
            raise Refused(DutyProblem.NO_GROUP)
        year = self.check_year(year)
        return group, await self.records(year, Scope(group_id=group_id, active_only=True))

    async def committee(self, actor: Actor | None, year: int | None = None) -> CommitteeStats:
        """Every group's figures and the reports per month (staff, or the command line)."""
        if actor is not None and not actor.can(Action.MANAGE_DUTY_RECORDS):
            raise Refused(DutyProblem.STAFF_ONLY)
        year = self.check_year(year)
        records = await self.records(year, Scope(active_only=True))
        groups = {g.id: g for g in await self.members.list_groups()}
        by_group: dict[int | None, list[DutyRecord]] = {gid: [] for gid in groups}
        for record in records:
            by_group.setdefault(record.counts.group_id, []).append(record)
        figures = [
            _sum_group(groups.get(gid) if gid is not None else None, rows)
            for gid, rows in by_group.items() if gid is not None or rows
        ]
        bounds = [to_db_time(datetime(year + (m > 12), (m - 1) % 12 + 1, 1, tzinfo=self.zone))
                  for m in range(1, 14)]
        months = await self.repo.reports_per_month(bounds)
        return CommitteeStats(year, figures, months, _sum_group(None, records))

    # -- grades staff enter ------------------------------------------------------------------

    def grade_choices(self, dimension: Dimension) -> list[str]:
        """The grades staff may give for `dimension`, best first ([duty_record.grades])."""
        return list(getattr(self.config.grades, dimension.value))

    def allowed_grade(self, dimension: Dimension, typed: str) -> str | None:
        """`typed` as the grade of the config it names (width, case and spaces aside); None
        when it names none."""
        wanted = "".join(unicodedata.normalize("NFKC", typed).split()).casefold()
        return next((grade for grade in self.grade_choices(dimension)
                     if "".join(grade.split()).casefold() == wanted), None)

    async def set_grade(
        self, actor: Actor | None, member_id: int, year: int, dimension: Dimension,
        grade: str, remarks: str | None = None,
    ) -> Grade | None:
        """Record 作风表现 or 群众满意度 of a member for a year (audited): one of the grades of
        the config; remarks None keeps the ones on record. The grade replaced."""
        done = await self.set_grades(actor, year, [GradeWrite(member_id, dimension, grade,
                                                              remarks)])
        return done[0][0]

    async def set_grades(
        self, actor: Actor | None, year: int, writes: Sequence[GradeWrite], *,
        source: str | None = None,
    ) -> list[tuple[Grade | None, Grade]]:
        """Record grades of members for a year in one transaction, each audited (`source`: the
        file they came from), or none when one is refused; each as (the grade it replaced,
        the grade now on record)."""
        if actor is not None and not actor.can(Action.MANAGE_DUTY_RECORDS):
            raise NotAllowed()
        year = self.check_year(year)
        checked = []
        for write in writes:
            grade = self.allowed_grade(write.dimension, write.grade)
            if grade is None:
                raise Refused(DutyProblem.BAD_GRADE, length=len(write.grade.strip()),
                              limit=MAX_GRADE)
            remarks = None if write.remarks is None else " ".join(write.remarks.split())
            if remarks is not None and len(remarks) > MAX_REMARKS:
                raise Refused(DutyProblem.REMARKS_TOO_LONG, length=len(remarks),
                              limit=MAX_REMARKS)
            member = await self.members.by_id(write.member_id)
            if member is None or member.role in _NOT_ASSESSED:
                raise Refused(DutyProblem.NO_SUCH_MEMBER)
            checked.append(replace(write, grade=grade, remarks=remarks))
        who = audited_as(actor)
        return await self.repo.set_grades(
            year, checked, actor_tg_id=who["actor_tg_id"],
            actor_member_id=who["actor_member_id"], at=self.clock(), source=source,
        )
