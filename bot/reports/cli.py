"""`liaison-bot export reports`: the register of public-opinion reports from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.core.cli import Namespace, Subcommands, day_argument
from bot.core.config import Config
from bot.reports.export import export_reports_cli


async def _export(config: Config, args: Namespace) -> int:
    return await export_reports_cli(
        config, Path(args.out), date_from=args.date_from, date_to=args.date_to,
        status=args.status, out=sys.stdout,
    )


def add_exports(exports: Subcommands) -> None:
    """`export reports` under the `liaison-bot` command."""
    rep = exports.add_parser("reports", help="the register of public-opinion reports")
    rep.add_argument("--from", dest="date_from", type=day_argument, help="first day (YYYY-MM-DD)")
    rep.add_argument("--to", dest="date_to", type=day_argument, help="last day (YYYY-MM-DD)")
    rep.add_argument("--status", help="only reports in this status (e.g. adopted or 已采用)")
    rep.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
    rep.set_defaults(func=_export)
