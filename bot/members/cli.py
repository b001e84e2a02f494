"""`liaison-bot members import | list | invite | unbind | deactivate`: the roster from the
command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.core.cli import Ask, Namespace, Subcommands, confirmation, confirmed
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
    plan_import,
    read_roster,
)
from bot.telegram.links import deep_link, fetch_bot_username
from storage.db import Database
from storage.members import MemberRepository
from storage.models import Member


def _print_plan(
    plan: ImportPlan, out: TextIO, *, dry_run: bool, deactivating: bool = False
) -> None:
    would = "would be " if dry_run else ""
    for row in plan.added:
        print(f"  + row {row.line}: {row.name} ({row.phone}) {would}added", file=out)
    for row, changed in plan.updated:
        fields = ", ".join(changed)
        print(f"  ~ row {row.line}: {row.name} ({row.phone}) {would}updated: {fields}", file=out)
    for group in plan.new_groups:
        print(f"  + group {group} {would}created", file=out)
    _print_lookalikes(plan, out)
    if deactivating:
        for member in plan.not_in_file:
            where = f"{member.group_name or 'no group'}, {member.role.value}"
            print(f"  - {member.name} ({member.phone}, {where}) is not in the file", file=out)
        return
    for member in plan.not_in_file:
        print(f"  ? {member.name} ({member.phone}) is not in the file (kept; "
              "--deactivate-missing deactivates)", file=out)
    deactivated = f", {len(plan.deactivated)} deactivated" if plan.deactivated else ""
    print(
        f"{len(plan.added)} added, {len(plan.updated)} updated, "
        f"{len(plan.unchanged)} unchanged{deactivated}"
        + (" (dry run: nothing written)" if dry_run else ""),
        file=out,
    )


def _print_lookalikes(plan: ImportPlan, out: TextIO) -> None:
    """A warning for each new group whose name looks like another's, with the rows naming it."""
    rows = plan.added + [row for row, _ in plan.updated] + plan.unchanged
    for new, other in plan.lookalike_groups:
        lines = ", ".join(str(row.line) for row in sorted(rows, key=lambda r: r.line)
                          if row.group == new)
        print(f"  ! group {new} (row{'s' if ',' in lines else ''} {lines}) looks like the group "
              f"{other}: a slip in the file?", file=out)


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
            answer = ask(f"Create the group{'s' if len(names) > 1 else ''} {', '.join(names)} "
                         "all the same? [y/N] ")
            if not confirmed(answer):
                print("nothing written: correct the group names in the file "
                      "(or confirm to create them)", file=out)
                return 1
        deactivating: list[int] = []
        if deactivate_missing and plan.not_in_file and not dry_run:
            _print_plan(plan, out, dry_run=dry_run, deactivating=True)
            out.flush()
            answer = ask(f"Deactivate these {len(plan.not_in_file)} member(s)? [y/N] ")
            if not confirmed(answer):
                print("nothing written", file=out)
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
        print("no members" + (f" in group {group!r}" if group else ""), file=out)
        return 1 if group else 0
    header = ["name", "phone", "sector", "group", "role", "telegram"]
    rows = [
        [
            m.name,
            m.phone,
            m.sector,
            m.group_name or "",
            m.role.value,
            ("bound" if m.telegram_user_id else "-") + ("" if m.active else "  deactivated"),
        ]
        for m in members
    ]
    print(format_table(header, rows), file=out)
    print(f"{len(members)} member(s)"
          + (f"; {hidden} deactivated not shown (--all)" if hidden else ""), file=out)
    return 0


async def _member_by_phone_cli(db: Database, raw: str, out: TextIO) -> Member | None:
    phone = normalize_phone(raw)
    member = await MemberRepository(db).by_phone(phone) if phone else None
    if member is None:
        print(f"no member with phone {raw!r}", file=out)
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
        print(f"(could not ask the Bot API for the bot's name: {type(exc).__name__})", file=out)
    link = deep_link(username, payload)
    print(f"invite for {member.name} ({member.phone}), valid 7 days, single use:", file=out)
    print(link, file=out)
    return 0


async def unbind_cli(config: Config, phone: str, *, out: TextIO) -> int:
    """`liaison-bot members unbind PHONE`."""
    async with Database(config.storage.path, config.clock) as db:
        member = await _member_by_phone_cli(db, phone, out)
        if member is None:
            return 1
        changed = await RegistrationService(db, MemberRepository(db)).unbind(None, member)
    print(f"{member.name}: " + ("unbound" if changed else "was not bound"), file=out)
    return 0


async def deactivate_cli(config: Config, phone: str, *, out: TextIO) -> int:
    """`liaison-bot members deactivate PHONE`: one member who left the roster."""
    async with Database(config.storage.path, config.clock) as db:
        member = await _member_by_phone_cli(db, phone, out)
        if member is None:
            return 1
        done = await deactivate_members(db, [member], source="cli")
    state = "deactivated" if done else "was deactivated already"
    print(f"{member.name} ({member.phone}): {state}", file=out)
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
    members = commands.add_parser("members", help="the roster").add_subparsers(
        dest="members_command", required=True
    )
    imp = members.add_parser("import", help="import or update the roster from .xlsx or .csv")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="show changes, write nothing")
    imp.add_argument(
        "--deactivate-missing", action="store_true",
        help="list the members not in the file and, once confirmed, deactivate them",
    )
    imp.add_argument("--yes", action="store_true", help="confirm without asking")
    imp.set_defaults(func=_import)
    lst = members.add_parser("list", help="print the roster")
    lst.add_argument("--group", help="only this activity group")
    lst.add_argument("--all", action="store_true", help="deactivated members too")
    lst.set_defaults(func=_list)
    dea = members.add_parser(
        "deactivate", help="a member who left: history kept, no messages, cannot use the bot"
    )
    dea.add_argument("phone")
    dea.set_defaults(func=_deactivate)
    inv = members.add_parser("invite", help="make a one-time invite link for a member")
    inv.add_argument("phone")
    inv.set_defaults(func=_invite)
    unb = members.add_parser("unbind", help="detach a member's Telegram account")
    unb.add_argument("phone")
    unb.set_defaults(func=_unbind)
