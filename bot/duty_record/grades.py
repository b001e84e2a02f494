"""Grades in bulk (作风表现, 群众满意度), Telegram-free: a spreadsheet of them read and checked
the way the roster import checks its file — every problem of every row found in one pass, with
the row's number as the spreadsheet shows it, and nothing written when there is one — the
changes it would make, and the template to fill in: the members of a year, pre-filled with
their grades, the allowed grades as drop-down lists.

The file has a row per member: 姓名 and/or 手机号 (the phone decides; a name alone must name
one member of the year), 作风表现 and 作风表现备注, 群众满意度 and 群众满意度备注 (one remarks
column per grade, as the 履职登记表 has them; English headers too). An empty grade leaves that
grade as it is; empty remarks keep the ones on record, "-" deletes them. A grade equal to the
one on record with the same remarks is unchanged and not written again.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.cli import say
from bot.core.phones import normalize_roster_phone
from bot.core.tables import RowError, TableFileError, read_lines
from bot.core.texts import DEFAULT_LANGUAGE, LANGUAGES, plain
from bot.duty_record.service import MAX_REMARKS, DutyRecordService
from domain.duty_models import Dimension, Grade, Scope
from domain.models import Member, Role
from storage.duty_record import GradeWrite

# Remarks that delete the ones on record.
CLEAR_REMARKS = frozenset({"-", "—", "——", "--"})
# The template's drop-down lists reach this row at least (room for rows added by hand).
TEMPLATE_ROWS = 1000
_NOT_ASSESSED = (Role.STAFF, Role.ADMIN)

# column → the catalog text of its header (in every language), and more names accepted
_CATALOG_HEADERS = {
    "name": "duty_export.col_name",
    "phone": "duty_export.col_phone",
    "group": "duty_export.col_group",
    "conduct": "duty_export.col_conduct",
    "conduct_remarks": "duty_export.col_conduct_remarks",
    "satisfaction": "duty_export.col_satisfaction",
    "satisfaction_remarks": "duty_export.col_satisfaction_remarks",
    "remarks": "duty_export.col_remarks",  # refused: whose remarks?
}
_MORE_HEADERS = {
    "name": ("name",),
    "phone": ("phone", "手机", "手机号码", "电话"),
    "group": ("group", "小组"),
    "conduct": ("conduct",),
    "conduct_remarks": ("conduct remarks",),
    "satisfaction": ("satisfaction",),
    "satisfaction_remarks": ("satisfaction remarks",),
    "remarks": ("remarks",),
}
_GRADE_COLUMNS = {Dimension.CONDUCT: ("conduct", "conduct_remarks"),
                  Dimension.SATISFACTION: ("satisfaction", "satisfaction_remarks")}


def column_title(column: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A column's header as the template writes it (作风表现备注)."""
    return plain(language, _CATALOG_HEADERS[column])


def _header_names() -> dict[str, set[str]]:
    names = {column: {name.lower() for name in more} for column, more in _MORE_HEADERS.items()}
    for column, key in _CATALOG_HEADERS.items():
        names[column] |= {plain(language, key).lower() for language in LANGUAGES}
    return names


@dataclass(frozen=True)
class GradeRow:
    """A line of the file with something in it: who, and per grade (typed, remarks typed)."""

    line: int
    name: str
    phone: str
    grades: dict[Dimension, tuple[str, str]]


@dataclass(frozen=True)
class GradesFile:
    rows: list[GradeRow]
    sheet: str | None  # the first sheet's name (a .xlsx file)
    year: int | None  # the year the sheet is named after, as the template names it


def sheet_name(year: int, language: str = DEFAULT_LANGUAGE) -> str:
    return plain(language, "duty_export.grades_sheet", year=year)


def _year_of_sheet(title: str | None) -> int | None:
    if title is None:
        return None
    for language in LANGUAGES:
        pattern = re.escape(plain(language, "duty_export.grades_sheet", year="{year}")).replace(
            re.escape("{year}"), r"(\d{4})")
        found = re.fullmatch(pattern, title.strip())
        if found:
            return int(found[1])
    return None


def _first_sheet(path: Path) -> str | None:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return workbook.sheetnames[0] if workbook.sheetnames else None
    finally:
        workbook.close()


def _columns(header: list[str]) -> dict[str, int]:
    names = _header_names()
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = title.lower()
        for column, accepted in names.items():
            if key in accepted:
                if column in columns:
                    raise TableFileError(say("cli_duty.column_twice", title=title))
                columns[column] = index
    if "remarks" in columns:
        raise TableFileError(say(
            "cli_duty.remarks_column", title=header[columns["remarks"]],
            conduct=column_title("conduct_remarks"),
            satisfaction=column_title("satisfaction_remarks")))
    if "name" not in columns and "phone" not in columns:
        raise TableFileError(say("cli_duty.needs_column", first=column_title("name"),
                                 second=column_title("phone")))
    if "conduct" not in columns and "satisfaction" not in columns:
        raise TableFileError(say("cli_duty.needs_column", first=column_title("conduct"),
                                 second=column_title("satisfaction")))
    return columns


