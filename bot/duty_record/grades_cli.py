"""`liaison-bot duty grade` (作风表现 and 群众满意度, entered by staff) and `export duty` (the
履职登记表) from the command line. To be folded into bot/duty_record/cli.py with `duty digest`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.core.auth import Refused
from bot.core.cli import Namespace, Subcommands, UsageError
from bot.core.config import Config
from bot.duty_record.export import export_duty_cli, member_by_phone, parse_year
from bot.duty_record.service import DutyProblem, DutyRecordService
from storage.db import Database
from storage.duty_models import Dimension
from storage.members import MemberRepository

_NAMES = {Dimension.CONDUCT: "conduct (作风表现)",
          Dimension.SATISFACTION: "satisfaction (群众满意度)"}


def _refusal(refused: Refused) -> str:
    if refused.reason is DutyProblem.BAD_GRADE:
        return f"the grade must be 1 to {refused.limit} characters (e.g. 优秀, 95, A)"
    if refused.reason is DutyProblem.REMARKS_TOO_LONG:
        return f"--remarks is {refused.length} characters; at most {refused.limit}"
    if refused.reason is DutyProblem.BAD_YEAR:
        return f"--year: give a year from 2000 to {refused.limit}"
    return "no such member (staff have no duty record)"


async def grade_cli(
    config: Config, *, year: str | None, member: str, conduct: str | None,
    satisfaction: str | None, remarks: str, out: TextIO,
) -> int:
    """Record one grade of a member's year (audited) and say what it replaced; 0, or 2 with
    one line saying what was wrong."""
    if (conduct is None) == (satisfaction is None):
        print("duty grade: give either --conduct or --satisfaction (one grade at a time)",
              file=out)
        return 2
    dimension = Dimension.CONDUCT if conduct is not None else Dimension.SATISFACTION
    grade = conduct if conduct is not None else satisfaction
    assert grade is not None
    async with Database(config.storage.path, config.clock) as db:
        members = MemberRepository(db)
        service = DutyRecordService(db, members, config.zone, config.duty_record)
        try:
            chosen = parse_year(year, service.today().year)
            member_id = await member_by_phone(members, member)
            before = await service.set_grade(None, member_id, chosen, dimension, grade, remarks)
        except UsageError as exc:
            print(f"duty grade: {exc}", file=out)
            return 2
        except Refused as refused:
            print(f"duty grade: {_refusal(refused)}", file=out)
            return 2
        found = await members.by_id(member_id)
    assert found is not None
    old = f"{before.grade}" + (f" ({before.remarks})" if before.remarks else "") if before \
        else "(none)"
    new = grade.strip() + (f" ({' '.join(remarks.split())})" if remarks.strip() else "")
    print(f"{_NAMES[dimension]} of {found.name} ({found.phone}) for {chosen}: {old} → {new}",
          file=out)
    return 0


async def _grade(config: Config, args: Namespace) -> int:
    return await grade_cli(
        config, year=args.year, member=args.member, conduct=args.conduct,
        satisfaction=args.satisfaction, remarks=args.remarks, out=sys.stdout,
    )


def add_grade_command(duty: Subcommands) -> None:
    """`grade` under `liaison-bot duty`."""
    grade = duty.add_parser("grade", help="record 作风表现 or 群众满意度 of a member's year")
    grade.add_argument("--year", help="the year (default: this year)")
    grade.add_argument("--member", required=True, help="the member's phone number")
    grade.add_argument("--conduct", help="作风表现: a grade or score, e.g. 优秀")
    grade.add_argument("--satisfaction", help="群众满意度: a grade or score, e.g. 95")
    grade.add_argument("--remarks", default="", help="a line of remarks (at most 200 characters)")
    grade.set_defaults(func=_grade)


async def _export(config: Config, args: Namespace) -> int:
    return await export_duty_cli(config, Path(args.out), year=args.year, group=args.group,
                                 member=args.member, out=sys.stdout)


def add_exports(exports: Subcommands) -> None:
    """`export duty` under the `liaison-bot` command."""
    duty = exports.add_parser("duty", help="the 履职登记表: every member's year (.xlsx)")
    duty.add_argument("--year", help="the year (default: this year)")
    duty.add_argument("--group", help="only this activity group's members")
    duty.add_argument("--member", help="only this member (phone number)")
    duty.add_argument("--out", required=True, help="FILE.xlsx")
    duty.set_defaults(func=_export)
