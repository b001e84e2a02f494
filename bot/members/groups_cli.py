"""`liaison-bot groups list | rename OLD NEW | merge FROM INTO | delete NAME`: mending the
activity groups from the command line. Each change shows what it would do, asks (--yes, or yes
at a terminal), and writes nothing on --dry-run."""

from __future__ import annotations

import argparse
import re
import shlex
import sqlite3
import sys
from typing import TextIO

from bot.core.cli import Ask, Namespace, Subcommands, confirmation, confirmed
from bot.core.config import Config
from bot.members.cli import format_table
from bot.members.group_names import MAX_GROUP_NAME, lookalike
from bot.members.groups import (
    ChatAfterMerge,
    GroupMending,
    GroupRefused,
    GroupUsage,
    GroupWhy,
    Merging,
)
from storage.db import Database
from storage.models import ActivityGroup

_DRY_RUN = "(dry run: nothing written)"
_BIND_ELSEWHERE = ("send /bindgroup there to bind it to another group, or remove the bot "
                   "from it")


_SHELL_SAFE = re.compile(r"[^\s'\"\\$`!*?&|;<>(){}\[\]#~]+")


def _q(name: str) -> str:
    """A group name as it would be typed in a shell (quoted only when it has to be)."""
    return name if _SHELL_SAFE.fullmatch(name) else shlex.quote(name)


def _chat(group: ActivityGroup) -> str:
    return f"“{group.chat_title or group.chat_id}”"


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}(s)"


def _holdings(usage: GroupUsage) -> str:
    """What names the group, in words ("2 members(s), 1 event(s), the chat “…”")."""
    parts = [_count(count, kind.removesuffix("s")) for kind, count in usage.holds.items()]
    if usage.group.chat_id is not None:
        parts.append(f"the chat {_chat(usage.group)}")
    return ", ".join(parts) or "nothing"


def _refusal(command: str, refused: GroupRefused, out: TextIO) -> int:
    name = refused.name
    if refused.reason is GroupWhy.UNKNOWN:
        hint = f"; did you mean {', '.join(refused.similar)}?" if refused.similar else ""
        message = f"no group named {name!r}{hint} (liaison-bot groups list shows them)"
    elif refused.reason is GroupWhy.SAME:
        message = f"{name}: that is one and the same group; nothing to do"
    elif refused.reason is GroupWhy.TAKEN:
        message = (f"a group named {name} exists already; to move everything of one group into "
                   f"another, use liaison-bot groups merge FROM {_q(name)}")
    elif refused.reason is GroupWhy.BAD_NAME:
        message = f"a group's name is 1 to {MAX_GROUP_NAME} characters"
    else:
        assert refused.usage is not None
        into = _q(refused.similar[0]) if refused.similar else "INTO"
        message = (f"{name} is not empty ({_holdings(refused.usage)}): deleting it would lose "
                   "them; merge it into another group instead, which moves everything of it: "
                   f"liaison-bot groups merge {_q(name)} {into}")
    print(f"groups {command}: {message}", file=out)
    return 1


def _asked(ask: Ask, question: str, out: TextIO) -> bool:
    out.flush()
    if confirmed(ask(question)):
        return True
    print("nothing written", file=out)
    return False


async def list_groups_cli(config: Config, *, out: TextIO) -> int:
    """`liaison-bot groups list`: every group, what names it, and the names that look alike."""
    async with Database(config.storage.path, config.clock) as db:
        everything = await GroupMending(db).overview()
    if not everything:
        print("no groups (they come with the roster: liaison-bot members import FILE)", file=out)
        return 0
    header = ["group", "members", "leaders", "events", "reminders", "chat"]
    rows = [
        [
            u.group.name,
            str(u.members) + (f" (+{u.former_members} left)" if u.former_members else ""),
            "、".join(u.leaders) or "-",
            str(u.events),
            str(u.schedules),
            _chat(u.group) if u.group.chat_id is not None else "-",
        ]
        for u in everything
    ]
    print(format_table(header, rows), file=out)
    print(f"{len(everything)} group(s)", file=out)
    names = [u.group.name for u in everything]
    for index, name in enumerate(names):
        other = lookalike(name, names[:index])
        if other is not None:
            print(f"  ! {name} looks like {other}: a slip? liaison-bot groups merge {_q(name)} "
                  f"{_q(other)} moves everything of {name} to {other}", file=out)
    return 0


async def rename_group_cli(
    config: Config, old: str, new: str, *, dry_run: bool, out: TextIO, ask: Ask = input
) -> int:
    """`liaison-bot groups rename OLD NEW [--dry-run] [--yes]`."""
    async with Database(config.storage.path, config.clock) as db:
        mending = GroupMending(db)
        try:
            plan = await mending.plan_rename(old, new)
        except GroupRefused as refused:
            return _refusal("rename", refused, out)
        name = plan.usage.group.name
        print(f"rename group {name} to {plan.new_name}; what names it follows the new name: "
              f"{_holdings(plan.usage)}", file=out)
        print(f"  a roster file that still names {name} would create that group again at the "
              "next import: correct the file too", file=out)
        if dry_run:
            print(_DRY_RUN, file=out)
            return 0
        if not _asked(ask, f"Rename {name} to {plan.new_name}? [y/N] ", out):
            return 1
        try:
            await mending.rename(plan)
        except GroupRefused as refused:
            return _refusal("rename", refused, out)
    print(f"renamed group {name} to {plan.new_name}", file=out)
    return 0


