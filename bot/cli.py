"""The `liaison-bot` command: run, doctor and backup here; each capability adds its own
commands (members, events) and its kinds of export."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from telegram.error import InvalidToken

from bot.attendance import cli as attendance_cli
from bot.core.cli import Command
from bot.core.config import Config, ConfigError, load_config
from bot.duty_record import cli as duty_cli
from bot.members import cli as members_cli
from bot.members import groups_cli
from bot.reminders import cli as reminders_cli
from bot.reports import cli as reports_cli

EXIT_USAGE = 2


async def _cmd_run(config: Config, args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    config.token_value()  # fails early, in one line, when there is none
    await run_bot(config)
    return 0


async def _cmd_doctor(config: Config, args: argparse.Namespace) -> int:
    from bot.doctor import run_doctor

    return await run_doctor(config, out=sys.stdout)


def _backup_refusal(config: Config, out: Path, *, force: bool) -> str | None:
    """Why the backup must not be written to `out`, or None when it may."""
    if not config.storage.path.is_file():
        return f"the database {config.storage.path} does not exist: nothing to back up"
    if out.resolve() == config.storage.path.resolve():
        return f"{out} is the database itself; name another file"
    if force:
        return None
    if not out.parent.is_dir():
        return f"the folder {out.parent.resolve()} does not exist; create it, or add --force"
    if out.exists():
        return f"{out} exists already; name a new file, or add --force to replace it"
    return None


async def _cmd_backup(config: Config, args: argparse.Namespace) -> int:
    from storage.db import Database

    out = Path(args.out)
    refusal = _backup_refusal(config, out, force=args.force)
    if refusal is not None:
        print(f"liaison-bot backup: {refusal}", file=sys.stderr)
        return 1
    async with Database(config.storage.path, config.clock) as db:
        await db.backup(out)
    print(f"backup written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liaison-bot", description="委员联络助手 · Member Liaison Bot"
    )
    parser.add_argument(
        "--config", help="config file (default: $LIAISON_BOT_CONFIG, else ./config.toml)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot").set_defaults(func=_cmd_run)
    sub.add_parser("doctor", help="check config, database, token and group rights").set_defaults(
        func=_cmd_doctor
    )
    backup = sub.add_parser("backup", help="copy the database while the bot runs")
    backup.add_argument("out", help="the backup file to write (a new file)")
    backup.add_argument(
        "--force", action="store_true",
        help="create missing folders and replace an existing file",
    )
    backup.set_defaults(func=_cmd_backup)

    # Each capability adds its own commands, and its kinds of export under `export`.
    members_cli.add_commands(sub)
    groups_cli.add_commands(sub)
    attendance_cli.add_commands(sub)
    reminders_cli.add_commands(sub)
    duty_cli.add_commands(sub)
    export = sub.add_parser("export", help="spreadsheets for the committee").add_subparsers(
        dest="export_command", required=True
    )
    reports_cli.add_exports(export)
    attendance_cli.add_exports(export)
    duty_cli.add_exports(export)
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
        config = load_config(args.config)
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
