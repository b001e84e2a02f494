"""`liaison-bot groups list | rename OLD NEW | merge FROM INTO | delete NAME`: mending the
activity groups from the command line. Each change shows what it would do, asks (--yes, or yes
at a terminal), and writes nothing on --dry-run. Everything it prints is in the command line's
language (bot.core.cli.say)."""

from __future__ import annotations

import argparse
import re
import shlex
import sqlite3
import sys
from typing import TextIO

from bot.core.cli import Ask, Namespace, Subcommands, confirmation, confirmed, say
from bot.core.config import Config
from bot.members.cli import format_table, listed
from bot.members.group_names import MAX_GROUP_NAME, lookalike
from bot.members.groups import (
    ChatAfterMerge,
    GroupMending,
    GroupRefused,
    GroupUsage,
    GroupWhy,
    Merging,
)
from domain.models import ActivityGroup
from storage.db import Database

_SHELL_SAFE = re.compile(r"[^\s'\"\\$`!*?&|;<>(){}\[\]#~]+")


def _q(name: str) -> str:
    """A group name as it would be typed in a shell (quoted only when it has to be)."""
    return name if _SHELL_SAFE.fullmatch(name) else shlex.quote(name)


def _chat(group: ActivityGroup) -> str:
    return f"“{group.chat_title or group.chat_id}”"


def _count(kind: str, count: int) -> str:
    """A count of one kind of what names a group (GroupUsage.holds), in words."""
    texts = {
        "members": "cli_groups.count_members",
        "former members": "cli_groups.count_former_members",
        "events": "cli_groups.count_events",
        "reminder schedules": "cli_groups.count_schedules",
        "membership records": "cli_groups.count_memberships",
        "supervision records": "cli_groups.count_nudges",
    }
    return say(texts[kind], count=count)


def _holdings(usage: GroupUsage) -> str:
    """What names the group, in words ("2 member(s), 1 event(s), the chat “…”")."""
    parts = [_count(kind, count) for kind, count in usage.holds.items()]
    if usage.group.chat_id is not None:
        parts.append(say("cli_groups.holds_chat", chat=_chat(usage.group)))
    return listed(parts) or say("cli_groups.holds_nothing")


def _refusal(command: str, refused: GroupRefused, out: TextIO) -> int:
    name = refused.name
    if refused.reason is GroupWhy.UNKNOWN:
        similar = listed(say("cli_members.quoted", name=other) for other in refused.similar)
        hint = say("cli_groups.did_you_mean", names=similar) if refused.similar else ""
        message = say("cli_groups.unknown", name=name, hint=hint)
    elif refused.reason is GroupWhy.SAME:
        message = say("cli_groups.same", name=name)
    elif refused.reason is GroupWhy.TAKEN:
        message = say("cli_groups.taken", name=name, quoted=_q(name))
    elif refused.reason is GroupWhy.BAD_NAME:
        message = say("cli_groups.bad_name", max=MAX_GROUP_NAME)
    else:
        assert refused.usage is not None
        into = _q(refused.similar[0]) if refused.similar else "INTO"
        message = say("cli_groups.not_empty", name=name, holdings=_holdings(refused.usage),
                      quoted=_q(name), into=into)
    print(f"groups {command}: {message}", file=out)
    return 1


def _asked(ask: Ask, question: str, out: TextIO) -> bool:
    out.flush()
    if confirmed(ask(question + say("cli.yes_no"))):
        return True
    print(say("cli_members.nothing_written"), file=out)
    return False


async def list_groups_cli(config: Config, *, out: TextIO) -> int:
    """`liaison-bot groups list`: every group, what names it, and the names that look alike."""
    async with Database(config.storage.path, config.clock) as db:
        everything = await GroupMending(db).overview()
    if not everything:
        print(say("cli_groups.no_groups"), file=out)
        return 0
    header = [say("cli_groups.column_group"), say("cli_groups.column_members"),
              say("cli_groups.column_leaders"), say("cli_groups.column_events"),
              say("cli_groups.column_reminders"), say("cli_groups.column_chat")]
    rows = [
        [
            u.group.name,
            str(u.members) + (say("cli_groups.former", count=u.former_members)
                              if u.former_members else ""),
            "、".join(u.leaders) or "-",
            str(u.events),
            str(u.schedules),
            _chat(u.group) if u.group.chat_id is not None else "-",
        ]
        for u in everything
    ]
    print(format_table(header, rows), file=out)
    print(say("cli_groups.count", count=len(everything)), file=out)
    names = [u.group.name for u in everything]
    for index, name in enumerate(names):
        other = lookalike(name, names[:index])
        if other is not None:
            print("  ! " + say("cli_groups.lookalike", name=name, other=other,
                               quoted_name=_q(name), quoted_other=_q(other)), file=out)
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
        print(say("cli_groups.rename_plan", name=name, new=plan.new_name,
                  holdings=_holdings(plan.usage)), file=out)
        print("  " + say("cli_groups.rename_roster", name=name), file=out)
        if dry_run:
            print(say("cli_groups.dry_run"), file=out)
            return 0
        if not _asked(ask, say("cli_groups.ask_rename", name=name, new=plan.new_name), out):
            return 1
        try:
            await mending.rename(plan)
        except GroupRefused as refused:
            return _refusal("rename", refused, out)
    print(say("cli_groups.renamed", name=name, new=plan.new_name), file=out)
    return 0


