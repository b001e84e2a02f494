"""A file of attendance marks for an event that is over (`liaison-bot events attendance`).

A .csv or .xlsx with a header row: the member by phone (手机号) or name (姓名), or both, the status
(状态 or 出勤情况: present/已签到/出席, late/迟到, leave/请假) and optionally the leave reason
(事由). Every row is checked before anything is written, and every problem is reported with
the row's number as a spreadsheet shows it (header = row 1), as the roster import does: an
unknown member, a name two expected members share, a member not expected at the event, a bad
status, a member given twice. A file with any bad row writes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.attendance.outcomes import MarkStatus
from bot.attendance.rules import MAX_REASON, mark_status_of
from bot.core.cli import say
from bot.core.phones import normalize_roster_phone
from bot.core.tables import RowError, TableFileError, read_lines
from domain.models import Member

_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名"),
    "phone": ("phone", "手机号", "手机", "手机号码", "电话"),
    "status": ("status", "状态", "出勤情况", "出勤"),
    "reason": ("reason", "事由", "请假事由", "备注", "note"),
}
# Each column as the operator reads it (in a problem with the header).
_COLUMN_NAMES = {
    "name": "cli_events.marks_col_name",
    "phone": "cli_events.marks_col_phone",
    "status": "cli_events.marks_col_status",
    "reason": "cli_events.marks_col_reason",
}


@dataclass(frozen=True)
class MarkRow:
    """A good row: the member it names and what to mark."""

    line: int
    member: Member
    status: MarkStatus
    reason: str


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        for column, names in _HEADERS.items():
            if title.lower() in names:
                if column in columns:
                    raise TableFileError(say("cli_events.marks_column_twice",
                                             column=say(_COLUMN_NAMES[column])))
                columns[column] = index
    if "status" not in columns or not ({"name", "phone"} & columns.keys()):
        raise TableFileError(say("cli_events.marks_no_columns"))
    return columns


def _member_of(
    name: str, raw_phone: str, roster: Sequence[Member], expected: Collection[int]
) -> tuple[Member | None, str | None]:
    """The member a row names, or why none: by phone (the name, if given, must agree), else
    by name (one roster member, or the one expected at the event among several)."""
    if raw_phone:
        phone = normalize_roster_phone(raw_phone)
        if phone is None:
            return None, say("cli_events.marks_bad_phone", phone=raw_phone)
        found = next((m for m in roster if m.phone == phone), None)
        if found is None:
            return None, say("cli_events.marks_no_phone", phone=phone)
        if name and name != found.name:
            return None, say("cli_events.marks_phone_other", phone=phone, owner=found.name,
                             name=name)
        return found, None
    named = [m for m in roster if m.name == name]
    if not named:
        return None, say("cli_events.marks_no_name", name=name)
    if len(named) > 1:
        named = [m for m in named if m.id in expected] or named
        if len(named) > 1:
            phones = say("cli_events.list_separator").join(m.phone for m in named)
            return None, say("cli_events.marks_ambiguous", name=name, count=len(named),
                             phones=phones)
    return named[0], None


def read_marks(
    path: Path, roster: Sequence[Member], expected: Collection[int], event_id: int
) -> tuple[list[MarkRow], list[RowError]]:
    """Every good row and every problem of every bad one (a row can have several); a member
    given twice is reported on the later row. TableFileError when the file is unusable."""
    header: list[str] | None = None
    columns: dict[str, int] = {}
    rows: list[MarkRow] = []
    errors: list[RowError] = []
    first_line_of: dict[int, int] = {}
    for number, cells in read_lines(path):
        if header is None:
            header = cells
            columns = _columns(header)
            continue
        given = {column: cells[index] if index < len(cells) else ""
                 for column, index in columns.items()}
        problems: list[str] = []
        name, raw_phone = given.get("name", ""), given.get("phone", "")
        raw_status, reason = given.get("status", ""), given.get("reason", "")
        member = None
        if not name and not raw_phone:
            problems.append(say("cli_events.marks_nobody"))
        else:
            member, problem = _member_of(name, raw_phone, roster, expected)
            if problem is not None:
                problems.append(problem)
            elif member is not None and member.id not in expected:
                problems.append(say("cli_events.marks_not_expected", name=member.name,
                                    number=event_id))
        status = mark_status_of(raw_status) if raw_status else None
        if not raw_status:
            problems.append(say("cli_events.marks_no_status"))
        elif status is None:
            problems.append(say("cli_events.marks_bad_status", status=raw_status))
        if len(reason) > MAX_REASON:
            problems.append(say("cli_events.marks_long_reason", max=MAX_REASON))
        if member is not None:
            earlier = first_line_of.setdefault(member.id, number)
            if earlier != number:
                problems.append(say("cli_events.marks_twice", name=member.name,
                                    earlier=earlier))
        errors += [RowError(number, problem) for problem in problems]
        if not problems and member is not None and status is not None:
            rows.append(MarkRow(number, member, status, reason))
    if header is None:
        raise TableFileError(say("cli_events.marks_empty"))
    return rows, errors
