"""The 履职登记表: a year's duty records as one .xlsx workbook, for staff.

Sheet 1 (汇总) has a row per member: the year's counts, adoptions per configured level, points,
how far each minimum is short (the yearly ones for a past year, those due by today for this
year) and the two grades staff enter, with their remarks. Sheet 2 (年度排名) ranks the members
on the roster by reports adopted, then points, and the groups by the same sums — members of
equal figures share a rank (1, 2, 2, 4), as the plenary's 表彰 lists them. Then one sheet per
member, named after them, laid out to print on A4 (portrait, fit to the page's width, the
member's line on top of every page): who they are, the events of the year with the outcome,
their reports (each leader's instruction as the 社情民意登记表 shows it), proposals, reading
notes and the points of each item. The figures are read for everyone at once
(DutyRecordService.records); the lines behind them BATCH members at a time
(DutyRecordService.lines_of), each batch's sheets written into the workbook before the next
is read, so the memory an export takes is bounded by one batch, not the committee. Only .xlsx:
a sheet per member has no .csv form. Every export is audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, TextIO, TypeVar

from bot.core.auth import Action, Actor
from bot.core.cli import UsageError, groups_named, say
from bot.core.config import Config, DutyRecordConfig, level_name
from bot.core.phones import normalize_phone
from bot.core.texts import plain
from bot.duty_record.rules import Item, PointItem
from bot.duty_record.service import FIRST_YEAR, DutyRecord, DutyRecordService, MemberLines
from bot.exports.exporter import Exporter, export_from_cli
from bot.exports.spreadsheet import (
    BadFileName,
    ExportedFile,
    ExportFormat,
    PageLayout,
    Sheet,
    Table,
)
from bot.reports.export import leader_comments
from bot.reports.wording import office_status
from domain.duty_models import Dimension, EventOutcome, Outcome, Scope, YearEvent
from domain.models import ReportStatus, Role
from storage.db import Database
from storage.members import MemberRepository

_SUMMARY_HEAD = ("name", "group", "sector", "on_roster", "expected", "attended", "late", "leave",
                 "absent", "submitted")
_SUMMARY_TAIL = ("instructed", "not_adopted", "coauthored", "proposals", "reading_notes",
                 "points", "short_activities", "short_proposals", "short_reports", "conduct",
                 "conduct_remarks", "satisfaction", "satisfaction_remarks")
_SHORT = (Item.ACTIVITIES, Item.PROPOSALS, Item.REPORTS)  # the order of the *_short columns
# members whose lines are read and written at a time: ~55,000 event lines at 110 a member
BATCH = 500


def _quantity(record: DutyRecord, item: PointItem) -> int:
    """How many of `item` the points of that line are for (see rules.points)."""
    c = record.counts
    return {
        PointItem.ATTENDED: c.attended - c.late,
        PointItem.LATE: c.late,
        PointItem.ABSENT: c.absent,
        PointItem.REPORT_SUBMITTED: c.submitted,
        PointItem.REPORT_COAUTHORED: c.coauthored,
        PointItem.ADOPTED: c.adopted_total,
        PointItem.LEADER_INSTRUCTION: c.instructed,
        PointItem.PROPOSAL: c.proposals,
        PointItem.READING_NOTE: c.reading_notes,
    }[item]


K = TypeVar("K")


def ranks(keys: Sequence[K]) -> list[int]:
    """Ranks of items already in order, best first: equal keys share a rank (1, 2, 2, 4)."""
    result: list[int] = []
    for index, key in enumerate(keys):
        result.append(result[-1] if index and key == keys[index - 1] else index + 1)
    return result


@dataclass(frozen=True)
class DutyFilter:
    """Whose year: everyone, one group or one member."""

    year: int
    group_id: int | None = None
    member_id: int | None = None

    @property
    def scope(self) -> Scope:
        return Scope(member_id=self.member_id, group_id=self.group_id)


@dataclass(frozen=True)
class MemberYear:
    """One member's record and sector (the lines behind it are read batch by batch)."""

    record: DutyRecord
    sector: str


