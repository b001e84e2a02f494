"""`liaison-bot proposals list | new | import FILE [--dry-run] | missing | set`: proposal
windows (提案征集) from the command line; the running bot announces and reminds."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.core.auth import Refused
from bot.core.cli import Namespace, Subcommands, UsageError, day_argument, local_minute, say
from bot.core.config import Config
from bot.core.phones import normalize_phone
from bot.core.tables import TableFileError
from bot.core.texts import columns
from bot.reminders.proposal_import import import_filings
from bot.reminders.proposals import ProposalReminder
from bot.reminders.service import ReminderService
from domain.models import Member
from domain.proposal_models import ProposalWindow, WindowStatus
from storage.db import Database

_STATUSES = {WindowStatus.OPEN: "cli_proposals.status_open",
             WindowStatus.CLOSED: "cli_proposals.status_closed"}


def _pad(text: str, width: int) -> str:
    """`text` padded with blanks to `width` terminal columns (a CJK character takes two)."""
    return text + " " * max(0, width - columns(text))


def _service(db: Database, config: Config) -> ReminderService:
    return ReminderService(db, config.zone, config.reminders)


def _problem(exc: Refused) -> str:
    return "proposals: " + say(f"proposal_problem.{exc.reason}",
                               limit=exc.limit or "", count=exc.length or "")


async def _window_of(service: ReminderService, window_id: int | None) -> ProposalWindow:
    """The window named, or the only open one."""
    if window_id is not None:
        return await service.proposals.window(window_id)
    open_ = await service.proposals.open_windows()
    if len(open_) != 1:
        raise UsageError(say("cli_proposals.no_open_window") if not open_ else
                         say("cli_proposals.several_open"))
    return open_[0]


async def list_cli(config: Config, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        windows = await service.proposals.repo.windows()
        if not windows:
            print(say("cli_proposals.none"), file=out)
        for window in windows:
            filed, proposals, everyone = await service.proposals.tally(window.id)
            planned = await service.repo.pending_keys(f"proposal:{window.id}:")
            upcoming = sorted(o.due_at for o in planned.values() if o.status.value == "due")
            following = local_minute(upcoming[0], config.zone) if upcoming else "-"
            print(say("cli_proposals.list_line", id=f"{window.id:>4}",
                      status=_pad(say(_STATUSES[window.status]), 6), opens=window.opens_on,
                      deadline=window.deadline, title=window.title, filed=filed,
                      everyone=everyone, proposals=proposals, next=following), file=out)
    return 0


async def new_cli(config: Config, title: str, opens: date, deadline: date, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        try:
            window = await service.proposals.open_window(None, title, opens, deadline)
        except Refused as exc:
            print(_problem(exc), file=out)
            return 2
        await service.plan()
        times = service.proposals.wanted(window, await service.calendar())
    print(say("cli_proposals.opened", id=window.id, opens=window.opens_on,
              deadline=window.deadline), file=out)
    for which, due in times.items():
        when = local_minute(due, config.zone) if due else "-"
        name = say("cli_proposals.push_open") if which is ProposalReminder.OPEN else which.value
        print(f"  {_pad(name, 5)} {when}", file=out)
    return 0


async def import_cli(config: Config, args: Namespace, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        try:
            window = await _window_of(service, args.window)
            found = await import_filings(service.proposals, None, window.id, Path(args.file),
                                         dry_run=args.dry_run)
        except (UsageError, TableFileError) as exc:
            print(f"proposals: {exc}", file=out)
            return 2
        except Refused as exc:
            print(_problem(exc), file=out)
            return 2
    print(say("cli_proposals.would_record" if args.dry_run else "cli_proposals.recorded",
              rows=found.rows, proposals=sum(found.counts.values()),
              members=len(found.counts), id=window.id, title=window.title), file=out)
    for problem in found.problems:
        print(f"  {problem}", file=out)
    if args.dry_run:
        print(say("cli_proposals.dry_run"), file=out)
    return 1 if found.problems else 0


async def missing_cli(config: Config, window_id: int | None, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        try:
            window = await _window_of(service, window_id)
            groups = await service.proposals.not_filed_by_group(None, window.id)
        except UsageError as exc:
            print(f"proposals: {exc}", file=out)
            return 2
        except Refused as exc:
            print(_problem(exc), file=out)
            return 2
    total = sum(len(members) for members in groups.values())
    print(say("cli_proposals.not_filed", id=window.id, title=window.title, count=total),
          file=out)
    for group, members in groups.items():
        print("  " + say("cli_proposals.not_filed_group",
                         group=group or say("cli_proposals.no_group"), count=len(members),
                         names="、".join(m.name for m in members)), file=out)
    return 0


async def set_cli(config: Config, args: Namespace, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        try:
            window = await _window_of(service, args.window)
            member = await _member_named(service, args.member)
            await service.proposals.correct_count(None, window.id, member, args.count)
        except UsageError as exc:
            print(f"proposals: {exc}", file=out)
            return 2
        except Refused as exc:
            print(_problem(exc), file=out)
            return 2
    print(say("cli_proposals.count_set", name=member.name, count=args.count, id=window.id),
          file=out)
    return 0


async def _member_named(service: ReminderService, text: str) -> Member:
    phone = normalize_phone(text)
    found = [m for m in await service.proposals.repo.filers()
             if m.phone == phone or m.name == text.strip()]
    if len(found) != 1:
        raise UsageError(say("cli_proposals.no_such_member" if not found
                             else "cli_proposals.several_members", text=text))
    return found[0]


def add_commands(commands: Subcommands) -> None:
    """`proposals …` under the `liaison-bot` command."""
    pro = commands.add_parser(
        "proposals", help=say("cli_proposals.help"), description=say("cli_proposals.help_full")
    ).add_subparsers(dest="proposals_command", required=True, metavar="COMMAND",
                     title=say("cli.commands"))
    pro.add_parser("list", help=say("cli_proposals.help_list"),
                   description=say("cli_proposals.help_list")).set_defaults(
        func=lambda c, a: list_cli(c, sys.stdout))
    new = pro.add_parser("new", help=say("cli_proposals.help_new"),
                         description=say("cli_proposals.help_new"))
    new.add_argument("--title", required=True, help=say("cli_proposals.help_title"))
    new.add_argument("--opens", type=day_argument, required=True,
                     help=say("cli_proposals.help_opens"))
    new.add_argument("--deadline", type=day_argument, required=True,
                     help=say("cli_proposals.help_deadline"))
    new.set_defaults(func=lambda c, a: new_cli(c, a.title, a.opens, a.deadline, sys.stdout))
    imp = pro.add_parser("import", help=say("cli_proposals.help_import"),
                         description=say("cli_proposals.help_import_full"))
    imp.add_argument("file", metavar="FILE", help=say("cli_proposals.help_file"))
    imp.add_argument("--window", type=int, metavar="ID", help=say("cli_proposals.help_window"))
    imp.add_argument("--dry-run", action="store_true", help=say("cli_proposals.help_dry_run"))
    imp.set_defaults(func=lambda c, a: import_cli(c, a, sys.stdout))
    missing = pro.add_parser("missing", help=say("cli_proposals.help_missing"),
                             description=say("cli_proposals.help_missing"))
    missing.add_argument("--window", type=int, metavar="ID",
                         help=say("cli_proposals.help_window"))
    missing.set_defaults(func=lambda c, a: missing_cli(c, a.window, sys.stdout))
    cset = pro.add_parser("set", help=say("cli_proposals.help_set"),
                          description=say("cli_proposals.help_set"))
    cset.add_argument("member", metavar="MEMBER", help=say("cli_proposals.help_member"))
    cset.add_argument("count", type=int, metavar="COUNT", help=say("cli_proposals.help_count"))
    cset.add_argument("--window", type=int, metavar="ID", help=say("cli_proposals.help_window"))
    cset.set_defaults(func=lambda c, a: set_cli(c, a, sys.stdout))
