"""The register of public-opinion reports (社情民意登记表) as .xlsx or .csv, for staff.

One row per submitted report (number, date, author, co-authors, group, sector, category,
title, status, level, the date of each step) and, per member, how many they submitted,
co-authored and had adopted at each level. Counts are by first author; co-authored reports
are counted in their own column. Dates are days in the committee's zone; the date filters
apply to the first submission, both days included. Every export is audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TextIO

from bot.core.auth import Action, Actor, Refused, audited_as
from bot.core.config import Config
from bot.core.texts import tr
from bot.exports.spreadsheet import (
    ExportedFile,
    ExportFormat,
    Sheet,
    csv_bytes,
    format_for,
    write_beside,
    xlsx_bytes,
)
from bot.reports.workflow import Refusal
from storage.audit import record_audit
from storage.db import Database
from storage.members import MemberRepository
from storage.models import AdoptionLevel, Member, Report, ReportMove, ReportStatus
from storage.reports import ReportQuery, ReportRepository

# The steps whose dates the register shows, in order; "resubmitted" is a move
# returned → submitted, "submitted" the first submission.
_STEP_COLUMNS = (
    "submitted", "accepted", "returned", "resubmitted",
    "adopted", "forwarded", "kept", "not_adopted",
)
_REGISTER_COLUMNS = (
    "number", "date", "author", "coauthors", "group", "sector", "category", "title", "status",
    "level", "forwarded_to", "versions", *_STEP_COLUMNS,
)
_MEMBER_COLUMNS = (
    "name", "group", "sector", "count_submitted", "count_coauthored", "count_adopted",
    "count_city", "count_province", "count_national",
)


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
    versions: int
    steps: dict[str, date | None]

    def values(self) -> list[object]:
        return [
            self.number, self.submitted_on, self.author, self.coauthors, self.group, self.sector,
            self.category, self.title, self.status, self.level, self.forwarded_to,
            self.versions, *(self.steps[step] for step in _STEP_COLUMNS),
        ]


@dataclass
class MemberCount:
    name: str
    group: str
    sector: str
    submitted: int = 0
    coauthored: int = 0
    adopted: dict[AdoptionLevel, int] = field(
        default_factory=lambda: dict.fromkeys(AdoptionLevel, 0)
    )

    def values(self) -> list[object]:
        return [
            self.name, self.group, self.sector, self.submitted, self.coauthored,
            sum(self.adopted.values()), *(self.adopted[level] for level in AdoptionLevel),
        ]


@dataclass(frozen=True)
class Register:
    """What an export contains, in one language."""

    language: str
    rows: list[RegisterRow]
    members: list[MemberCount]

    def register_header(self) -> list[str]:
        return [tr(self.language, f"report_export.col_{name}") for name in _REGISTER_COLUMNS]

    def member_header(self) -> list[str]:
        return [tr(self.language, f"report_export.col_{name}") for name in _MEMBER_COLUMNS]


def _step_dates(moves: Sequence[ReportMove], zone: tzinfo) -> dict[str, date | None]:
    """The day of each step; when a step happened more than once, the latest."""
    steps: dict[str, date | None] = dict.fromkeys(_STEP_COLUMNS)
    for move in moves:
        day = move.at.astimezone(zone).date()
        if move.to_status is ReportStatus.SUBMITTED:
            first = move.from_status is ReportStatus.DRAFT
            key = "submitted" if first else "resubmitted"
        else:
            key = str(move.to_status)
        steps[key] = day
    return steps


def _row(report: Report, moves: Sequence[ReportMove], zone: tzinfo, language: str) -> RegisterRow:
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
        status=tr(language, f"report_status.{report.status}"),
        level=tr(language, f"report_level.{report.level}") if report.level else "",
        forwarded_to=report.forwarded_to or "",
        versions=report.version,
        steps=_step_dates(moves, zone),
    )


def _member_counts(reports: Sequence[Report], roster: Sequence[Member]) -> list[MemberCount]:
    """Per member who wrote or co-wrote any of `reports`: their counts, by group and name."""
    members = {m.id: m for m in roster}
    counts: dict[int, MemberCount] = {}

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
        if report.status is ReportStatus.ADOPTED and report.level is not None:
            author.adopted[report.level] += 1
        for coauthor in report.coauthors:
            count_of(coauthor.member_id, coauthor.name).coauthored += 1
    return sorted(counts.values(), key=lambda c: (c.group, c.name))


def render_xlsx(register: Register) -> bytes:
    """The register as an .xlsx workbook: the reports, then the counts per member."""
    return xlsx_bytes(
        [
            Sheet(
                tr(register.language, "report_export.sheet_register"),
                register.register_header(),
                [row.values() for row in register.rows],
            ),
            Sheet(
                tr(register.language, "report_export.sheet_members"),
                register.member_header(),
                [count.values() for count in register.members],
            ),
        ]
    )


def render_register_csv(register: Register) -> bytes:
    return csv_bytes(register.register_header(), [row.values() for row in register.rows])


def render_members_csv(register: Register) -> bytes:
    return csv_bytes(register.member_header(), [count.values() for count in register.members])


class ReportExporter:
    """Builds the register from the database and renders it; each export is audited."""

    def __init__(self, db: Database, zone: tzinfo) -> None:
        self.db = db
        self.zone = zone
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
        moves = await self.reports.moves([r.id for r in reports])
        rows = [_row(r, moves.get(r.id, []), self.zone, language) for r in reports]
        roster = await MemberRepository(self.db).list_members()
        return Register(language, rows, _member_counts(reports, roster))

    async def export(
        self,
        actor: Actor | None,
        fmt: ExportFormat,
        filters: RegisterFilter,
        *,
        language: str = "zh",
        name: str = "reports",
    ) -> list[ExportedFile]:
        """The register as files (xlsx: one; csv: the reports and the counts per member).

        `actor` None is the operator at the command line; anyone else needs staff rights.
        """
        if actor is not None and not actor.can(Action.REVIEW_REPORTS):
            raise Refused(Refusal.NOT_PERMITTED)
        register = await self.build(filters, language)
        if fmt is ExportFormat.XLSX:
            files = [ExportedFile(f"{name}.xlsx", await asyncio.to_thread(render_xlsx, register))]
        else:
            files = [
                ExportedFile(f"{name}.csv", render_register_csv(register)),
                ExportedFile(f"{name}_members.csv", render_members_csv(register)),
            ]
        async with self.db.transaction() as conn:
            await record_audit(
                conn, "report_export",
                **audited_as(actor),
                detail={
                    "format": str(fmt),
                    "from": filters.date_from.isoformat() if filters.date_from else None,
                    "to": filters.date_to.isoformat() if filters.date_to else None,
                    "status": str(filters.status) if filters.status else None,
                    "rows": len(register.rows),
                    "files": [f.name for f in files],
                },
            )
        return files

    async def export_to(
        self,
        target: Path,
        filters: RegisterFilter,
        *,
        actor: Actor | None = None,
        language: str = "zh",
    ) -> list[Path]:
        """Write the export next to `target`, whose suffix (.xlsx or .csv) picks the format."""
        fmt = format_for(target)
        files = await self.export(actor, fmt, filters, language=language, name=target.stem)
        return await write_beside(target, files)


def parse_day(text: str) -> date:
    """A YYYY-MM-DD day (for the command line)."""
    return date.fromisoformat(text)


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
    try:
        format_for(target)
    except ValueError as exc:
        print(f"export: {exc}", file=out)
        return 2
    statuses = [s.value for s in ReportStatus if s is not ReportStatus.DRAFT]
    if status is not None and status not in statuses:
        print(f"export: unknown status {status!r}; one of: {', '.join(statuses)}", file=out)
        return 2
    chosen = ReportStatus(status) if status else None
    filters = RegisterFilter(date_from, date_to, chosen)
    async with Database(config.storage.path) as db:
        written = await ReportExporter(db, config.zone).export_to(target, filters)
    for path in written:
        print(f"written: {path}", file=out)
    return 0