def read_grades(path: Path) -> GradesFile:
    """The rows of a grades file (.xlsx or .csv); TableFileError when it cannot be used."""
    lines = read_lines(path)
    if not lines:
        raise TableFileError(say("cli_duty.empty"))
    columns = _columns(lines[0][1])

    def cell(cells: list[str], column: str) -> str:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    rows = [
        GradeRow(number, cell(cells, "name"), cell(cells, "phone"),
                 {dimension: (cell(cells, grade), cell(cells, remarks))
                  for dimension, (grade, remarks) in _GRADE_COLUMNS.items()})
        for number, cells in lines[1:]
    ]
    title = _first_sheet(path)
    return GradesFile(rows, title, _year_of_sheet(title))


# -- checking and planning ----------------------------------------------------------------
@dataclass(frozen=True)
class GradeEntry:
    """A grade the file sets: the row, the member, what it writes and what it replaces."""

    line: int
    member: Member
    write: GradeWrite
    before: Grade | None

    @property
    def remarks(self) -> str:
        """The remarks on record once written."""
        if self.write.remarks is not None:
            return self.write.remarks
        return self.before.remarks if self.before is not None else ""


@dataclass
class GradesPlan:
    year: int
    entries: list[GradeEntry] = field(default_factory=list)
    unchanged: int = 0  # grades in the file equal to the ones on record
    empty: int = 0  # rows of a member with no grade in them
    errors: list[RowError] = field(default_factory=list)


def _key(name: str) -> str:
    """A name as compared: without spaces ("王  强" aligned by hand is 王强)."""
    return "".join(name.split())


class _Roster:
    """The members as the rows name them: by phone (anyone), by name (those of the year)."""

    def __init__(self, members: Sequence[Member], of_year: set[int], year: int) -> None:
        self.year = year
        self.of_year = of_year
        self.by_phone = {member.phone: member for member in members}
        self.by_name: dict[str, list[Member]] = {}
        for member in members:
            if member.id in of_year:
                self.by_name.setdefault(_key(member.name), []).append(member)

    def find(self, row: GradeRow) -> tuple[Member | None, str | None]:
        """The member of the row, or why there is none."""
        if row.phone:
            phone = normalize_roster_phone(row.phone)
            if phone is None:
                return None, say("cli_duty.bad_phone", text=row.phone)
            member = self.by_phone.get(phone)
            if member is None:
                return None, say("cli_duty.phone_not_on_roster", phone=phone)
            if member.role in _NOT_ASSESSED:
                return None, say("cli_duty.row_is_staff", name=member.name, phone=member.phone)
            if row.name and _key(row.name) != _key(member.name):
                return None, say("cli_duty.phone_of_another", phone=phone, owner=member.name,
                                 name=row.name)
            if member.id not in self.of_year:
                return None, say("cli_duty.not_in_year", name=member.name, phone=member.phone,
                                 year=self.year)
            return member, None
        if not row.name:
            return None, say("cli_duty.no_name_or_phone")
        found = self.by_name.get(_key(row.name), [])
        if not found:
            return None, say("cli_duty.name_not_on_roster", name=row.name)
        if len(found) > 1:
            phones = say("cli_duty.separator").join(member.phone for member in found)
            return None, say("cli_duty.several_named", count=len(found), name=row.name,
                             phones=phones)
        return found[0], None


def _remarks(typed: str) -> str | None:
    """Remarks as typed: None (empty) keeps the ones on record, "" deletes them."""
    if not typed:
        return None
    return "" if typed in CLEAR_REMARKS else " ".join(typed.split())


async def plan_grades(service: DutyRecordService, year: int,
                      rows: Sequence[GradeRow]) -> GradesPlan:
    """What importing the rows for `year` would write, or every problem of every bad row."""
    ids = set(await service.repo.member_ids(service.span(year), Scope()))
    roster = _Roster(await service.members.list_members(), ids, year)
    on_record = {(grade.member_id, grade.dimension): grade
                 for grade in await service.repo.grades(year)}
    plan = GradesPlan(year)
    first_line: dict[int, int] = {}
    for row in rows:
        problems: list[str] = []
        member, problem = roster.find(row)
        if problem is not None:
            problems.append(problem)
        elif member is not None:
            earlier = first_line.setdefault(member.id, row.line)
            if earlier != row.line:
                problems.append(say("cli_duty.same_member", line=earlier, name=member.name,
                                    phone=member.phone))
        entries: list[GradeEntry] = []
        unchanged = 0
        for dimension, (typed, typed_remarks) in row.grades.items():
            grade_title, remarks_title = (column_title(c) for c in _GRADE_COLUMNS[dimension])
            remarks = _remarks(typed_remarks)
            if not typed:
                if remarks is not None:
                    problems.append(say("cli_duty.remarks_without_grade",
                                        remarks=remarks_title, grade=grade_title))
                continue
            before = on_record.get((member.id, dimension)) if member is not None else None
            grade = service.allowed_grade(dimension, typed)
            if before is not None and (grade or typed) == before.grade \
                    and (remarks is None or remarks == before.remarks):
                unchanged += 1  # as on record (even a grade no longer allowed)
                continue
            if grade is None:
                choices = say("cli_duty.separator").join(service.grade_choices(dimension))
                problems.append(say("cli_duty.grade_not_allowed", grade=grade_title, text=typed,
                                    choices=choices))
            if remarks is not None and len(remarks) > MAX_REMARKS:
                problems.append(say("cli_duty.remarks_too_long_in_row", remarks=remarks_title,
                                    length=len(remarks), limit=MAX_REMARKS))
            if member is not None and grade is not None:
                entries.append(GradeEntry(row.line, member,
                                          GradeWrite(member.id, dimension, grade, remarks),
                                          before))
        if problems:
            plan.errors += [RowError(row.line, problem) for problem in problems]
            continue
        plan.entries += entries
        plan.unchanged += unchanged
        if not entries and not unchanged:
            plan.empty += 1
    return plan


