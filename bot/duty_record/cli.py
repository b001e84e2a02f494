"""`liaison-bot duty …`: the duty record from the command line. `duty digest off|on --group G`
switches a group's weekly digest (audited) and prints its state. Each verb is a subparser of
`duty` added by its own small function below (`duty grade` and others join the same way)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.core.auth import Refused
from bot.core.cli import Subcommands
from bot.core.config import Config
from bot.duty_record import grades_cli
from bot.duty_record.digest import DigestService
from bot.duty_record.service import DutyRecordService
from bot.reminders.service import ReminderService
from storage.db import Database
from storage.members import MemberRepository


def _digest_service(db: Database, config: Config) -> DigestService:
    duty = DutyRecordService(db, MemberRepository(db), config.zone, config.duty_record)
    return DigestService(duty, ReminderService(db, config.zone, config.reminders))


async def digest_cli(config: Config, group: str, on: bool, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _digest_service(db, config)
        try:
            switch = await service.set_digest(None, group, on)
        except Refused:
            known = ", ".join(g.name for g in await service.duty.repo.digest_switches())
            print(f"duty digest: unknown group {group!r} (known: {known or 'none'})",
                  file=out)
            return 2
    chat = "bound to a group chat" if switch.chat_id is not None else "no group chat bound"
    state = "off" if switch.digest_off else "on"
    print(f"{switch.name}: weekly digest {state} ({chat})", file=out)
    return 0


def _add_digest(duty: Subcommands) -> None:
    digest = duty.add_parser("digest", help="switch a group's weekly digest off or on")
    digest.add_argument("state", choices=["off", "on"])
    digest.add_argument("--group", required=True, help="the group's name, e.g. 第一活动组")
    digest.set_defaults(
        func=lambda c, a: digest_cli(c, a.group, a.state == "on", sys.stdout))


def add_commands(commands: Subcommands) -> Subcommands:
    """`duty …` under the `liaison-bot` command; returns its subparsers for more verbs."""
    parser = commands.add_parser("duty", help="the duty record (履职档案)")
    duty: Subcommands = parser.add_subparsers(dest="duty_command", required=True)
    _add_digest(duty)
    grades_cli.add_grade_command(duty)
    grades_cli.add_grades_commands(duty)
    return duty


def add_exports(export: Subcommands) -> None:
    """`export duty …`: the 履职登记表."""
    grades_cli.add_exports(export)

