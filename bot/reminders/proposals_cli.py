"""`liaison-bot proposals list | new | import FILE [--dry-run] | missing | set`: proposal
windows (提案征集) from the command line; the running bot announces and reminds."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.core.auth import Refused
from bot.core.cli import Namespace, Subcommands, UsageError, day_argument
from bot.core.config import Config
from bot.core.phones import normalize_phone
from bot.core.tables import TableFileError
from bot.core.texts import plain
from bot.reminders.proposal_import import import_filings
from bot.reminders.service import ReminderService
from storage.db import Database
from storage.models import Member
from storage.proposal_models import ProposalWindow

_CLI_LANGUAGE = "zh"


def _service(db: Database, config: Config) -> ReminderService:
    return ReminderService(db, config.zone, config.reminders)


def _problem(exc: Refused) -> str:
    return "proposals: " + plain(_CLI_LANGUAGE, f"proposal_problem.{exc.reason}",
                                 limit=exc.limit or "", count=exc.length or "")


async def _window_of(service: ReminderService, window_id: int | None) -> ProposalWindow:
    """The window named, or the only open one."""
    if window_id is not None:
        return await service.proposals.window(window_id)
    open_ = await service.proposals.open_windows()
    if len(open_) != 1:
        raise UsageError("no open window: open one with `proposals new`" if not open_ else
                         "several windows are open: name one with --window ID")
    return open_[0]


async def list_cli(config: Config, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        windows = await service.proposals.repo.windows()
        if not windows:
            print("no proposal windows", file=out)
        for window in windows:
            filed, proposals, everyone = await service.proposals.tally(window.id)
            planned = await service.repo.pending_keys(f"proposal:{window.id}:")
            upcoming = sorted(o.due_at for o in planned.values() if o.status.value == "due")
            following = (upcoming[0].astimezone(config.zone).strftime("%Y-%m-%d %H:%M")
                         if upcoming else "-")
            print(f"{window.id:>4}  {window.status.value:<6} {window.opens_on} → "
                  f"{window.deadline}  {window.title}  (filed: {filed}/{everyone} members, "
                  f"{proposals} proposals; next push {following})", file=out)
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
    print(f"proposal window {window.id} opened: {window.opens_on} → {window.deadline}", file=out)
    for which, due in times.items():
        when = due.astimezone(config.zone).strftime("%Y-%m-%d %H:%M") if due else "-"
        print(f"  {which.value:<5} {when}", file=out)
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
    verb = "would record" if args.dry_run else "recorded"
    print(f"{found.rows} rows: {verb} {sum(found.counts.values())} proposals of "
          f"{len(found.counts)} members in window {window.id} ({window.title})", file=out)
    for problem in found.problems:
        print(f"  {problem}", file=out)
    if args.dry_run:
        print("dry run: nothing was written", file=out)
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
    print(f"window {window.id} ({window.title}): {total} members have not filed", file=out)
    for group, members in groups.items():
        print(f"  {group or '(no group)'} ({len(members)}): "
              + "、".join(m.name for m in members), file=out)
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
    print(f"{member.name}: {args.count} proposals in window {window.id}", file=out)
    return 0


async def _member_named(service: ReminderService, text: str) -> Member:
    phone = normalize_phone(text)
    found = [m for m in await service.proposals.repo.filers()
             if m.phone == phone or m.name == text.strip()]
    if len(found) != 1:
        raise UsageError(f"{text!r} matches {'no' if not found else 'several'} members; "
                         "give the phone number")
    return found[0]


def add_commands(commands: Subcommands) -> None:
    """`proposals …` under the `liaison-bot` command."""
    pro = commands.add_parser("proposals", help="proposal windows (提案征集)").add_subparsers(
        dest="proposals_command", required=True
    )
    pro.add_parser("list", help="windows, who filed, the next push").set_defaults(
        func=lambda c, a: list_cli(c, sys.stdout))
    new = pro.add_parser("new", help="open a window: announced, then reminded")
    new.add_argument("--title", required=True)
    new.add_argument("--opens", type=day_argument, required=True, help="2026-12-01")
    new.add_argument("--deadline", type=day_argument, required=True, help="2026-12-20")
    new.set_defaults(func=lambda c, a: new_cli(c, a.title, a.opens, a.deadline, sys.stdout))
    imp = pro.add_parser("import", help="who filed, from the proposal office's export")
    imp.add_argument("file", help=".xlsx or .csv with a name or phone column, maybe a count")
    imp.add_argument("--window", type=int, help="the window (default: the only open one)")
    imp.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    imp.set_defaults(func=lambda c, a: import_cli(c, a, sys.stdout))
    missing = pro.add_parser("missing", help="who has not filed, by group")
    missing.add_argument("--window", type=int)
    missing.set_defaults(func=lambda c, a: missing_cli(c, a.window, sys.stdout))
    cset = pro.add_parser("set", help="correct a member's count")
    cset.add_argument("member", help="name or phone")
    cset.add_argument("count", type=int)
    cset.add_argument("--window", type=int)
    cset.set_defaults(func=lambda c, a: set_cli(c, a, sys.stdout))
