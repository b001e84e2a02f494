"""`liaison-bot duty …`: the duty record from the command line. `duty digest off|on --group G`
switches a group's weekly digest (audited) and prints its state. Each verb is a subparser of
`duty` added by its own small function below (`duty grade` and others join the same way)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.core.auth import Refused
from bot.core.cli import Subcommands, say
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
            known = say("cli_duty.separator").join(
                g.name for g in await service.duty.repo.digest_switches())
            print("duty digest: " + say("cli.unknown_group", names=group,
                                        known=known or say("cli.no_groups_yet")), file=out)
            return 2
    chat = say("cli_duty.chat_bound" if switch.chat_id is not None else "cli_duty.chat_unbound")
    print(say("cli_duty.digest_off" if switch.digest_off else "cli_duty.digest_on",
              name=switch.name, chat=chat), file=out)
    return 0


def _add_digest(duty: Subcommands) -> None:
    digest = duty.add_parser("digest", help=say("cli_duty.help_digest"),
                             description=say("cli_duty.help_digest_full"))
    digest.add_argument("state", choices=["off", "on"], help=say("cli_duty.help_state"))
    digest.add_argument("--group", required=True, metavar="G", help=say("cli_duty.help_group"))
    digest.set_defaults(
        func=lambda c, a: digest_cli(c, a.group, a.state == "on", sys.stdout))


def add_commands(commands: Subcommands) -> Subcommands:
    """`duty …` under the `liaison-bot` command; returns its subparsers for more verbs."""
    parser = commands.add_parser("duty", help=say("cli_duty.help"),
                                 description=say("cli_duty.help"))
    duty: Subcommands = parser.add_subparsers(dest="duty_command", required=True,
                                              metavar="COMMAND", title=say("cli.commands"))
    _add_digest(duty)
    grades_cli.add_grade_command(duty)
    grades_cli.add_grades_commands(duty)
    return duty


def add_exports(export: Subcommands) -> None:
    """`export duty …`: the 履职登记表."""
    grades_cli.add_exports(export)

