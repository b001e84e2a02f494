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
from bot.core.cli import Command, Parser, language_of, say, speaking
from bot.core.config import Config, ConfigError, load_config
from bot.duty_record import cli as duty_cli
from bot.members import cli as members_cli
from bot.members import groups_cli
from bot.reminders import cli as reminders_cli
from bot.reports import cli as reports_cli

EXIT_USAGE = 2


async def _cmd_run(config: Config, args: argparse.Namespace) -> int:
    from liaison.runner import run_bot

    config.token_value()  # fails early, in one line, when there is none
    await run_bot(config)
    return 0


async def _cmd_doctor(config: Config, args: argparse.Namespace) -> int:
    from liaison.doctor import run_doctor

    return await run_doctor(config, out=sys.stdout)


def _backup_refusal(config: Config, out: Path, *, force: bool) -> str | None:
    """Why the backup must not be written to `out`, or None when it may."""
    if not config.storage.path.is_file():
        return say("cli.backup_no_database", path=config.storage.path)
    if out.resolve() == config.storage.path.resolve():
        return say("cli.backup_is_database", path=out)
    if force:
        return None
    if not out.parent.is_dir():
        return say("cli.backup_no_folder", folder=out.parent.resolve())
    if out.exists():
        return say("cli.backup_exists", path=out)
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
    print(say("cli.backup_written", path=out))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, in the language `speaking` set."""
    parser = Parser(prog="liaison-bot", description=say("cli.description"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                title=say("cli.commands"))

    sub.add_parser("run", help=say("cli.help_run"), description=say("cli.help_run")
                   ).set_defaults(func=_cmd_run)
    sub.add_parser("doctor", help=say("cli.help_doctor"), description=say("cli.help_doctor")
                   ).set_defaults(func=_cmd_doctor)
    backup = sub.add_parser("backup", help=say("cli.help_backup"),
                            description=say("cli.help_backup"))
    backup.add_argument("out", metavar="OUT.db", help=say("cli.help_backup_out"))
    backup.add_argument("--force", action="store_true", help=say("cli.help_backup_force"))
    backup.set_defaults(func=_cmd_backup)

    # Each capability adds its own commands, and its kinds of export under `export`.
    members_cli.add_commands(sub)
    groups_cli.add_commands(sub)
    attendance_cli.add_commands(sub)
    reminders_cli.add_commands(sub)
    duty_cli.add_commands(sub)
    export = sub.add_parser(
        "export", help=say("cli.help_export"), description=say("cli.help_export")
    ).add_subparsers(dest="export_command", required=True, metavar="KIND",
                     title=say("cli.kinds"))
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
    arguments = list(sys.argv[1:] if argv is None else argv)
    with speaking(language_of(arguments)):
        return _main(build_parser().parse_args(arguments))


def _main(args: argparse.Namespace) -> int:
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
        print(f"liaison-bot: {say('cli.token_refused')}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
