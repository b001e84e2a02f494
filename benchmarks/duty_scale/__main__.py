"""The duty record at scale: /me, /stats and the full-year export over a big committee's year,
against the naive way of computing the same figures, from the same run.

    python -m benchmarks.duty_scale [--members 10000] [--export-members 5000] [--sample 300]
        [--naive-sample 300] [--repeat 3] [--dir DIR] [--fresh]

The database (benchmarks/duty_scale/world.py: by default 10,000 members in 15 groups, 200
events, about 1,000,000 check-ins, 20,000 reports) is made by the project's migrations and
cached in DIR (default: the temporary folder) by its scale; a second, of `--export-members`,
for the export's target. Each measured part runs in a fresh process (parts.py), so each peak
RSS is its own:

- /me: `DutyRecordService.record(actor, None, year)` for `--sample` random members: p50, p95;
- /stats: `DutyRecordService.committee(staff, year)`: median of `--repeat`;
- export: the full-year export of everyone, at both sizes (until bot/duty_record/export.py
  exists: the data it is built from, `records(year, Scope())` + `lists(year, Scope())`);
- the baseline (benchmarks/duty_scale/naive.py): the same figures read member by member with
  a query per event, per report, per filing …, as a first version would. For /stats and the
  export it is timed on `--naive-sample` members and extrapolated to everyone (printed as such);
  its figures are compared with the product's for every member it computed, and the run fails
  (exit status 2) on any difference;
- where the time goes: each aggregate of the repository run alone, and the query plans.

Exit status 1 when a target is missed (/me p95 < 20 ms, the export of --export-members
< 5 s, peak RSS of each product part < 150 MB).
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.checkin_burst.storage import machine, percentile
from benchmarks.duty_scale.world import YEAR, Scale, WorldSummary, cached

ME_P95_MS = 20.0
EXPORT_S = 5.0
RSS_MB = 150.0
ROOT = Path(__file__).resolve().parents[2]


def run_part(part: str, db: Path, *options: str) -> dict[str, Any]:
    """One part in a fresh interpreter; its line of JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.duty_scale.parts", part, "--db", str(db), *options],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"part {part} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def describe(summary: WorldSummary) -> str:
    return (f"{summary.members:,} members in {summary.groups} groups and {summary.staff} staff; "
            f"{summary.events} events ({summary.committee_wide} committee-wide); "
            f"{summary.checkins:,} check-ins, {summary.leaves:,} leave requests; "
            f"{summary.reports:,} reports ({summary.coauthors:,} co-authorships, "
            f"{summary.comments:,} leaders' instructions); {summary.filings:,} proposal "
            f"filings; {summary.notes:,} reading notes")


