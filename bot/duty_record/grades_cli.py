"""`liaison-bot duty grade` (作风表现 and 群众满意度, entered by staff), `duty grades import |
template` (the grades of every member in one file, bot/duty_record/grades.py) and `export duty`
(the 履职登记表) from the command line. To be folded into bot/duty_record/cli.py with `duty
digest`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.core.auth import Refused
from bot.core.cli import Namespace, Subcommands, UsageError, say
from bot.core.config import Config
from bot.core.tables import RowError, TableFileError, print_row_errors
from bot.duty_record.export import export_duty_cli, member_by_phone, parse_year
from bot.duty_record.grades import (
    CLEAR_REMARKS,
    GradeEntry,
    plan_grades,
    read_grades,
    save_template,
    template_rows,
)
from bot.duty_record.service import FIRST_YEAR, DutyProblem, DutyRecordService
from domain.duty_models import Dimension, Grade
from domain.models import Member
from storage.db import Database
from storage.members import MemberRepository

_NAMES = {Dimension.CONDUCT: "cli_duty.conduct", Dimension.SATISFACTION: "cli_duty.satisfaction"}


def _refusal(refused: Refused, choices: list[str] | None = None) -> str:
    if refused.reason is DutyProblem.BAD_GRADE:
        return say("cli_duty.bad_grade",
                   choices=say("cli_duty.separator").join(choices or []))
    if refused.reason is DutyProblem.REMARKS_TOO_LONG:
        return say("cli_duty.remarks_too_long", length=refused.length, limit=refused.limit)
    if refused.reason is DutyProblem.BAD_YEAR:
        return say("cli_duty.year_out_of_range", first=FIRST_YEAR, last=refused.limit)
    return say("cli_duty.no_such_member")


def _with_remarks(grade: str, remarks: str) -> str:
    return say("cli_duty.with_remarks", grade=grade, remarks=remarks) if remarks else grade


def describe_change(member: Member, dimension: Dimension, year: int, before: Grade | None,
                    grade: str, remarks: str, given: str | None) -> str:
    """"鲍勃（138…）2025年作风表现：优秀（积极参加） → 良好（积极参加）；备注保留" ("conduct
    (作风表现) of 鲍勃 (138…) for 2025: 优秀 (积极参加) → 良好 (积极参加); remarks kept"): old →
    new, and what became of the earlier remarks (`given`: the remarks given, None for
    none)."""
    old = (_with_remarks(before.grade, before.remarks) if before is not None
           else say("cli_duty.no_grade"))
    line = say("cli_duty.change", what=say(_NAMES[dimension]), name=member.name,
               phone=member.phone, year=year, old=old, new=_with_remarks(grade, remarks))
    if before is not None and before.remarks:
        if given is None:
            line += say("cli_duty.remarks_kept")
        elif not given:
            line += say("cli_duty.remarks_cleared")
        elif given != before.remarks:
            line += say("cli_duty.remarks_changed")
    return line


async def grade_cli(
    config: Config, *, year: str | None, member: str, conduct: str | None,
    satisfaction: str | None, remarks: str | None, out: TextIO,
) -> int:
    """Record one grade of a member's year (audited) and say what it replaced and what became
    of the earlier remarks (kept when `remarks` is None; "" or "-" deletes them); 0, or 2
    with one line saying what was wrong."""
    if (conduct is None) == (satisfaction is None):
        print("duty grade: " + say("cli_duty.one_grade"), file=out)
        return 2
    dimension = Dimension.CONDUCT if conduct is not None else Dimension.SATISFACTION
    grade = conduct if conduct is not None else satisfaction
    assert grade is not None
    given = None if remarks is None else "" if remarks.strip() in CLEAR_REMARKS \
        else " ".join(remarks.split())
    async with Database(config.storage.path, config.clock) as db:
        members = MemberRepository(db)
        service = DutyRecordService(db, members, config.zone, config.duty_record)
        try:
            chosen = parse_year(year, service.today().year)
            member_id = await member_by_phone(members, member)
            before = await service.set_grade(None, member_id, chosen, dimension, grade, given)
        except UsageError as exc:
            print(f"duty grade: {exc}", file=out)
            return 2
        except Refused as refused:
            print(f"duty grade: {_refusal(refused, service.grade_choices(dimension))}",
                  file=out)
            return 2
        found = await members.by_id(member_id)
        after = next(g for g in await service.repo.grades(chosen, [member_id])
                     if g.dimension is dimension)
    assert found is not None
    print(describe_change(found, dimension, chosen, before, after.grade, after.remarks, given),
          file=out)
    return 0


def _entry_line(entry: GradeEntry, year: int) -> str:
    mark = "~" if entry.before is not None else "+"
    return f"  {mark} " + str(RowError(entry.line, describe_change(
        entry.member, entry.write.dimension, year, entry.before, entry.write.grade,
        entry.remarks, entry.write.remarks)))


async def import_grades_cli(config: Config, path: Path, *, year: str | None, dry_run: bool,
                            out: TextIO) -> int:
    """`liaison-bot duty grades import FILE [--year Y] [--dry-run]`: every grade of the file
    written in one transaction, each audited, or, when a row is bad, every problem of every
    bad row and nothing written (1); 2 for a bad --year."""
    try:
        sheet = read_grades(path)
    except TableFileError as exc:
        print(say("cli_duty.file_problem", path=path, problem=exc), file=out)
        return 1
    async with Database(config.storage.path, config.clock) as db:
        service = DutyRecordService(db, MemberRepository(db), config.zone, config.duty_record)
        try:
            chosen = parse_year(year, service.today().year)
        except UsageError as exc:
            print(f"duty grades import: {exc}", file=out)
            return 2
        if sheet.year is not None and sheet.year != chosen:
            print(say("cli_duty.sheet_of_year", path=path, sheet=sheet.sheet, year=sheet.year),
                  file=out)
            return 1
        plan = await plan_grades(service, chosen, sheet.rows)
        if plan.errors:
            print_row_errors(plan.errors, out)
            return 1
        entries = plan.entries
        if not dry_run and entries:
            try:
                done = await service.set_grades(None, chosen, [e.write for e in entries],
                                                source=path.name)
            except Refused as refused:
                print(f"duty grades import: {_refusal(refused)}", file=out)
                return 2
            entries = [GradeEntry(e.line, e.member, e.write, before)
                       for e, (before, _) in zip(entries, done, strict=True)]
    for entry in entries:
        print(_entry_line(entry, chosen), file=out)
    empty = say("cli_duty.rows_without_grade", count=plan.empty) if plan.empty else ""
    print(say("cli_duty.grades_dry_run" if dry_run else "cli_duty.grades_set", year=chosen,
              count=len(entries), unchanged=plan.unchanged, empty=empty), file=out)
    return 0


async def grades_template_cli(config: Config, target: Path, *, year: str | None,
                              out: TextIO) -> int:
    """`liaison-bot duty grades template [--year Y] --out FILE.xlsx`: the members of the year
    with their grades, to fill in and import; 0, or 2 with one line saying what was wrong."""
    if target.suffix.lower() != ".xlsx":
        print("duty grades template: " + say("cli_duty.template_name_xlsx", name=target.name),
              file=out)
        return 2
    async with Database(config.storage.path, config.clock) as db:
        service = DutyRecordService(db, MemberRepository(db), config.zone, config.duty_record)
        try:
            chosen = parse_year(year, service.today().year)
        except UsageError as exc:
            print(f"duty grades template: {exc}", file=out)
            return 2
        rows = await template_rows(service, chosen)
        choices = {dimension: service.grade_choices(dimension) for dimension in Dimension}
    try:
        await save_template(target, chosen, rows, choices)
    except OSError as exc:
        print("duty grades template: " + say("cli_duty.cannot_write", path=target,
                                             error=exc.strerror or exc), file=out)
        return 2
    print(say("cli_duty.template_written", path=target, count=len(rows), year=chosen),
          file=out)
    return 0


async def _grade(config: Config, args: Namespace) -> int:
    return await grade_cli(
        config, year=args.year, member=args.member, conduct=args.conduct,
        satisfaction=args.satisfaction, remarks=args.remarks, out=sys.stdout,
    )


def add_grade_command(duty: Subcommands) -> None:
    """`grade` under `liaison-bot duty`."""
    grade = duty.add_parser("grade", help=say("cli_duty.help_grade"),
                            description=say("cli_duty.help_grade_full"))
    grade.add_argument("--year", metavar="YEAR", help=say("cli_duty.help_year"))
    grade.add_argument("--member", required=True, metavar="PHONE",
                       help=say("cli_duty.help_member"))
    grade.add_argument("--conduct", help=say("cli_duty.help_conduct"))
    grade.add_argument("--satisfaction", help=say("cli_duty.help_satisfaction"))
    grade.add_argument("--remarks", help=say("cli_duty.help_remarks"))
    grade.set_defaults(func=_grade)


async def _import(config: Config, args: Namespace) -> int:
    return await import_grades_cli(config, Path(args.file), year=args.year,
                                   dry_run=args.dry_run, out=sys.stdout)


async def _template(config: Config, args: Namespace) -> int:
    return await grades_template_cli(config, Path(args.out), year=args.year, out=sys.stdout)


def add_grades_commands(duty: Subcommands) -> None:
    """`grades import | template` under `liaison-bot duty`."""
    grades = duty.add_parser(
        "grades", help=say("cli_duty.help_grades"), description=say("cli_duty.help_grades"),
    ).add_subparsers(dest="grades_command", required=True, metavar="COMMAND",
                     title=say("cli.commands"))
    imp = grades.add_parser("import", help=say("cli_duty.help_grades_import"),
                            description=say("cli_duty.help_grades_import_full"))
    imp.add_argument("file", metavar="FILE", help=say("cli_duty.help_grades_file"))
    imp.add_argument("--year", metavar="YEAR", help=say("cli_duty.help_year"))
    imp.add_argument("--dry-run", action="store_true", help=say("cli_duty.help_dry_run"))
    imp.set_defaults(func=_import)
    template = grades.add_parser("template", help=say("cli_duty.help_template"),
                                 description=say("cli_duty.help_template"))
    template.add_argument("--year", metavar="YEAR", help=say("cli_duty.help_year"))
    template.add_argument("--out", required=True, metavar="FILE.xlsx",
                          help=say("cli_duty.help_template_out"))
    template.set_defaults(func=_template)


async def _export(config: Config, args: Namespace) -> int:
    return await export_duty_cli(config, Path(args.out), year=args.year, group=args.group,
                                 member=args.member, out=sys.stdout)


def add_exports(exports: Subcommands) -> None:
    """`export duty` under the `liaison-bot` command."""
    duty = exports.add_parser("duty", help=say("cli_duty.help_export"),
                              description=say("cli_duty.help_export_full"))
    duty.add_argument("--year", metavar="YEAR", help=say("cli_duty.help_year"))
    duty.add_argument("--group", metavar="G", help=say("cli_duty.help_export_group"))
    duty.add_argument("--member", metavar="PHONE", help=say("cli_duty.help_export_member"))
    duty.add_argument("--out", required=True, metavar="FILE.xlsx",
                      help=say("cli_duty.help_export_out"))
    duty.set_defaults(func=_export)
