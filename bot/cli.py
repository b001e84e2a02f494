"""The `liaison-bot` command: run the bot, manage the roster, check the setup, back up."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from telegram.error import InvalidToken

from bot.core.config import CONFIG_ENV, Config, ConfigError, load_config
from bot.core.timeparse import parse_day

EXIT_USAGE = 2

Command = Callable[[Config, argparse.Namespace], Coroutine[Any, Any, int]]


async def _cmd_run(config: Config, args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    config.token_value()  # fails early, in one line, when there is none
    await run_bot(config)
    return 0


async def _cmd_doctor(config: Config, args: argparse.Namespace) -> int:
    from bot.doctor import run_doctor

    return await run_doctor(config, out=sys.stdout)


async def _cmd_backup(config: Config, args: argparse.Namespace) -> int:
    from storage.db import Database

    async with Database(config.storage.path) as db:
        await db.backup(Path(args.out))
    print(f"backup written to {args.out}")
    return 0


async def _cmd_members_import(config: Config, args: argparse.Namespace) -> int:
    from bot.members.roster import import_roster_cli

    return await import_roster_cli(config, Path(args.file), dry_run=args.dry_run, out=sys.stdout)


async def _cmd_members_list(config: Config, args: argparse.Namespace) -> int:
    from bot.members.roster import list_members_cli

    return await list_members_cli(config, group=args.group, out=sys.stdout)


async def _cmd_members_invite(config: Config, args: argparse.Namespace) -> int:
    from bot.members.registration import invite_cli

    return await invite_cli(config, args.phone, out=sys.stdout)


async def _cmd_members_unbind(config: Config, args: argparse.Namespace) -> int:
    from bot.members.registration import unbind_cli

    return await unbind_cli(config, args.phone, out=sys.stdout)


async def _cmd_export_reports(config: Config, args: argparse.Namespace) -> int:
    from bot.reports.export import export_reports_cli

    return await export_reports_cli(
        config,
        Path(args.out),
        date_from=args.date_from,
        date_to=args.date_to,
        status=args.status,
        out=sys.stdout,
    )


async def _cmd_export_attendance(config: Config, args: argparse.Namespace) -> int:
    from bot.attendance.export import export_attendance_cli

    return await export_attendance_cli(
        config,
        Path(args.out),
        event_id=args.event,
        date_from=args.date_from,
        date_to=args.date_to,
        group=args.group,
        out=sys.stdout,
    )


async def _cmd_events_create(config: Config, args: argparse.Namespace) -> int:
    from bot.attendance.cli import EventArguments, create_event_cli

    given = EventArguments(
        type=args.type, title=args.title, start=args.start, end=args.end, place=args.place,
        groups=args.groups, policy=args.policy, lat=args.lat, lon=args.lon, radius=args.radius,
    )
    return await create_event_cli(config, given, out=sys.stdout)


async def _cmd_events_list(config: Config, args: argparse.Namespace) -> int:
    from bot.attendance.cli import list_events_cli

    return await list_events_cli(config, include_past=args.all, out=sys.stdout)


async def _cmd_events_qr(config: Config, args: argparse.Namespace) -> int:
    from bot.attendance.cli import qr_cli

    return await qr_cli(config, args.event, Path(args.out), bot_username=args.bot,
                        watch=args.watch, out=sys.stdout)


def _day(text: str) -> date:
    """argparse's type for a day argument."""
    day = parse_day(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-31")
    return day


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liaison-bot", description="委员联络助手 · Member Liaison Bot"
    )
    parser.add_argument(
        "--config", help="config file (default: $LIAISON_BOT_CONFIG or ./config.toml)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot").set_defaults(func=_cmd_run)
    sub.add_parser("doctor", help="check config, database, token and group rights").set_defaults(
        func=_cmd_doctor
    )
    backup = sub.add_parser("backup", help="copy the database while the bot runs")
    backup.add_argument("out", help="the backup file to write")
    backup.set_defaults(func=_cmd_backup)

    members = sub.add_parser("members", help="the roster").add_subparsers(
        dest="members_command", required=True
    )
    imp = members.add_parser("import", help="import or update the roster from .xlsx or .csv")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="show changes, write nothing")
    imp.set_defaults(func=_cmd_members_import)
    lst = members.add_parser("list", help="print the roster")
    lst.add_argument("--group", help="only this activity group")
    lst.set_defaults(func=_cmd_members_list)
    inv = members.add_parser("invite", help="make a one-time invite link for a member")
    inv.add_argument("phone")
    inv.set_defaults(func=_cmd_members_invite)
    unb = members.add_parser("unbind", help="detach a member's Telegram account")
    unb.add_argument("phone")
    unb.set_defaults(func=_cmd_members_unbind)

    export = sub.add_parser("export", help="spreadsheets for the committee").add_subparsers(
        dest="export_command", required=True
    )
    rep = export.add_parser("reports", help="the register of public-opinion reports")
    rep.add_argument("--from", dest="date_from", type=_day, help="first day (YYYY-MM-DD)")
    rep.add_argument("--to", dest="date_to", type=_day, help="last day (YYYY-MM-DD)")
    rep.add_argument("--status", help="only reports in this status (e.g. adopted)")
    rep.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
    rep.set_defaults(func=_cmd_export_reports)
    att = export.add_parser("attendance", help="attendance sheets: per member per event, summary")
    att.add_argument("--event", type=int, help="only this event (its number)")
    att.add_argument("--from", dest="date_from", type=_day, help="first day (YYYY-MM-DD)")
    att.add_argument("--to", dest="date_to", type=_day, help="last day (YYYY-MM-DD)")
    att.add_argument("--group", help="only this activity group")
    att.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
    att.set_defaults(func=_cmd_export_attendance)

    events = sub.add_parser("events", help="attendance events").add_subparsers(
        dest="events_command", required=True
    )
    new = events.add_parser("create", help="create an event (the running bot announces it)")
    new.add_argument("--type", required=True,
                     help="reading|advice|inspection|consultation|meeting|study|other or 会议…")
    new.add_argument("--title", required=True)
    new.add_argument("--start", required=True, help='"2026-12-03 09:00" (committee time zone)')
    new.add_argument("--end", required=True, help='"11:30" (same day) or a date and time')
    new.add_argument("--place", default="")
    new.add_argument("--groups", default="all", help="G1,G2 by name (default: all groups)")
    new.add_argument("--policy", default="open", help="open (any path) or venue (QR/code only)")
    new.add_argument("--lat", type=float, help="venue point: latitude")
    new.add_argument("--lon", type=float, help="venue point: longitude")
    new.add_argument("--radius", type=int, help="venue radius in metres (default 200)")
    new.set_defaults(func=_cmd_events_create)
    evl = events.add_parser("list", help="events not yet over")
    evl.add_argument("--all", action="store_true", help="past events too")
    evl.set_defaults(func=_cmd_events_list)
    qr = events.add_parser("qr", help="the event's current check-in QR code as a PNG")
    qr.add_argument("event", type=int, help="the event's number")
    qr.add_argument("--out", required=True, help="FILE.png")
    qr.add_argument("--watch", action="store_true",
                    help="rewrite the file at every new code until the event ends")
    qr.add_argument("--bot", help="the bot's username (default: asked from the Bot API)")
    qr.set_defaults(func=_cmd_events_qr)
    return parser


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler logs every run of every job at INFO (the announcer runs every 30 s).
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters at DEBUG: server secrets (the
    # callback-data key) and members' phone numbers would end up in a -v log.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


class RedactSecrets(logging.Filter):
    """Replaces the bot token in every log record: Bot API URLs and errors can contain it."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = self._redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
        return True


def redact_token_in_logs(config: Config) -> None:
    token = config.telegram.token.get_secret_value() if config.telegram.token else ""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets(token))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        explicit = args.config or os.environ.get(CONFIG_ENV)
        config = load_config(args.config, missing_ok=not explicit)
        redact_token_in_logs(config)
        func: Command = args.func
        return asyncio.run(func(config, args))
    except ConfigError as exc:
        print(f"liaison-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidToken:
        print("liaison-bot: the Bot API refused the token; check it with @BotFather",
              file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
