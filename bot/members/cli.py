"""`liaison-bot members import | list | invite | unbind | deactivate`: the roster from the
command line, in the command line's language (bot.core.cli.say)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.core.cli import Ask, Namespace, Subcommands, confirmation, confirmed, say
from bot.core.config import Config
from bot.core.phones import normalize_phone
from bot.core.tables import TableFileError, print_row_errors
from bot.core.texts import columns
from bot.members.departures import deactivate_members
from bot.members.registration import RegistrationService
from bot.members.roster import (
    ImportPlan,
    RosterRow,
    apply_import,
    column_label,
    plan_import,
    read_roster,
    role_label,
)
from bot.telegram.links import deep_link, fetch_bot_username
from domain.models import Member
from storage.db import Database
from storage.members import MemberRepository


def listed(items: Iterable[str]) -> str:
    """Items as a list reads in the command line's language ("A、B" / "A, B")."""
    return say("cli_members.separator").join(items)


def _fields(changed: list[str]) -> str:
    return listed(say("cli_members.field_reactivated") if field == "reactivated"
                  else column_label(field) for field in changed)


def _print_plan(
    plan: ImportPlan, out: TextIO, *, dry_run: bool, deactivating: bool = False
) -> None:
    for row in plan.added:
        added = say("cli_members.added_dry" if dry_run else "cli_members.added",
                    name=row.name, phone=row.phone)
        print("  + " + say("cli.row", line=row.line, reason=added), file=out)
    for row, changed in plan.updated:
        updated = say("cli_members.updated_dry" if dry_run else "cli_members.updated",
                      name=row.name, phone=row.phone, fields=_fields(changed))
        print("  ~ " + say("cli.row", line=row.line, reason=updated), file=out)
    for group in plan.new_groups:
        print("  + " + say("cli_members.group_created_dry" if dry_run
                           else "cli_members.group_created", group=group), file=out)
    _print_lookalikes(plan, out)
    if deactivating:
        for member in plan.not_in_file:
            print("  - " + say("cli_members.leaving", name=member.name, phone=member.phone,
                               group=member.group_name or say("cli_members.no_group"),
                               role=role_label(member.role)), file=out)
        return
    for member in plan.not_in_file:
        print("  ? " + say("cli_members.kept", name=member.name, phone=member.phone), file=out)
    summary = say("cli_members.summary", added=len(plan.added), updated=len(plan.updated),
                  unchanged=len(plan.unchanged))
    if plan.deactivated:
        summary += say("cli_members.summary_deactivated", count=len(plan.deactivated))
    print(summary + (say("cli_members.dry_run") if dry_run else ""), file=out)


def _print_lookalikes(plan: ImportPlan, out: TextIO) -> None:
    """A warning for each new group whose name looks like another's, with the rows naming it."""
    rows = plan.added + [row for row, _ in plan.updated] + plan.unchanged
    for new, other in plan.lookalike_groups:
        lines = [str(row.line) for row in sorted(rows, key=lambda r: r.line) if row.group == new]
        warning = say("cli_members.lookalike_many" if len(lines) > 1
                      else "cli_members.lookalike_one", new=new, lines=listed(lines),
                      other=other)
        print("  ! " + warning, file=out)


async def _plan(db: Database, rows: list[RosterRow]) -> ImportPlan:
    members = MemberRepository(db)
    return plan_import(
        rows, await members.list_members(), [g.name for g in await members.list_groups()]
    )


async def import_roster_cli(
    config: Config, path: Path, *, dry_run: bool, out: TextIO,
    deactivate_missing: bool = False, ask: Ask = input,
) -> int:
    """`liaison-bot members import FILE [--dry-run] [--deactivate-missing]`.

    A new group whose name looks like another's (第 一活动组, 第一活动组) is shown and `ask` asks
    the operator to confirm creating it; with --deactivate-missing, the members not in the file
    are listed and `ask` asks likewise. Anything but yes writes nothing at all."""
    try:
        rows, errors = read_roster(path)
    except TableFileError as exc:
        print(f"{path}: {exc}", file=out)
        return 1
    if errors:
        print_row_errors(errors, out)
        return 1
    async with Database(config.storage.path, config.clock) as db:
        plan = await _plan(db, rows)
        if plan.lookalike_groups and not dry_run:
            _print_lookalikes(plan, out)
            out.flush()
            names = [new for new, _ in plan.lookalike_groups]
            quoted = listed(say("cli_members.quoted", name=name) for name in names)
            question = say("cli_members.ask_lookalike_many" if len(names) > 1
                           else "cli_members.ask_lookalike_one", names=quoted)
            if not confirmed(ask(question + say("cli.yes_no"))):
                print(say("cli_members.lookalike_refused"), file=out)
                return 1
        deactivating: list[int] = []
        if deactivate_missing and plan.not_in_file and not dry_run:
            _print_plan(plan, out, dry_run=dry_run, deactivating=True)
            out.flush()
            question = say("cli_members.ask_deactivate", count=len(plan.not_in_file))
            if not confirmed(ask(question + say("cli.yes_no"))):
                print(say("cli_members.nothing_written"), file=out)
                return 1
            deactivating = [member.id for member in plan.not_in_file]
        if not dry_run:
            plan = await apply_import(db, rows, source=path.name, deactivate=deactivating)
    _print_plan(plan, out, dry_run=dry_run)
    return 0