@dataclass(frozen=True)
class DutyBook:
    """What an export contains, in one language: everyone's figures, and the year's events
    with their days, which every member's lines share."""

    language: str
    year: int
    members: list[MemberYear]
    events: dict[int, YearEvent] = field(default_factory=dict)
    days: dict[int, date] = field(default_factory=dict)  # event id → its day in the zone


class DutyExporter(Exporter[DutyFilter, DutyBook]):
    """Builds the 履职登记表 from the duty record service (see bot.exports.exporter)."""

    action = Action.MANAGE_DUTY_RECORDS
    audit_kind = "duty_export"
    csv_suffixes = ()  # .xlsx only
    default_name = "duty"

    def __init__(self, service: DutyRecordService) -> None:
        super().__init__(service.db)
        self.service = service

    @property
    def zone(self) -> tzinfo:
        return self.service.zone

    @property
    def config(self) -> DutyRecordConfig:
        return self.service.config

    async def export(
        self, actor: Actor | None, fmt: ExportFormat, filters: DutyFilter, *,
        language: str = "zh", name: str | None = None,
    ) -> list[ExportedFile]:
        if fmt is not ExportFormat.XLSX:
            raise BadFileName(say("cli_duty.export_xlsx_only"))
        return await super().export(actor, fmt, filters, language=language, name=name)

    async def build(self, filters: DutyFilter, language: str = "zh") -> DutyBook:
        """Every member in the filter's scope with their year, in roster order."""
        year = self.service.check_year(filters.year)
        records = await self.service.records(year, filters.scope)
        sectors = {m.id: m.sector for m in await self.service.members.list_members()}
        members = [MemberYear(r, sectors.get(r.counts.member_id, "")) for r in records]
        events = await self.service.year_events(year)
        days = {event_id: self._day(e.starts_at) for event_id, e in events.items()}
        return DutyBook(language, year, members, events, days)

    # -- the sheets --------------------------------------------------------------------------

    def sheets(self, built: DutyBook) -> list[Sheet]:
        """The sheets of the figures: the summary and the ranking (the members' sheets
        follow in sheet_batches)."""
        say = _Words(built.language)
        return [self._summary(built, say), self._ranking(built, say)]

    async def sheet_batches(self, built: DutyBook) -> AsyncIterator[Sequence[Sheet]]:
        """The summary and the ranking, then the members' sheets BATCH members at a time."""
        say = _Words(built.language)
        yield self.sheets(built)
        batches = [built.members[start:start + BATCH]
                   for start in range(0, len(built.members), BATCH)]

        def read(batch: list[MemberYear]) -> asyncio.Task[dict[int, MemberLines]]:
            ids = [entry.record.counts.member_id for entry in batch]
            return asyncio.ensure_future(self.service.lines_of(built.year, ids, built.events))

        # the next batch is read while the one before is written (in its thread)
        pending = read(batches[0]) if batches else None
        try:
            for index, batch in enumerate(batches):
                assert pending is not None
                lines = await pending
                pending = read(batches[index + 1]) if index + 1 < len(batches) else None
                yield [self._member(built, entry, lines[entry.record.counts.member_id], say)
                       for entry in batch]
                del lines
        finally:
            if pending is not None:
                pending.cancel()

    def _summary(self, built: DutyBook, say: _Words) -> Sheet:
        levels = self.config.levels
        header = [
            *say.columns(_SUMMARY_HEAD),
            *(say("col_adopted_level", level=level.name(built.language))
              for level in levels),
            *say.columns(_SUMMARY_TAIL),
        ]
        rows = []
        for entry in built.members:
            record, c = entry.record, entry.record.counts
            short = record.shortfall
            rows.append((
                c.name, c.group_name or "", entry.sector, say("yes" if c.active else "no"),
                c.expected, c.attended, c.late, c.on_leave, c.absent, c.submitted,
                *(c.adopted.get(level.code, 0) for level in levels),
                c.instructed, c.not_adopted, c.coauthored, c.proposals, c.reading_notes,
                record.total, *(short.get(item) for item in _SHORT),
                *_grade(record, Dimension.CONDUCT), *_grade(record, Dimension.SATISFACTION),
            ))
        return Sheet(say("sheet_summary"), header, rows,
                     layout=PageLayout(orientation="landscape"))

    def _ranking(self, built: DutyBook, say: _Words) -> Sheet:
        """Members on the roster by reports adopted, then points; then the groups."""
        # (adopted, points, the member's record), rounded: 0.1 + 0.2 ties with 0.3
        present = [(e.record.counts.adopted_total, round(e.record.total, 6), e.record)
                   for e in built.members if e.record.counts.active]
        people = sorted(present, key=lambda p: (-p[0], -p[1]))
        rows = [
            [rank, r.counts.name, r.counts.group_name or "", adopted, points]
            for rank, (adopted, points, r) in zip(
                ranks([p[:2] for p in people]), people, strict=True)
        ]
        sums: dict[int, list[Any]] = {}
        for adopted, points, r in present:
            if r.counts.group_id is None:
                continue
            group = sums.setdefault(r.counts.group_id, [r.counts.group_name or "", 0, 0, 0.0])
            group[1] += 1
            group[2] += adopted
            group[3] += points
        groups = sorted(sums.values(), key=lambda g: (-g[2], -round(g[3], 6)))
        group_keys = [(g[2], round(g[3], 6)) for g in groups]
        group_rows = [[rank, *g] for rank, g in zip(ranks(group_keys), groups, strict=True)]
        return Sheet(
            say("sheet_ranking"), say.columns(("rank", "name", "group", "adopted", "points")),
            rows,
            tables=[Table(say("table_groups"),
                          say.columns(("rank", "group", "members", "adopted", "points_sum")),
                          group_rows)],
            layout=PageLayout(),
        )

    def _member(self, built: DutyBook, entry: MemberYear, lines: MemberLines,
                say: _Words) -> Sheet:
        record, c, language = entry.record, entry.record.counts, built.language
        conduct = _grade(record, Dimension.CONDUCT)
        satisfaction = _grade(record, Dimension.SATISFACTION)
        rows = [
            (say("col_group"), c.group_name or "", say("col_sector"), entry.sector),
            (say("col_points"), record.total),
            (say("col_conduct"), conduct[0], say("col_remarks"), conduct[1]),
            (say("col_satisfaction"), satisfaction[0], say("col_remarks"), satisfaction[1]),
        ]
        events = [say.event_row(built, line) for line in lines.events]
        reports = [
            (r.number or "", r.title, office_status(language, self.config.levels,
                                          ReportStatus(r.status), r.level, r.forwarded_to),
             level_name(self.config.levels, r.level, language) if r.level else "",
             leader_comments(language, r.comments), self._day(r.submitted_at),
             say("role_coauthor" if r.coauthor else "role_first"))
            for r in lines.reports
        ]
        proposals = [(p.title, p.deadline, p.count) for p in lines.proposals]
        notes = [(n.book, self._day(n.created_at)) for n in lines.notes]
        points: list[tuple[object, ...]] = [
            (say(f"point_{item.value}"), _quantity(record, item), value)
            for item, value in record.points.items()
        ]
        points.append((say("total"), None, record.total))
        return Sheet(
            c.name, [say("col_name"), c.name, say("col_year"), str(built.year)], rows,
            tables=[
                Table(say("table_events"),
                      say.columns(("date", "event", "type", "outcome")), events),
                Table(say("table_reports"),
                      say.columns(("number", "title", "status", "level", "instruction",
                                   "submitted_on", "role")), reports),
                Table(say("table_proposals"), say.columns(("window", "deadline", "count")),
                      proposals),
                Table(say("table_notes"), say.columns(("book", "date")), notes),
                Table(say("table_points"), say.columns(("item", "quantity", "item_points")),
                      points),
            ],
            layout=PageLayout(),
        )

    def _day(self, moment: datetime) -> date:
        """The day of a stored moment in the committee's zone."""
        return moment.astimezone(self.zone).date()

    def audit_detail(self, filters: DutyFilter, built: DutyBook) -> dict[str, Any]:
        return {"year": built.year, "group_id": filters.group_id,
                "member_id": filters.member_id, "members": len(built.members)}


