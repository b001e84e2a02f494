"""The office's holiday calendar from a file: a year's 调休 in one go instead of a day at a time.

Three columns, in this order: the date, the kind (workday / holiday, or 上班 / 调休上班 /
工作日 / 补班 and 放假 / 休息 / 休息日 / 节假日) and the day's name (春节, 国庆节调休上班 …,
may be empty); a header row is optional (a first row whose date cell has no digit is taken
for one). CSV as Excel saves it (UTF-8 with or without a BOM, or GB18030) or an .xlsx sheet.

As with the roster, a file is wholly imported or not at all: every bad row is reported with
its row number (as the spreadsheet shows it) and then nothing is written. Days are set, never
removed: the office's days of the same years that the file does not name are listed and kept.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import aiosqlite

from bot.core.cli import say
from bot.core.tables import RowError, TableFileError, cell, raw_lines
from bot.core.timeparse import parse_day
from bot.reminders.calendar import DayKind
from bot.reminders.service import ReminderService
from storage.audit import record_audit
from storage.reminders import ReminderRepository

MAX_NAME = 50

_KINDS: dict[str, DayKind] = {
    "workday": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "工作日": DayKind.WORKDAY,
    "补班": DayKind.WORKDAY,
    "holiday": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "休息": DayKind.HOLIDAY,
    "休息日": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
}


class CalendarFileError(TableFileError):
    """The file as a whole cannot be read: not there, wrong type, empty, no days."""


@dataclass(frozen=True)
class CalendarRow:
    line: int  # as the spreadsheet shows it (row 1 is the first)
    day: date
    kind: DayKind
    name: str


@dataclass
class CalendarImport:
    """What importing the rows does (or, in a dry run, would do) to the office's calendar."""

    rows: list[CalendarRow] = field(default_factory=list)
    changed: int = 0  # days that were not in the office's calendar, or not as the file says
    # The office's days of the file's years that the file does not name (kept as they are).
    not_in_file: list[tuple[date, DayKind]] = field(default_factory=list)

    def count(self, kind: DayKind) -> int:
        return sum(1 for row in self.rows if row.kind is kind)

    @property
    def years(self) -> list[int]:
        return sorted({row.day.year for row in self.rows})


def _text(value: object) -> str:
    """A cell as text; a date cell of a spreadsheet as its ISO date."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return cell(value)


def _kind(text: str) -> DayKind | None:
    return _KINDS.get(unicodedata.normalize("NFKC", text).lower())


def _is_header(cells: list[str]) -> bool:
    """日期,类型,名称 or date,kind,name: no digit where the date goes, no kind word after it
    (a first row with a mistyped date is reported as a bad row, not skipped)."""
    return not any(c.isdigit() for c in cells[0]) and (len(cells) < 2 or _kind(cells[1]) is None)


def _parse_row(
    line: int, cells: list[str]
) -> tuple[CalendarRow | None, date | None, list[RowError]]:
    """The row (None when bad), its date (None when missing or malformed) and every problem
    found in it, not only the first."""
    raw_day, raw_kind, name = [*cells, "", "", ""][:3]
    problems: list[str] = []
    day = parse_day(raw_day) if raw_day else None
    if not raw_day:
        problems.append(say("cli_calendar.missing_date"))
    elif day is None:
        problems.append(say("cli_calendar.bad_date", text=raw_day))
    kind = _kind(raw_kind) if raw_kind else None
    if not raw_kind:
        problems.append(say("cli_calendar.missing_kind"))
    elif kind is None:
        problems.append(say("cli_calendar.unknown_kind", text=raw_kind))
    if len(name) > MAX_NAME:
        problems.append(say("cli_calendar.name_too_long", limit=MAX_NAME))
    if problems or day is None or kind is None:
        return None, day, [RowError(line, problem) for problem in problems]
    return CalendarRow(line, day, kind, name), day, []


def read_calendar(path: Path) -> tuple[list[CalendarRow], list[RowError]]:
    """Every good row and every problem of every bad one, in one pass (a date that repeats an
    earlier row's is reported, even when either row is bad otherwise); CalendarFileError when
    the file is unusable."""
    try:
        lines = raw_lines(path)
    except TableFileError as exc:
        raise CalendarFileError(str(exc)) from exc
    rows: list[CalendarRow] = []
    errors: list[RowError] = []
    first_line_of: dict[date, int] = {}
    seen_any = False
    for number, raw in enumerate(lines, start=1):
        cells = [_text(value) for value in raw]
        if not any(cells):
            continue
        if not seen_any:
            seen_any = True
            if _is_header(cells):
                continue
        row, day, problems = _parse_row(number, cells)
        errors += problems
        if day is not None:
            earlier = first_line_of.setdefault(day, number)
            if earlier != number:
                errors.append(RowError(number, say("cli_calendar.same_date", line=earlier)))
                continue
        if row is not None:
            rows.append(row)
    if not seen_any:
        raise CalendarFileError(say("cli_calendar.empty"))
    if not rows and not errors:
        raise CalendarFileError(say("cli_calendar.no_days"))
    return rows, errors


async def _compare(
    service: ReminderService, rows: list[CalendarRow], conn: aiosqlite.Connection | None = None
) -> CalendarImport:
    """What the rows change; read on `conn` inside the caller's transaction."""
    kinds = await service.repo.calendar_days(conn=conn)
    names = await service.repo.calendar_day_names(conn=conn)
    in_file = {row.day for row in rows}
    years = {row.day.year for row in rows}
    return CalendarImport(
        rows=rows,
        changed=sum(
            1 for row in rows
            if kinds.get(row.day) != row.kind.value or names.get(row.day, "") != row.name
        ),
        not_in_file=sorted(
            (day, DayKind(kind)) for day, kind in kinds.items()
            if day.year in years and day not in in_file
        ),
    )


async def import_calendar(
    service: ReminderService, rows: list[CalendarRow], *, source: str, dry_run: bool = False
) -> CalendarImport:
    """Set every row's day, kind and name in one transaction, audited (unless a dry run); the
    caller plans the reminders again afterwards, as after `calendar set`."""
    if dry_run:
        return await _compare(service, rows)
    async with service.db.transaction() as conn:
        found = await _compare(service, rows, conn)
        now = service.clock()
        for row in rows:
            await ReminderRepository.set_calendar_day(
                conn, row.day, row.kind.value, None, now, name=row.name
            )
        kinds = Counter(row.kind.value for row in rows)
        await record_audit(
            conn, "calendar_import", actor_tg_id=None, subject=source,
            detail={"days": len(rows), "changed": found.changed, **kinds,
                    "years": found.years},
            at=now,
        )
    return found