def _print_merge(plan: Merging, out: TextIO) -> None:
    source, target = plan.source, plan.target
    old, new = source.group.name, target.group.name
    print(say("cli_groups.merge_plan", old=old, new=new), file=out)
    members = source.members + source.former_members
    lines = []
    if members:
        lines.append(say("cli_groups.merge_members", count=members, new=new))
    if source.leaders:
        lines.append(say("cli_groups.merge_leaders", names="、".join(source.leaders), new=new))
    if source.events:
        lines.append(say("cli_groups.merge_events", count=source.events, new=new))
    if source.schedules:
        lines.append(say("cli_groups.merge_schedules", count=source.schedules, new=new))
    if source.nudges:
        lines.append(say("cli_groups.merge_nudges", count=source.nudges, new=new))
    chat = plan.chat
    if chat is ChatAfterMerge.MOVED:
        lines.append(say("cli_groups.merge_chat_moved", chat=_chat(source.group), new=new))
    elif chat is ChatAfterMerge.KEPT:
        lines.append(say("cli_groups.merge_chat_kept", new=new, chat=_chat(target.group)))
    elif chat is ChatAfterMerge.LEFT_UNBOUND:
        lines.append(say("cli_groups.merge_chat_unbound", new=new, kept=_chat(target.group),
                         dropped=_chat(source.group), old=old,
                         bind_elsewhere=say("cli_groups.bind_elsewhere")))
    for line in lines:
        print("  " + line, file=out)


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
            print(say("cli_groups.dry_run"), file=out)
            return 0
        old, new = plan.source.group.name, plan.target.group.name
        if not _asked(ask, say("cli_groups.ask_merge", old=old, new=new), out):
            return 1
        try:
            counts = await mending.merge(plan)
        except GroupRefused as refused:
            return _refusal("merge", refused, out)
        except sqlite3.IntegrityError as exc:
            print("groups merge: " + say("cli_groups.db_refused", error=exc), file=out)
            return 1
    moved = listed([_count("members", counts.members), _count("events", counts.events),
                    _count("reminder schedules", counts.schedules)])
    print(say("cli_groups.merged", old=old, new=new, moved=moved), file=out)
    if counts.chat is ChatAfterMerge.LEFT_UNBOUND:
        print(say("cli_groups.chat_unbound", chat=_chat(plan.source.group),
                  bind_elsewhere=say("cli_groups.bind_elsewhere")), file=out)
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
        print(say("cli_groups.delete_plan", name=group), file=out)
        if dry_run:
            print(say("cli_groups.dry_run"), file=out)
            return 0
        if not _asked(ask, say("cli_groups.ask_delete", name=group), out):
            return 1
        try:
            await mending.delete(plan)
        except GroupRefused as refused:
            return _refusal("delete", refused, out)
        except sqlite3.IntegrityError as exc:
            print("groups delete: " + say("cli_groups.db_refused", error=exc), file=out)
            return 1
    print(say("cli_groups.deleted", name=group), file=out)
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
        "groups", help=say("cli_groups.help_groups"), description=say("cli_groups.help_groups")
    ).add_subparsers(dest="groups_command", required=True, metavar="COMMAND",
                     title=say("cli.commands"))
    groups.add_parser("list", help=say("cli_groups.help_list"),
                      description=say("cli_groups.help_list")).set_defaults(func=_list)

    def changing(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = groups.add_parser(name, help=help_text,
                                                            description=help_text)
        parser.add_argument("--dry-run", action="store_true",
                            help=say("cli_members.help_dry_run"))
        parser.add_argument("--yes", action="store_true", help=say("cli_members.help_yes"))
        return parser

    ren = changing("rename", say("cli_groups.help_rename"))
    ren.add_argument("old", metavar="OLD", help=say("cli_groups.help_old"))
    ren.add_argument("new", metavar="NEW", help=say("cli_groups.help_new"))
    ren.set_defaults(func=_rename)
    mer = changing("merge", say("cli_groups.help_merge"))
    mer.add_argument("source", metavar="FROM", help=say("cli_groups.help_from"))
    mer.add_argument("target", metavar="INTO", help=say("cli_groups.help_into"))
    mer.set_defaults(func=_merge)
    dele = changing("delete", say("cli_groups.help_delete"))
    dele.add_argument("name", metavar="NAME", help=say("cli_groups.help_name"))
    dele.set_defaults(func=_delete)