def _grade(record: DutyRecord, dimension: Dimension) -> tuple[str | None, str | None]:
    grade = record.grades.get(dimension)
    return (grade.grade, grade.remarks or None) if grade is not None else (None, None)


class _Words:
    """The export's texts in one language (plain: a spreadsheet shows `&lt;` as it stands)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._cache: dict[str, str] = {}
        self._rows: dict[tuple[int, Outcome], tuple[object, ...]] = {}

    def __call__(self, key: str, **values: object) -> str:
        if values:
            return plain(self.language, f"duty_export.{key}", **values)
        return self.label(f"duty_export.{key}")

    def label(self, key: str) -> str:
        """Any text without values (a status, a type), looked up once per export."""
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = plain(self.language, key)
        return found

    def event_row(self, built: DutyBook, line: EventOutcome) -> tuple[object, ...]:
        """An event line's row: one tuple per event and outcome, shared by every sheet."""
        key = (line.event.event_id, line.outcome)
        row = self._rows.get(key)
        if row is None:
            event = line.event
            row = self._rows[key] = (
                built.days[event.event_id], event.title, self.label(f"event_type.{event.type}"),
                self.label(f"attendance_status.{line.outcome.value}"))
        return row

    def columns(self, names: Sequence[str]) -> list[str]:
        return [self(f"col_{name}") for name in names]


