"""The register of public-opinion reports (社情民意登记表) as .xlsx or .csv, for staff.

One row per submitted report (number, date, author, co-authors, group, sector, category,
title, status, level, addressee, the adoption note, the leaders' instructions (领导批示), the
date of each step) and, per member on the roster (those without a report too), how many they
submitted, co-authored and had adopted at each level. Counts are by first author; co-authored
reports are counted in their own column; a report adopted and then forwarded to a higher level
still counts as adopted at the highest level it was adopted at, whatever the higher level did
with it (the status says both: 市级采用；报送省政协未采用). Level names and columns come from
`[[duty_record.levels]]`. Dates are days in the committee's zone;
the date filters apply to the first submission, both days included. Every export is audited.
Both sheets print on A4 fit to the page's width, the header row on every page: the register
across the page, the counts per member up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TextIO

from bot.core.auth import Action
from bot.core.cli import say
from bot.core.config import Config, DutyRecordConfig, LevelConfig, level_name
from bot.core.texts import labels_lookup, plain, tr
from bot.exports.exporter import Exporter, export_from_cli
from bot.exports.spreadsheet import PageLayout, Sheet
from bot.reports.wording import office_status
from bot.reports.workflow import effective_moves
from domain.models import (
    LeaderComment,
    Member,
    Report,
    ReportMove,
    ReportStatus,
    Role,
)
from storage.db import Database
from storage.members import MemberRepository
from storage.reports import ReportQuery, ReportRepository

# The steps whose dates the register shows, in order; "resubmitted" is a move
# returned → submitted, "submitted" the first submission.
_STEP_COLUMNS = (
    "submitted", "accepted", "returned", "resubmitted",
    "adopted", "forwarded", "kept", "not_adopted",
)
_REGISTER_COLUMNS = (
    "number", "date", "author", "coauthors", "group", "sector", "category", "title", "status",
    "level", "forwarded_to", "adoption_note", "leader_comments", "versions", *_STEP_COLUMNS,
)
_MEMBER_COLUMNS = (
    "name", "group", "sector", "count_submitted", "count_coauthored", "count_adopted",
)  # then one column per adoption level of the config


@dataclass(frozen=True)
class RegisterFilter:
    date_from: date | None = None
    date_to: date | None = None
    status: ReportStatus | None = None


@dataclass(frozen=True)
class RegisterRow:
    number: str
    submitted_on: date
    author: str
    coauthors: str
    group: str
    sector: str
    category: str
    title: str
    status: str
    level: str
    forwarded_to: str
    adoption_note: str | None
    leader_comments: str | None
    versions: int
    steps: dict[str, date | None]

    def values(self) -> list[object]:
        return [
            self.number, self.submitted_on, self.author, self.coauthors, self.group, self.sector,
            self.category, self.title, self.status, self.level, self.forwarded_to,
            self.adoption_note, self.leader_comments, self.versions,
            *(self.steps[step] for step in _STEP_COLUMNS),
        ]


@dataclass
class MemberCount:
    name: str
    group: str
    sector: str
    submitted: int = 0
    coauthored: int = 0
    adopted: dict[str, int] = field(default_factory=dict)  # level code → reports

    def values(self, levels: Sequence[LevelConfig]) -> list[object]:
        return [
            self.name, self.group, self.sector, self.submitted, self.coauthored,
            sum(self.adopted.values()), *(self.adopted.get(level.code, 0) for level in levels),
        ]


@dataclass(frozen=True)
class Register:
    """What an export contains, in one language."""

    language: str
    rows: list[RegisterRow]
    members: list[MemberCount]
    levels: Sequence[LevelConfig]

    def register_header(self) -> list[str]:
        return [tr(self.language, f"report_export.col_{name}") for name in _REGISTER_COLUMNS]

    def member_header(self) -> list[str]:
        return [tr(self.language, f"report_export.col_{name}") for name in _MEMBER_COLUMNS] + [
            tr(self.language, "report_export.col_count_level", level=level.name(self.language))
            for level in self.levels
        ]


def _step_dates(moves: Sequence[ReportMove], zone: tzinfo) -> dict[str, date | None]:
    """The day of each step; when a step happened more than once, the latest."""
    steps: dict[str, date | None] = dict.fromkeys(_STEP_COLUMNS)
    for move in effective_moves(moves):  # a move undone, and its undo, are no step
        day = move.at.astimezone(zone).date()
        if move.to_status is ReportStatus.SUBMITTED:
            first = move.from_status is ReportStatus.DRAFT
            key = "submitted" if first else "resubmitted"
        else:
            key = str(move.to_status)
        steps[key] = day
    return steps


def _adoption_note(moves: Sequence[ReportMove]) -> str | None:
    """The note of the latest adoption, if it had one."""
    adoptions = [m for m in effective_moves(moves) if m.to_status is ReportStatus.ADOPTED]
    return adoptions[-1].note if adoptions else None


def leader_comments(language: str, comments: Sequence[LeaderComment]) -> str | None:
    """The leaders' instructions (领导批示) of a report, one "leader：text" a line, in the
    order given; None without any. The 履职登记表 shows them the same way."""
    return "\n".join(
        plain(language, "report_export.leader_comment", leader=c.leader, text=c.text)
        for c in comments
    ) or None


def _row(
    report: Report,
    moves: Sequence[ReportMove],
    comments: Sequence[LeaderComment],
    zone: tzinfo,
    language: str,
    levels: Sequence[LevelConfig],
) -> RegisterRow:
    assert report.number is not None and report.submitted_at is not None
    return RegisterRow(
        number=report.number,
        submitted_on=report.submitted_at.astimezone(zone).date(),
        author=report.author_name,
        coauthors="、".join(c.name for c in report.coauthors),
        group=report.author_group_name or "",
        sector=report.author_sector,
        category=tr(language, f"report_category.{report.category}") if report.category else "",
        title=report.title,
        status=office_status(language, levels, report.status, report.level,
                             report.forwarded_to),
        level=level_name(levels, report.level, language) if report.level else "",
        forwarded_to=report.forwarded_to or "",
        adoption_note=_adoption_note(moves),
        leader_comments=leader_comments(language, comments),
        versions=report.version,
        steps=_step_dates(moves, zone),
    )


def _member_counts(reports: Sequence[Report], roster: Sequence[Member]) -> list[MemberCount]:
    """Per member of the roster (staff only when they wrote or co-wrote one of `reports`):
    their counts, zeros included, by group and name."""
    members = {m.id: m for m in roster}
    counts: dict[int, MemberCount] = {
        m.id: MemberCount(m.name, m.group_name or "", m.sector)
        for m in roster
        if m.role in (Role.MEMBER, Role.LEADER, Role.DEPUTY)
    }

    def count_of(member_id: int, name: str) -> MemberCount:
        if member_id not in counts:
            member = members.get(member_id)
            counts[member_id] = MemberCount(
                member.name if member else name,
                (member.group_name or "") if member else "",
                member.sector if member else "",
            )
        return counts[member_id]

    for report in reports:
        author = count_of(report.author_member_id, report.author_name)
        author.submitted += 1
        if report.level is not None:  # adopted (and maybe forwarded on, or declined above)
            author.adopted[report.level] = author.adopted.get(report.level, 0) + 1
        for coauthor in report.coauthors:
            count_of(coauthor.member_id, coauthor.name).coauthored += 1
    return sorted(counts.values(), key=lambda c: (c.group, c.name))


class ReportExporter(Exporter[RegisterFilter, Register]):
    """Builds the register from the database (see bot.exports.exporter)."""

    action = Action.REVIEW_REPORTS
    audit_kind = "report_export"
    default_name = "reports"
    csv_suffixes = ("", "_members")

    def __init__(self, db: Database, zone: tzinfo,
                 levels: Sequence[LevelConfig] | None = None) -> None:
        super().__init__(db)
        self.zone = zone
        self.levels = levels if levels is not None else DutyRecordConfig().levels
        self.reports = ReportRepository(db)

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), tzinfo=self.zone)

    async def build(self, filters: RegisterFilter, language: str = "zh") -> Register:
        """The register rows for `filters`, in the order of first submission."""
        statuses = (
            [filters.status]
            if filters.status is not None
            else [s for s in ReportStatus if s is not ReportStatus.DRAFT]
        )
        reports = await self.reports.find(
            ReportQuery(
                statuses=statuses,
                submitted_from=self._day_start(filters.date_from) if filters.date_from else None,
                submitted_to=(
                    self._day_start(filters.date_to + timedelta(days=1))
                    if filters.date_to
                    else None
                ),
                order="submitted",
            )
        )
        reports = [r for r in reports if r.number is not None]
        ids = [r.id for r in reports]
        moves = await self.reports.moves(ids)
        comments = await self.reports.comments(ids)
        rows = [
            _row(r, moves.get(r.id, []), comments.get(r.id, []), self.zone, language, self.levels)
            for r in reports
        ]
        roster = await MemberRepository(self.db).list_members()
        return Register(language, rows, _member_counts(reports, roster), self.levels)

    def sheets(self, built: Register) -> list[Sheet]:
        """The register, then the counts per member."""
        return [
            Sheet(
                tr(built.language, "report_export.sheet_register"),
                built.register_header(),
                [row.values() for row in built.rows],
                layout=PageLayout(orientation="landscape"),
            ),
            Sheet(
                tr(built.language, "report_export.sheet_members"),
                built.member_header(),
                [count.values(built.levels) for count in built.members],
                layout=PageLayout(),
            ),
        ]

    def audit_detail(self, filters: RegisterFilter, built: Register) -> dict[str, Any]:
        return {
            "from": filters.date_from.isoformat() if filters.date_from else None,
            "to": filters.date_to.isoformat() if filters.date_to else None,
            "status": str(filters.status) if filters.status else None,
            "rows": len(built.rows),
        }


async def export_reports_cli(
    config: Config,
    target: Path,
    *,
    date_from: date | None,
    date_to: date | None,
    status: str | None,
    out: TextIO,
) -> int:
    """`liaison-bot export reports --from --to [--status] --out FILE.xlsx|.csv`."""
    statuses = [s.value for s in ReportStatus if s is not ReportStatus.DRAFT]
    names = labels_lookup("report_status", statuses)  # 已采用 as well as adopted
    if status is not None and status.strip().lower() not in names:
        # the Chinese names are taken whatever the command line speaks: they are shown with
        # the codes
        shown = say("cli_export.list_separator").join(
            say("cli_export.status_choice", code=s, label=plain("zh", f"report_status.{s}"))
            for s in statuses
        )
        print(f"export: {say('cli_export.unknown_status', status=status, shown=shown)}",
              file=out)
        return 2
    chosen = ReportStatus(names[status.strip().lower()]) if status else None
    filters = RegisterFilter(date_from, date_to, chosen)

    async def make(db: Database) -> tuple[ReportExporter, RegisterFilter]:
        return ReportExporter(db, config.zone, config.duty_record.levels), filters

    return await export_from_cli(config, target, out, make)
