"""Attendance sheets as .xlsx or .csv: one row per expected member per event, and a summary.

Sheet 1 has one row per expected member of each exported event: the event (number, day, start,
type, title), the member (group, name, sector), the status (present, late, on leave, leave
pending, not yet, absent; after a declined leave 未签到（请假未批准）), the check-in time in the
committee's zone and how it was made, and the leave reason (a mark made after the end shows
事后补记 as how it was made, without a time). Sheet 2 counts per member: expected, attended
(present or late), late, leave, pending, absent, and the period counted. Only events that have
started count there (an event still to come has nobody expected or absent yet; its rows on
sheet 1 show who has checked in early); cancelled events are left out: nobody was expected at
them. Without an event or days, the period is this year up to today, in chat and at the command
line alike. Both sheets print on A4 across the page, fit to its width, the header row on every
page. As .csv the two sheets are two files. Every export is audited (who, when, which filter,
how many rows).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.attendance.service import AttendanceService
from bot.core.auth import Action
from bot.core.cli import UsageError, say
from bot.core.config import Config
from bot.core.texts import tr
from bot.exports.exporter import Exporter, export_from_cli
from bot.exports.spreadsheet import PageLayout, Sheet
from domain.models import (
    AttendanceRecord,
    AttendanceStatus,
    Event,
    EventStatus,
    LeaveStatus,
)
from storage.db import Database
from storage.members import MemberRepository

_RECORD_COLUMNS = (
    "event_id", "date", "start", "type", "title", "group", "name", "sector", "status",
    "time", "method", "note",
)
_SUMMARY_COLUMNS = (
    "name", "group", "sector", "expected", "attended", "late", "leave", "pending", "absent",
    "period",
)


@dataclass(frozen=True)
class AttendanceFilter:
    """Which events: one by id, or those starting on the days given (both included, in the
    committee's zone); optionally only one group's events and members."""

    event_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    group_id: int | None = None

    def with_default_period(self, today: date) -> AttendanceFilter:
        """Neither an event nor days given: this year up to `today` (the default everywhere)."""
        if self.event_id is not None or self.date_from or self.date_to:
            return self
        return replace(self, date_from=today.replace(month=1, day=1), date_to=today)

    def period(self, language: str) -> str:
        """The events counted, in words: 活动编号12, or 2026-01-01至2026-11-29."""
        if self.event_id is not None:
            return tr(language, "attendance_export.period_event", number=self.event_id)
        return tr(
            language, "attendance_export.period_days",
            first=self.date_from.isoformat() if self.date_from else "…",
            last=self.date_to.isoformat() if self.date_to else "…",
        )


@dataclass(frozen=True)
class SheetRow:
    event_id: int
    day: date
    start: str  # HH:MM in the committee's zone
    type: str
    title: str
    group: str
    name: str
    sector: str
    status: str
    time: datetime | None  # check-in time in the committee's zone, without zone (Excel)
    method: str
    note: str  # the leave reason

    def values(self) -> list[object]:
        return [
            self.event_id, self.day, self.start, self.type, self.title, self.group, self.name,
            self.sector, self.status, self.time, self.method, self.note,
        ]


@dataclass
class MemberSummary:
    name: str
    group: str
    sector: str
    expected: int = 0
    attended: int = 0
    late: int = 0
    leave: int = 0
    pending: int = 0
    absent: int = 0
    period: str = ""

    def values(self) -> list[object]:
        return [
            self.name, self.group, self.sector, self.expected, self.attended, self.late,
            self.leave, self.pending, self.absent, self.period,
        ]

    def add(self, status: AttendanceStatus) -> None:
        self.expected += 1
        if status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
            self.attended += 1
        if status is AttendanceStatus.LATE:
            self.late += 1
        elif status is AttendanceStatus.LEAVE:
            self.leave += 1
        elif status is AttendanceStatus.PENDING:
            self.pending += 1
        elif status is AttendanceStatus.ABSENT:
            self.absent += 1


@dataclass(frozen=True)
class AttendanceSheet:
    """What an export contains, in one language."""

    language: str
    events: list[Event]
    rows: list[SheetRow]
    summary: list[MemberSummary]
    filters: AttendanceFilter  # with the period filled in

    def record_header(self) -> list[str]:
        return [tr(self.language, f"attendance_export.col_{name}") for name in _RECORD_COLUMNS]

    def summary_header(self) -> list[str]:
        return [tr(self.language, f"attendance_export.col_{name}") for name in _SUMMARY_COLUMNS]


def _status_label(record: AttendanceRecord, language: str) -> str:
    """The standing as the sheet shows it: 未签到 after a refused leave says so (未签到（请假未
    批准）), so that a leave asked for is not read as none asked."""
    declined = (
        record.status in (AttendanceStatus.ABSENT, AttendanceStatus.NOT_YET)
        and record.leave is not None and record.leave.status is LeaveStatus.DECLINED
    )
    if declined:
        return tr(language, "attendance_export.status_leave_declined",
                  status=tr(language, f"attendance_status.{record.status.value}"))
    return tr(language, f"attendance_status.{record.status.value}")


class AttendanceExporter(Exporter[AttendanceFilter, AttendanceSheet]):
    """Builds attendance sheets from the attendance service (see bot.exports.exporter)."""

    action = Action.EXPORT_ATTENDANCE
    audit_kind = "attendance_export"
    default_name = "attendance"
    csv_suffixes = ("", "_summary")

    def __init__(self, db: Database, attendance: AttendanceService) -> None:
        super().__init__(db)
        self.attendance = attendance
        self.zone = attendance.zone

    async def _events(self, filters: AttendanceFilter) -> list[Event]:
        """The scheduled events of the filter."""
        groups = [filters.group_id] if filters.group_id is not None else None
        if filters.event_id is not None:
            event = await self.attendance.event(filters.event_id)
            found = [event] if event is not None else []
            if groups is not None:
                found = [e for e in found if filters.group_id in e.group_ids]
            return [e for e in found if e.status is EventStatus.SCHEDULED]
        starts_from = starts_before = None
        if filters.date_from is not None:
            starts_from = self.attendance.day_range(filters.date_from, filters.date_from)[0]
        if filters.date_to is not None:
            starts_before = self.attendance.day_range(filters.date_to, filters.date_to)[1]
        return await self.attendance.list_events(
            group_ids=groups,
            starts_from=starts_from,
            starts_before=starts_before,
            include_cancelled=False,
        )

    def _row(self, record: AttendanceRecord, language: str) -> SheetRow:
        event, member, checkin = record.event, record.member, record.checkin
        afterwards = record.marked_afterwards  # no check-in time: how it was recorded instead
        starts = event.starts_at.astimezone(self.zone)
        return SheetRow(
            event_id=event.id,
            day=starts.date(),
            start=starts.strftime("%H:%M"),
            type=tr(language, f"event_type.{event.type.value}"),
            title=event.title,
            group=member.group_name or "",
            name=member.name,
            sector=member.sector,
            status=_status_label(record, language),
            time=checkin.at.astimezone(self.zone).replace(tzinfo=None)
            if checkin and not afterwards else None,
            method=tr(language, "attendance.afterwards_label") if afterwards
            else tr(language, f"checkin_method.{checkin.method.value}") if checkin else "",
            note=record.leave.reason if record.leave else "",
        )

    async def build(self, filters: AttendanceFilter, language: str = "zh") -> AttendanceSheet:
        """The rows and the summary for `filters`, events by start, members by group (in roster
        order) and name."""
        now = self.attendance.clock()
        filters = filters.with_default_period(now.astimezone(self.zone).date())
        period = filters.period(language)
        events = await self._events(filters)
        groups = [filters.group_id] if filters.group_id is not None else None
        group_order = {g.id: i for i, g in enumerate(await self.attendance.members.list_groups())}
        rows: list[SheetRow] = []
        summary: dict[int, MemberSummary] = {}
        positions: dict[int, int] = {}  # member → their group's place in the roster
        for event in events:
            for record in await self.attendance.records(event, group_ids=groups, at=now):
                rows.append(self._row(record, language))
                member = record.member
                if member.id not in summary:
                    summary[member.id] = MemberSummary(
                        member.name, member.group_name or "", member.sector, period=period
                    )
                    positions[member.id] = group_order.get(member.group_id or 0, -1)
                if event.starts_at <= now:  # one still to come counts for nobody yet
                    summary[member.id].add(record.status)
        ordered = sorted(
            summary.items(), key=lambda item: (positions[item[0]], item[1].name, item[0])
        )
        return AttendanceSheet(language, events, rows, [s for _, s in ordered], filters)

    def sheets(self, built: AttendanceSheet) -> list[Sheet]:
        """The records, then the summary per member."""
        return [
            Sheet(
                tr(built.language, "attendance_export.sheet_records"),
                built.record_header(),
                [r.values() for r in built.rows],
                layout=PageLayout(orientation="landscape"),
            ),
            Sheet(
                tr(built.language, "attendance_export.sheet_summary"),
                built.summary_header(),
                [s.values() for s in built.summary],
                layout=PageLayout(orientation="landscape"),
            ),
        ]

    def audit_detail(self, filters: AttendanceFilter, built: AttendanceSheet) -> dict[str, Any]:
        filters = built.filters
        return {
            "event_id": filters.event_id,
            "from": filters.date_from.isoformat() if filters.date_from else None,
            "to": filters.date_to.isoformat() if filters.date_to else None,
            "group_id": filters.group_id,
            "events": [e.id for e in built.events],
            "rows": len(built.rows),
        }


async def export_attendance_cli(
    config: Config,
    target: Path,
    *,
    event_id: int | None,
    date_from: date | None,
    date_to: date | None,
    group: str | None,
    out: TextIO,
) -> int:
    """`liaison-bot export attendance [--event ID | --from --to] [--group G] --out FILE`."""
    if event_id is not None and (date_from is not None or date_to is not None):
        print(f"export: {say('cli_export.event_or_days')}", file=out)
        return 2

    async def make(db: Database) -> tuple[AttendanceExporter, AttendanceFilter]:
        members = MemberRepository(db)
        group_id = None
        if group is not None:
            found = [g for g in await members.list_groups() if g.name == group]
            if not found:
                raise UsageError(say("cli_export.no_group", name=group))
            group_id = found[0].id
        service = AttendanceService(db, members, config.zone)
        filters = AttendanceFilter(event_id, date_from, date_to, group_id)
        return AttendanceExporter(db, service), filters

    return await export_from_cli(config, target, out, make)