# -- the template -------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateRow:
    member: Member
    grades: dict[Dimension, Grade]


async def template_rows(service: DutyRecordService, year: int) -> list[TemplateRow]:
    """The members of `year` (not staff; those who left during it too), by group as the
    roster lists them, then as they were added, with their grades of the year."""
    ids = set(await service.repo.member_ids(service.span(year), Scope()))
    members = [m for m in await service.members.list_members() if m.id in ids]
    members.sort(key=lambda m: (m.group_id is None, m.group_id or 0, m.id))
    grades: dict[int, dict[Dimension, Grade]] = {}
    for grade in await service.repo.grades(year):
        grades.setdefault(grade.member_id, {})[grade.dimension] = grade
    return [TemplateRow(member, grades.get(member.id, {})) for member in members]


_TEMPLATE_COLUMNS = ("name", "phone", "group", "conduct", "conduct_remarks", "satisfaction",
                     "satisfaction_remarks")
_WIDTHS = (12, 15, 16, 12, 30, 12, 30)


def write_template(target: Path, year: int, rows: Sequence[TemplateRow],
                   choices: dict[Dimension, list[str]],
                   language: str = DEFAULT_LANGUAGE) -> None:
    """The template as a .xlsx file: a sheet to fill (named after the year, which the import
    checks), its grade columns drop-down lists of `choices` with a note in their header, and
    a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    def t(key: str, **values: object) -> str:
        return plain(language, f"duty_export.grades_{key}", **values)

    listed = {d: t("separator").join(c) for d, c in choices.items()}
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_name(year, language)
    sheet.append([column_title(column, language) for column in _TEMPLATE_COLUMNS])
    for row in rows:
        member = row.member
        cells: list[object] = [member.name, member.phone, member.group_name or ""]
        for dimension in Dimension:
            grade = row.grades.get(dimension)
            cells += [grade.grade, grade.remarks or None] if grade else [None, None]
        sheet.append(cells)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        for cell in sheet[get_column_letter(index)][1:]:
            cell.number_format = "@"  # text: a phone stays a phone
    sheet.freeze_panes = "A2"
    last = max(TEMPLATE_ROWS, len(rows) + 1)
    author = t("author")
    for dimension, (grade_column, remarks_column) in _GRADE_COLUMNS.items():
        grade_letter = get_column_letter(_TEMPLATE_COLUMNS.index(grade_column) + 1)
        remarks_letter = get_column_letter(_TEMPLATE_COLUMNS.index(remarks_column) + 1)
        title = column_title(grade_column, language)
        validation = DataValidation(
            type="list", formula1='"' + ",".join(choices[dimension]) + '"', allow_blank=True,
            showDropDown=False, showInputMessage=True, showErrorMessage=True,
            promptTitle=title[:32], prompt=t("prompt", choices=listed[dimension])[:255],
            errorTitle=title[:32], error=t("error", choices=listed[dimension])[:255],
        )
        validation.add(f"{grade_letter}2:{grade_letter}{last}")
        sheet.add_data_validation(validation)
        sheet[f"{grade_letter}1"].comment = Comment(
            t("note_grade", choices=listed[dimension]), author, width=240, height=90)
        sheet[f"{remarks_letter}1"].comment = Comment(
            t("note_remarks", limit=MAX_REMARKS), author, width=240, height=90)
    help_sheet = workbook.create_sheet(t("sheet_help"))
    help_lines = [
        t("help_title", year=year),
        t("help_rows"),
        t("help_grades", conduct=listed[Dimension.CONDUCT],
          satisfaction=listed[Dimension.SATISFACTION]),
        t("help_remarks", limit=MAX_REMARKS),
        t("help_import", year=year, file=target.name),
    ]
    for line in help_lines:
        help_sheet.append([line])
    help_sheet["A1"].font = Font(bold=True)
    help_sheet.column_dimensions["A"].width = 100
    workbook.save(target)


async def save_template(target: Path, year: int, rows: Sequence[TemplateRow],
                        choices: dict[Dimension, list[str]]) -> None:
    """write_template off the event loop."""
    await asyncio.to_thread(write_template, target, year, rows, choices)