def _pad(text: str, width: int) -> str:
    return text + " " * (width - columns(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(columns(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(_pad(cell, width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


async def list_members_cli(
    config: Config, *, group: str | None, out: TextIO, everyone: bool = False
) -> int:
    """`liaison-bot members list [--group G] [--all]`: members on the roster (with --all, also
    the deactivated ones)."""
    async with Database(config.storage.path, config.clock) as db:
        found = await MemberRepository(db).list_members(group)
    members = [m for m in found if everyone or m.active]
    hidden = len(found) - len(members)
    if not members:
        print(say("cli_members.no_members_in_group", group=group) if group
              else say("cli_members.no_members"), file=out)
        return 1 if group else 0
    header = [*(column_label(c) for c in ("name", "phone", "sector", "group", "role")),
              say("cli_members.column_telegram")]
    bound, deactivated = say("cli_members.bound"), say("cli_members.deactivated_mark")
    rows = [
        [
            m.name,
            m.phone,
            m.sector,
            m.group_name or "",
            role_label(m.role),
            (bound if m.telegram_user_id else "-") + ("" if m.active else "  " + deactivated),
        ]
        for m in members
    ]
    print(format_table(header, rows), file=out)
    print(say("cli_members.count", count=len(members))
          + (say("cli_members.count_hidden", hidden=hidden) if hidden else ""), file=out)
    return 0


async def _member_by_phone_cli(db: Database, raw: str, out: TextIO) -> Member | None:
    phone = normalize_phone(raw)
    member = await MemberRepository(db).by_phone(phone) if phone else None
    if member is None:
        print(say("cli_members.no_such_phone", phone=raw), file=out)
    return member


async def invite_cli(config: Config, phone: str, *, out: TextIO) -> int:
    """`liaison-bot members invite PHONE`: print a one-time invite link."""
    async with Database(config.storage.path, config.clock) as db:
        member = await _member_by_phone_cli(db, phone, out)
        if member is None:
            return 1
        payload = await RegistrationService(db, MemberRepository(db)).create_invite(member, None)
    username = "<bot_username>"
    try:
        username = await fetch_bot_username(config)
    except Exception as exc:  # the link still works once the bot's name is known
        print(say("cli_members.no_bot_name", error=type(exc).__name__), file=out)
    link = deep_link(username, payload)
    print(say("cli_members.invite", name=member.name, phone=member.phone), file=out)
    print(link, file=out)
    return 0


async def unbind_cli(config: Config, phone: str, *, out: TextIO) -> int:
    """`liaison-bot members unbind PHONE`."""
    async with Database(config.storage.path, config.clock) as db:
        member = await _member_by_phone_cli(db, phone, out)
        if member is None:
            return 1
        changed = await RegistrationService(db, MemberRepository(db)).unbind(None, member)
    print(say("cli_members.unbound" if changed else "cli_members.was_not_bound",
              name=member.name), file=out)
    return 0


async def deactivate_cli(config: Config, phone: str, *, out: TextIO) -> int:
    """`liaison-bot members deactivate PHONE`: one member who left the roster."""
    async with Database(config.storage.path, config.clock) as db:
        member = await _member_by_phone_cli(db, phone, out)
        if member is None:
            return 1
        done = await deactivate_members(db, [member], source="cli")
    print(say("cli_members.deactivated" if done else "cli_members.deactivated_already",
              name=member.name, phone=member.phone), file=out)
    return 0


async def _import(config: Config, args: Namespace) -> int:
    return await import_roster_cli(
        config, Path(args.file), dry_run=args.dry_run, out=sys.stdout,
        deactivate_missing=args.deactivate_missing, ask=confirmation(args.yes),
    )


async def _list(config: Config, args: Namespace) -> int:
    return await list_members_cli(config, group=args.group, out=sys.stdout, everyone=args.all)


async def _deactivate(config: Config, args: Namespace) -> int:
    return await deactivate_cli(config, args.phone, out=sys.stdout)


async def _invite(config: Config, args: Namespace) -> int:
    return await invite_cli(config, args.phone, out=sys.stdout)


async def _unbind(config: Config, args: Namespace) -> int:
    return await unbind_cli(config, args.phone, out=sys.stdout)


def add_commands(commands: Subcommands) -> None:
    """`members …` under the `liaison-bot` command."""
    members = commands.add_parser(
        "members", help=say("cli_members.help_members"),
        description=say("cli_members.help_members"),
    ).add_subparsers(dest="members_command", required=True, metavar="COMMAND",
                     title=say("cli.commands"))
    imp = members.add_parser("import", help=say("cli_members.help_import"),
                             description=say("cli_members.help_import"))
    imp.add_argument("file", metavar="FILE", help=say("cli_members.help_file"))
    imp.add_argument("--dry-run", action="store_true", help=say("cli_members.help_dry_run"))
    imp.add_argument("--deactivate-missing", action="store_true",
                     help=say("cli_members.help_deactivate_missing"))
    imp.add_argument("--yes", action="store_true", help=say("cli_members.help_yes"))
    imp.set_defaults(func=_import)
    lst = members.add_parser("list", help=say("cli_members.help_list"),
                             description=say("cli_members.help_list"))
    lst.add_argument("--group", metavar="G", help=say("cli_members.help_group"))
    lst.add_argument("--all", action="store_true", help=say("cli_members.help_all"))
    lst.set_defaults(func=_list)
    for name, text, func in (
        ("deactivate", say("cli_members.help_deactivate"), _deactivate),
        ("invite", say("cli_members.help_invite"), _invite),
        ("unbind", say("cli_members.help_unbind"), _unbind),
    ):
        command = members.add_parser(name, help=text, description=text)
        command.add_argument("phone", metavar="PHONE", help=say("cli_members.help_phone"))
        command.set_defaults(func=func)
