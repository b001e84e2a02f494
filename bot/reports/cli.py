"""`liaison-bot export reports`: the register of public-opinion reports from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.core.cli import Namespace, Subcommands, day_argument, say
from bot.core.config import Config
from bot.reports.export import export_reports_cli


async def _export(config: Config, args: Namespace) -> int:
    return await export_reports_cli(
        config, Path(args.out), date_from=args.date_from, date_to=args.date_to,
        status=args.status, out=sys.stdout,
    )


def add_exports(exports: Subcommands) -> None:
    """`export reports` under the `liaison-bot` command."""
    rep = exports.add_parser("reports", help=say("cli_export.help_reports"),
                             description=say("cli_export.help_reports"))
    rep.add_argument("--from", dest="date_from", metavar="DATE", type=day_argument,
                     help=say("cli_export.help_from"))
    rep.add_argument("--to", dest="date_to", metavar="DATE", type=day_argument,
                     help=say("cli_export.help_to"))
    rep.add_argument("--status", help=say("cli_export.help_status"))
    rep.add_argument("--out", required=True, metavar="FILE", help=say("cli_export.help_out"))
    rep.set_defaults(func=_export)