def database(scale: Scale, folder: Path | None, fresh: bool) -> tuple[Path, WorldSummary]:
    path, took = cached(scale, folder, fresh=fresh)
    summary = WorldSummary.read(path)
    how = f"generated in {took:.1f} s" if took is not None else "from the cache"
    print(f"database {path.name} ({how}): {describe(summary)}")
    return path, summary


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:,.0f} s"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--export-members", type=int, default=5_000,
                        help="the export target's size (a database of its own)")
    parser.add_argument("--groups", type=int, default=None)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--checkins", type=int, default=None,
                        help="default: 100 per member")
    parser.add_argument("--reports", type=int, default=None, help="default: 2 per member")
    parser.add_argument("--sample", type=int, default=300, help="members asking /me")
    parser.add_argument("--naive-sample", type=int, default=300,
                        help="members the baseline computes for /stats and the export")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="the databases' cache folder")
    parser.add_argument("--fresh", action="store_true", help="build the databases again")
    args = parser.parse_args(argv)

    print(f"duty record at scale — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; year {YEAR}")
    print(f"machine: {machine()}; Python {platform.python_version()}, SQLite "
          f"{sqlite3.sqlite_version}")
    sizes = dict(groups=args.groups, events=args.events, checkins=args.checkins,
                 reports=args.reports)
    main_db, summary = database(Scale.for_members(args.members, **sizes), args.dir, args.fresh)
    export_db, export_summary = main_db, summary
    if args.export_members < args.members:
        export_db, export_summary = database(
            Scale.for_members(args.export_members, **{**sizes, "checkins": None,
                                                      "reports": None}),
            args.dir, args.fresh)
    print()

    sample = ["--sample", str(args.sample), "--repeat", str(args.repeat)]
    naive = ["--sample", str(args.naive_sample)]
    started = time.perf_counter()
    idle = run_part("idle", main_db)
    me = run_part("me", main_db, *sample)
    me_lists = run_part("me-lists", main_db, *sample)
    naive_me = run_part("naive-me", main_db, *sample)
    stats = run_part("stats", main_db, *sample)
    naive_stats = run_part("naive-stats", main_db, *naive)
    exports = [run_part("export", export_db, "--repeat", "1")]
    by_group = [run_part("export-by-group", export_db, "--repeat", "1")]
    if export_db != main_db:
        exports.append(run_part("export", main_db, "--repeat", "1"))
        by_group.append(run_part("export-by-group", main_db, "--repeat", "1"))
    naive_export = run_part("naive-export", main_db, *naive)
    breakdown = run_part("breakdown", main_db, "--sample", "50", "--repeat", "1")
    took = time.perf_counter() - started

    problems = naive_me["problems"] + naive_stats["problems"] + naive_export["problems"]
    me_ms = [t * 1000 for t in me["times"]]
    naive_me_ms = [t * 1000 for t in naive_me["times"]]

    def extrapolated(part: dict[str, Any]) -> tuple[float, str]:
        total = part["fixed"] + part["per_member"] * part["members"]
        how = ("all members" if part["full"] else
               f"EXTRAPOLATED from {part['sampled']} of {part['members']:,} members")
        return total, how

    naive_stats_s, stats_how = extrapolated(naive_stats)
    naive_export_s, export_how = extrapolated(naive_export)
    stats_s = statistics.median(stats["times"])

    print(f"{'':<44}{'product':>12}{'naive':>12}{'naive ÷ product':>17}{'target':>10}"
          f"{'peak RSS':>10}")

    def line(label: str, product: str, baseline: str, ratio: float | None, target: str = "",
             rss: float | None = None) -> None:
        shown = f"{ratio:.1f}×" if ratio is not None else ""
        memory = f"{rss:.0f} MB" if rss is not None else ""
        print(f"{label:<44}{product:>12}{baseline:>12}{shown:>17}{target:>10}{memory:>10}")

    p50, p95 = percentile(me_ms, 0.5), percentile(me_ms, 0.95)
    n50, n95 = percentile(naive_me_ms, 0.5), percentile(naive_me_ms, 0.95)
    line(f"/me, {len(me_ms)} members: p50", f"{p50:.1f} ms", f"{n50:.1f} ms", n50 / p50, "",
         me["rss_mb"])
    line("/me: p95", f"{p95:.1f} ms", f"{n95:.1f} ms", n95 / p95, f"< {ME_P95_MS:.0f} ms")
    lists_ms = [t * 1000 for t in me_lists["times"]]
    l50, l95 = percentile(lists_ms, 0.5), percentile(lists_ms, 0.95)
    line("/me's lines (member_lists): p50", f"{l50:.1f} ms", f"{n50:.1f} ms", n50 / l50, "",
         me_lists["rss_mb"])
    line("/me's lines: p95", f"{l95:.1f} ms", f"{n95:.1f} ms", n95 / l95)
    line(f"/stats, {stats['members']:,} members on the roster", seconds(stats_s),
         seconds(naive_stats_s), naive_stats_s / stats_s, "", stats["rss_mb"])
    export_times = []
    for export, size in zip(exports, (export_summary, summary), strict=False):
        spent = min(export["times"])
        export_times.append(spent)
        target = f"< {EXPORT_S:.0f} s" if size is export_summary else ""
        naive_s = (naive_export_s * export["members"] / naive_export["members"])
        what = "export" if export["export_module"] else "export data"
        line(f"{what}, {export['members']:,} members", seconds(spent), seconds(naive_s),
             naive_s / spent, target, export["rss_mb"])
    for grouped, size in zip(by_group, (export_summary, summary), strict=False):
        spent = min(grouped["times"])
        target = f"< {EXPORT_S:.0f} s" if size is export_summary else ""
        naive_s = (naive_export_s * grouped["members"] / naive_export["members"])
        line(f"… read group by group, {grouped['members']:,}", seconds(spent),
             seconds(naive_s), naive_s / spent, target, grouped["rss_mb"])
    print()
    print("the naive /me computes the lines too (one pass gives both); group by group: "
          f"{by_group[0]['scopes']} scopes (each group, then each member without one)")
    print(f"naive /stats: {stats_how}; naive export: {export_how} (for the other database "
          "scaled from it by members)")
    print(f"queries per /me: naive median {statistics.median(naive_me['queries']):.0f}, "
          "product 9 (7 aggregates, grades, nudges)")
    print(f"a process that only opens the database: {idle['rss_mb']:.0f} MB peak RSS")
    if not exports[0]["export_module"]:
        print("export: bot/duty_record/export.py is not there yet: the figures are the time to "
              "build its data, records + lists of everyone (the hook: parts.part_export)")
    for export in exports:
        print(f"export data at {export['members']:,} members: records (the figures) "
              f"{min(export['records_times']):.2f} s, lists (the lines behind them) "
              f"{min(export['data_times']) - min(export['records_times']):.2f} s"
              + (f"; the .xlsx ({export['bytes']:,} bytes) {min(export['times']):.2f} s"
                 if export["export_module"] else ""))
    print(f"export data rows (event, report, proposal and note lines) at "
          f"{exports[-1]['members']:,} members: {exports[-1]['rows']:,}")
    print()
    print("where the time goes: each query of the repository alone (ms)")
    print(f"{'':<44}{'everyone':>12}{'one member':>12}")
    for name, figures in breakdown["figures"].items():
        print(f"{name:<44}{figures['all'] * 1000:>12.1f}{figures['one'] * 1000:>12.2f}")
    print()
    for name, plan in breakdown["plans"].items():
        print(f"query plan, {name}:")
        for step in plan:
            print(f"    {step}")
    print()
    print(f"parts ran in {took:.0f} s")

    if problems:
        print(f"FAIL: the naive figures differ from the product's ({len(problems)}):")
        for problem in problems[:20]:
            print(f"  {problem}")
        return 2
    print(f"naive == product for every member computed ({len(naive_me_ms)} /me, "
          f"{naive_stats['sampled']} /stats, {naive_export['sampled']} export)")
    rss = max(me["rss_mb"], stats["rss_mb"], *(e["rss_mb"] for e in exports))
    missed = [
        f"/me p95 {p95:.1f} ms ≥ {ME_P95_MS:.0f} ms" if p95 >= ME_P95_MS else "",
        f"export {export_times[0]:.1f} s ≥ {EXPORT_S:.0f} s" if export_times[0] >= EXPORT_S
        else "",
        f"peak RSS {rss:.0f} MB ≥ {RSS_MB:.0f} MB" if rss >= RSS_MB else "",
    ]
    missed = [m for m in missed if m]
    grouped_s, grouped_mb = min(by_group[0]["times"]), by_group[0]["rss_mb"]
    fits = grouped_s < EXPORT_S and grouped_mb < RSS_MB
    print(f"the export's data read group by group at {by_group[0]['members']:,} members: "
          f"{grouped_s:.1f} s, {grouped_mb:.0f} MB peak RSS "
          f"({'within' if fits else 'outside'} the export's targets)")
    if missed:
        print("targets missed: " + "; ".join(missed))
        return 1
    print("targets met: /me p95, export time, peak RSS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