# -- the command line ------------------------------------------------------------------------

def parse_year(text: str | None, this_year: int) -> int:
    """--year: a year from 2000 to this one (this one when not given)."""
    if text is None:
        return this_year
    typed = text.strip()
    if not (typed.isascii() and typed.isdigit() and FIRST_YEAR <= int(typed) <= this_year):
        raise UsageError(say("cli_duty.bad_year", text=text, first=FIRST_YEAR, last=this_year))
    return int(typed)


async def export_duty_cli(
    config: Config, target: Path, *, year: str | None, group: str | None, member: str | None,
    out: TextIO,
) -> int:
    """`liaison-bot export duty [--year Y] [--group G | --member PHONE] --out FILE.xlsx`."""
    if group is not None and member is not None:
        print("export: " + say("cli_duty.group_or_member"), file=out)
        return 2
    if target.suffix.lower() != ".xlsx":  # a sheet per member has no .csv form
        print("export: " + say("cli_duty.export_name_xlsx", name=target.name), file=out)
        return 2

    async def make(db: Database) -> tuple[DutyExporter, DutyFilter]:
        members = MemberRepository(db)
        service = DutyRecordService(db, members, config.zone, config.duty_record)
        chosen = parse_year(year, service.today().year)
        group_id = member_id = None
        if group is not None:
            ids = groups_named(group, await members.list_groups())
            if len(ids) != 1:
                raise UsageError(say("cli_duty.one_group", text=group))
            group_id = ids[0]
        if member is not None:
            member_id = await member_by_phone(members, member)
        return DutyExporter(service), DutyFilter(chosen, group_id, member_id)

    return await export_from_cli(config, target, out, make)


async def member_by_phone(members: MemberRepository, typed: str) -> int:
    """The id of the member (not staff) with this phone number; UsageError otherwise."""
    phone = normalize_phone(typed)
    if phone is None:
        raise UsageError(say("cli_duty.not_a_phone", text=typed))
    found = await members.by_phone(phone)
    if found is None:
        raise UsageError(say("cli_duty.no_such_phone", text=typed))
    if found.role in (Role.STAFF, Role.ADMIN):
        raise UsageError(say("cli_duty.member_is_staff", text=typed, name=found.name))
    return found.id