def _print_merge(plan: Merging, out: TextIO) -> None:
    source, target = plan.source, plan.target
    old, new = source.group.name, target.group.name
    print(f"merge group {old} into {new}, then delete {old}:", file=out)
    members = source.members + source.former_members
    if members:
        print(f"  members: {members} move to {new}, with their membership records (as if they "
              f"had always been in {new})", file=out)
    if source.leaders:
        print(f"  leaders: {'、'.join(source.leaders)} become leader(s) of {new} too", file=out)
    if source.events:
        print(f"  events: {source.events} become events of {new} (its members are expected at "
              "them)", file=out)
    if source.schedules:
        print(f"  reminder schedules: {source.schedules} go to {new} instead", file=out)
    if source.nudges:
        print(f"  supervision records: {source.nudges} are filed under {new}", file=out)
    chat = plan.chat
    if chat is ChatAfterMerge.MOVED:
        print(f"  chat: {_chat(source.group)} becomes the chat of {new}", file=out)
    elif chat is ChatAfterMerge.KEPT:
        print(f"  chat: {new} keeps {_chat(target.group)}", file=out)
    elif chat is ChatAfterMerge.LEFT_UNBOUND:
        print(f"  chat: both groups have one; {new} keeps {_chat(target.group)}, and "
              f"{_chat(source.group)} of {old} is no longer bound ({_BIND_ELSEWHERE})", file=out)


async def merge_groups_cli(
    config: Config, source: str, target: str, *, dry_run: bool, out: TextIO, ask: Ask = input
) -> int:
    """`liaison-bot groups merge FROM INTO [--dry-run] [--yes]`."""
    async with Database(config.storage.path, config.clock) as db:
        mending = GroupMending(db)
        try:
            plan = await mending.plan_merge(source, target)
        except GroupRefused as refused:
            return _refusal("merge", refused, out)
        _print_merge(plan, out)
        if dry_run:
            print(_DRY_RUN, file=out)
            return 0
        old, new = plan.source.group.name, plan.target.group.name
        if not _asked(ask, f"Merge {old} into {new}? [y/N] ", out):
            return 1
        try:
            counts = await mending.merge(plan)
        except GroupRefused as refused:
            return _refusal("merge", refused, out)
        except sqlite3.IntegrityError as exc:
            print(f"groups merge: the database refused it ({exc}); nothing written", file=out)
            return 1
    print(f"merged group {old} into {new}: {_count(counts.members, 'member')}, "
          f"{_count(counts.events, 'event')}, {_count(counts.schedules, 'reminder schedule')} "
          f"moved; {old} deleted", file=out)
    if counts.chat is ChatAfterMerge.LEFT_UNBOUND:
        print(f"the chat {_chat(plan.source.group)} is no longer bound: {_BIND_ELSEWHERE}",
              file=out)
    return 0


async def delete_group_cli(
    config: Config, name: str, *, dry_run: bool, out: TextIO, ask: Ask = input
) -> int:
    """`liaison-bot groups delete NAME [--dry-run] [--yes]`: only a group nothing names."""
    async with Database(config.storage.path, config.clock) as db:
        mending = GroupMending(db)
        try:
            plan = await mending.plan_delete(name)
        except GroupRefused as refused:
            if refused.usage is not None:  # suggest the group it looks like, to merge into
                names = [u.group.name for u in await mending.overview()]
                similar = lookalike(refused.name, names)
                refused.similar = (similar,) if similar else ()
            return _refusal("delete", refused, out)
        group = plan.group.name
        print(f"delete group {group} (nothing names it)", file=out)
        if dry_run:
            print(_DRY_RUN, file=out)
            return 0
        if not _asked(ask, f"Delete group {group}? [y/N] ", out):
            return 1
        try:
            await mending.delete(plan)
        except GroupRefused as refused:
            return _refusal("delete", refused, out)
        except sqlite3.IntegrityError as exc:
            print(f"groups delete: the database refused it ({exc}); nothing written", file=out)
            return 1
    print(f"deleted group {group}", file=out)
    return 0


async def _list(config: Config, args: Namespace) -> int:
    return await list_groups_cli(config, out=sys.stdout)


async def _rename(config: Config, args: Namespace) -> int:
    return await rename_group_cli(config, args.old, args.new, dry_run=args.dry_run,
                                  out=sys.stdout, ask=confirmation(args.yes))


async def _merge(config: Config, args: Namespace) -> int:
    return await merge_groups_cli(config, args.source, args.target, dry_run=args.dry_run,
                                  out=sys.stdout, ask=confirmation(args.yes))


async def _delete(config: Config, args: Namespace) -> int:
    return await delete_group_cli(config, args.name, dry_run=args.dry_run, out=sys.stdout,
                                  ask=confirmation(args.yes))


def add_commands(commands: Subcommands) -> None:
    """`groups …` under the `liaison-bot` command."""
    groups = commands.add_parser(
        "groups", help="the activity groups: list, rename, merge, delete"
    ).add_subparsers(dest="groups_command", required=True)
    groups.add_parser("list", help="every group, what it holds, and names that look alike"
                      ).set_defaults(func=_list)

    def changing(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = groups.add_parser(name, help=help_text)
        parser.add_argument("--dry-run", action="store_true", help="show changes, write nothing")
        parser.add_argument("--yes", action="store_true", help="confirm without asking")
        return parser

    ren = changing("rename", "rename a group; everything that names it follows")
    ren.add_argument("old", metavar="OLD")
    ren.add_argument("new", metavar="NEW")
    ren.set_defaults(func=_rename)
    mer = changing("merge", "move everything of group FROM into group INTO, then delete FROM")
    mer.add_argument("source", metavar="FROM")
    mer.add_argument("target", metavar="INTO")
    mer.set_defaults(func=_merge)
    dele = changing("delete", "delete a group that nothing names (no members, events, chat…)")
    dele.add_argument("name", metavar="NAME")
    dele.set_defaults(func=_delete)
