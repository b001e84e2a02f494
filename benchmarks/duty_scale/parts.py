"""The measured parts of the duty record benchmark, each run in a fresh process so that each has
its own peak memory:

    python -m benchmarks.duty_scale.parts PART --db PATH [--sample N] [--repeat N] [--seed N]

PART is one of: idle, me, me-lists, stats, export, export-by-group, naive-me, naive-stats,
naive-export, breakdown. The part prints one line of JSON: its figures and the process's peak
RSS. The naive parts also compare their figures with the product's for the members they
computed, and report every difference found.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import random
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.duty_scale.naive import NaiveDuty
from benchmarks.duty_scale.world import NOW, YEAR, ZONE
from bot.core.auth import Actor
from bot.core.config import DutyRecordConfig
from bot.duty_record.service import DutyLists, DutyRecord, DutyRecordService
from domain.clock import Clock
from domain.duty_models import Scope
from domain.models import Member
from storage.db import Database
from storage.duty_queries import COUNTS, with_scope
from storage.members import MemberRepository

# The full-year export (bot/duty_record/export.py, written in parallel with this benchmark).
# Until it is there the export part times the data it is built from: records + lists.
EXPORT_MODULE = "bot.duty_record.export"


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM (Linux) is the process image's own; the
    rusage figure would carry the parent's peak over the exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def make_service(db: Database) -> DutyRecordService:
    return DutyRecordService(db, MemberRepository(db), ZONE, DutyRecordConfig(),
                             clock=lambda: NOW)


async def assessed(db: Database, *, active_only: bool) -> list[Member]:
    """Members with a record in the year (staff left out), in id order."""
    span = make_service(db).span(YEAR)
    people = await MemberRepository(db).list_members()
    found = [
        m for m in people if m.role.value not in ("staff", "admin")
        and (m.deactivated_at is None or
             m.deactivated_at.isoformat(timespec="microseconds") >= span.start)
        and not (active_only and m.deactivated_at is not None)
    ]
    return sorted(found, key=lambda m: m.id)


async def staff_actor(db: Database) -> Actor:
    staff = [m for m in await MemberRepository(db).list_members() if m.role.value == "staff"]
    return Actor.resolve(staff[0].telegram_user_id or 0, staff[0], set())


def sample(people: Sequence[Member], size: int, seed: int) -> list[Member]:
    if size >= len(people):
        return list(people)
    return random.Random(seed).sample(list(people), size)


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


@dataclass(frozen=True)
class Options:
    db: Path
    sample: int
    repeat: int
    seed: int


# -- the product ---------------------------------------------------------------------------


async def part_idle(db: Database, options: Options) -> dict[str, Any]:
    make_service(db)
    return {}


async def part_me(db: Database, options: Options) -> dict[str, Any]:
    service = make_service(db)
    people = await assessed(db, active_only=True)
    chosen = sample(people, options.sample, options.seed)
    for warm in sample(people, 3, options.seed + 1):  # first calls fill caches
        await service.record(Actor.resolve(warm.telegram_user_id or 0, warm, set()), None, YEAR)
    times = []
    for member in chosen:
        actor = Actor.resolve(member.telegram_user_id or 0, member, set())
        elapsed, _ = await timed(lambda actor=actor: service.record(actor, None, YEAR))
        times.append(elapsed)
    return {"times": times, "members": len(chosen)}


async def part_stats(db: Database, options: Options) -> dict[str, Any]:
    service = make_service(db)
    actor = await staff_actor(db)
    times = []
    for _ in range(options.repeat):
        elapsed, stats = await timed(lambda: service.committee(actor, YEAR))
        times.append(elapsed)
    return {"times": times, "members": stats.total.members}


def export_available() -> bool:
    try:
        return importlib.util.find_spec(EXPORT_MODULE) is not None
    except ModuleNotFoundError:
        return False


async def part_export(db: Database, options: Options) -> dict[str, Any]:
    """The full-year export of everyone: bot/duty_record/export.py's DutyExporter writing the
    .xlsx when it is there (its peak RSS measured before anything else is read); then the
    data read all at once, records + lists of everyone, as the export read it before it went
    batch by batch (and the data alone until the exporter is there)."""
    service = make_service(db)
    times, records_times, data_times = [], [], []
    rows = size = 0
    exporter = _exporter(service)
    if exporter is not None:
        # the export alone first, so that the process's peak RSS is the export's
        for _ in range(options.repeat):
            started = time.perf_counter()
            files = await exporter()
            times.append(time.perf_counter() - started)
            size = sum(len(f.content) for f in files)
            del files
    rss_before = peak_rss_mb()  # then the data all at once, as the export read it before
    for _ in range(options.repeat):
        started = time.perf_counter()
        records = await service.records(YEAR, Scope())
        records_times.append(time.perf_counter() - started)
        lists = await service.lists(YEAR, Scope())
        data_times.append(time.perf_counter() - started)
        rows = len(lists.events) + len(lists.reports) + len(lists.proposals) + len(lists.notes)
        del records, lists
    return {"times": times or data_times, "records_times": records_times,
            "data_times": data_times,
            "what": "DutyExporter .xlsx" if exporter else "records + lists (export data)",
            "rows": rows, "bytes": size,
            "members": len(await assessed(db, active_only=False)),
            "export_module": exporter is not None,
            "rss_mb": rss_before if exporter is not None else peak_rss_mb()}


def _exporter(service: DutyRecordService) -> Callable[[], Awaitable[list[Any]]] | None:
    """The export of everyone's year as .xlsx, if bot/duty_record/export.py is there (as
    written in the export branch: DutyExporter(service).export(actor, format, DutyFilter))."""
    if not export_available():
        return None
    module = importlib.import_module(EXPORT_MODULE)
    from bot.exports.spreadsheet import ExportFormat

    exporter = module.DutyExporter(service)

    async def export() -> list[Any]:
        files: list[Any] = await exporter.export(None, ExportFormat.XLSX,
                                                 module.DutyFilter(YEAR))
        return files

    return export


async def part_export_by_group(db: Database, options: Options) -> dict[str, Any]:
    """The same data read group by group, each group's released before the next is read (as
    an export that writes its rows as it goes would): members without a group one by one."""
    service = make_service(db)
    groups = [g.id for g in await MemberRepository(db).list_groups()]
    loners = [m.id for m in await assessed(db, active_only=False) if m.group_id is None]
    scopes = [Scope(group_id=g) for g in groups] + [Scope(member_id=m) for m in loners]
    times = []
    members = rows = 0
    for _ in range(options.repeat):
        started = time.perf_counter()
        members = rows = 0
        for scope in scopes:
            records = await service.records(YEAR, scope)
            lists = await service.lists(YEAR, scope)
            members += len(records)
            rows += (len(lists.events) + len(lists.reports) + len(lists.proposals)
                     + len(lists.notes))
            del records, lists
        times.append(time.perf_counter() - started)
    return {"times": times, "members": members, "rows": rows, "scopes": len(scopes)}


async def part_me_lists(db: Database, options: Options) -> dict[str, Any]:
    """The lines behind /me (`member_lists`) for the /me part's members."""
    service = make_service(db)
    people = await assessed(db, active_only=True)
    chosen = sample(people, options.sample, options.seed)
    times = []
    for member in chosen:
        actor = Actor.resolve(member.telegram_user_id or 0, member, set())
        elapsed, _ = await timed(lambda actor=actor: service.member_lists(actor, None, YEAR))
        times.append(elapsed)
    return {"times": times, "members": len(chosen)}


# -- the baseline --------------------------------------------------------------------------


def _differences(label: str, mine: object, theirs: object) -> list[str]:
    return [] if mine == theirs else [f"{label}: naive {mine!r} != product {theirs!r}"[:600]]


async def part_naive_me(db: Database, options: Options) -> dict[str, Any]:
    service = make_service(db)
    naive = NaiveDuty(db, service)
    people = await assessed(db, active_only=True)
    chosen = sample(people, options.sample, options.seed)  # the /me part's first members
    times, queries, found = [], [], []
    for member in chosen:
        before = naive.queries
        elapsed, record = await timed(lambda member=member: naive.record(member.id, YEAR))
        times.append(elapsed)
        queries.append(naive.queries - before)
        found.append(record)
    problems: list[str] = []
    for member, record in zip(chosen, found, strict=True):
        actor = Actor.resolve(member.telegram_user_id or 0, member, set())
        _, product = await service.record(actor, None, YEAR)
        problems += _differences(f"/me of member {member.id}", record, product)
    return {"times": times, "queries": queries, "members": len(chosen), "problems": problems}


def _group_figures(records: Sequence[DutyRecord]) -> dict[int | None, tuple[int, ...]]:
    groups: dict[int | None, list[int]] = {}
    for record in records:
        c = record.counts
        figures = groups.setdefault(c.group_id, [0] * 7)
        for i, value in enumerate((1, c.expected, c.attended_expected, c.submitted,
                                   c.adopted_total, c.proposals, int(record.behind))):
            figures[i] += value
    return {group: tuple(values) for group, values in groups.items()}


async def part_naive_stats(db: Database, options: Options) -> dict[str, Any]:
    """/stats the naive way: the roster, every member on it one by one, the reports per
    month; timed on a sample of members and extrapolated when the sample is not everyone."""
    service = make_service(db)
    naive = NaiveDuty(db, service)
    span = service.span(YEAR)
    started = time.perf_counter()
    roster = await naive.roster(span, active_only=True)
    months = await naive.months(YEAR)
    fixed = time.perf_counter() - started
    chosen = sample(roster, options.sample, options.seed)
    target = naive.target(YEAR)
    started = time.perf_counter()
    records = []
    for person in chosen:
        year = await naive.year(person, span)
        records.append(DutyRecord(YEAR, year.counts, {}, target))
    per_member = (time.perf_counter() - started) / max(1, len(chosen))
    product = await service.committee(await staff_actor(db), YEAR)
    everyone = {r.counts.member_id: r for r in await service.records(
        YEAR, Scope(active_only=True))}
    problems: list[str] = []
    for record in records:
        theirs = everyone.get(record.counts.member_id)
        problems += _differences(f"/stats figures of member {record.counts.member_id}",
                                 (record.counts, record.behind),
                                 (theirs.counts, theirs.behind) if theirs else None)
    problems += _differences("/stats reports per month", months, product.months)
    full = len(chosen) == len(roster)
    if full:  # everyone was computed: the groups' sums must be the product's too
        theirs_groups = {
            (g.group.id if g.group else None): (g.members, g.expected, g.attended_expected,
                                                g.submitted, g.adopted, g.proposals, g.behind)
            for g in product.groups if g.members
        }
        problems += _differences("/stats groups", _group_figures(records), theirs_groups)
    return {"fixed": fixed, "per_member": per_member, "sampled": len(chosen),
            "members": len(roster), "full": full, "queries": naive.queries,
            "problems": problems}


async def part_naive_export(db: Database, options: Options) -> dict[str, Any]:
    """The export's data the naive way: every member's figures, grades and lists one by one;
    timed on a sample and extrapolated when the sample is not everyone."""
    service = make_service(db)
    naive = NaiveDuty(db, service)
    span = service.span(YEAR)
    started = time.perf_counter()
    roster = await naive.roster(span)
    fixed = time.perf_counter() - started
    chosen = sample(roster, options.sample, options.seed)
    started = time.perf_counter()
    found = []
    for person in chosen:
        year = await naive.year(person, span)
        grades = await naive.grades(person["id"], YEAR)
        found.append((year, grades))
    per_member = (time.perf_counter() - started) / max(1, len(chosen))
    records = {r.counts.member_id: r for r in await service.records(YEAR, Scope())}
    lists = await service.lists(YEAR, Scope())
    problems: list[str] = []
    for year, grades in found:
        member_id = year.counts.member_id
        theirs = records.get(member_id)
        problems += _differences(f"export figures of member {member_id}",
                                 (year.counts, grades),
                                 (theirs.counts, theirs.grades) if theirs else None)
        problems += _differences(f"export lists of member {member_id}", year.lists,
                                 _lists_of(lists, member_id))
    full = len(chosen) == len(roster)
    if full:
        problems += _differences("export: who has a record", [p["id"] for p in roster],
                                 list(records))
    return {"fixed": fixed, "per_member": per_member, "sampled": len(chosen),
            "members": len(roster), "full": full, "queries": naive.queries,
            "problems": problems}


def _lists_of(lists: DutyLists, member_id: int) -> DutyLists:
    return DutyLists(
        events=[x for x in lists.events if x.member_id == member_id],
        reports=[x for x in lists.reports if x.member_id == member_id],
        proposals=[x for x in lists.proposals if x.member_id == member_id],
        notes=[x for x in lists.notes if x.member_id == member_id],
    )


# -- where the time goes -------------------------------------------------------------------


async def _plan(db: Database, sql: str, params: dict[str, Any]) -> list[str]:
    rows = await db.fetch_all("EXPLAIN QUERY PLAN " + sql, params)
    depth: dict[int, int] = {0: -1}
    lines = []
    for row in rows:
        depth[row[0]] = depth.get(row[1], -1) + 1
        lines.append("  " * depth[row[0]] + row[3])
    return lines


async def part_breakdown(db: Database, options: Options) -> dict[str, Any]:
    """Each aggregate of repo.counts and each list query run alone: for everyone (median of
    `repeat`) and for one member (median over `sample` members); the plans of the heavy ones."""
    service = make_service(db)
    repo = service.repo
    span = service.span(YEAR)
    people = await assessed(db, active_only=True)
    chosen = sample(people, options.sample, options.seed)
    figures: dict[str, dict[str, float]] = {}

    async def measure(name: str, run: Callable[[Scope], Awaitable[Any]]) -> None:
        everyone = []
        for _ in range(options.repeat):
            elapsed, _ = await timed(lambda: run(Scope()))
            everyone.append(elapsed)
        one = []
        for member in chosen:
            elapsed, _ = await timed(lambda member=member: run(Scope(member_id=member.id)))
            one.append(elapsed)
        figures[name] = {"all": statistics.median(everyone), "one": statistics.median(one)}

    for kind, (ctes, query) in COUNTS.items():
        await measure(f"counts: {kind}", lambda scope, ctes=ctes, query=query:
                      repo._rows(span, scope, ctes, query))
    await measure("counts: all of the above + models", lambda scope: repo.counts(span, scope))
    await measure("grades", lambda scope: repo.grades(
        YEAR, [scope.member_id] if scope.member_id is not None else None))
    await measure("lists: all (event lines joined in Python)",
                  lambda scope: service.lists(YEAR, scope))
    await measure("lists: reports", lambda scope: repo.reports(span, scope))
    await measure("lists: proposals", lambda scope: repo.proposals(span, scope))
    await measure("lists: notes", lambda scope: repo.notes(span, scope))

    plans: dict[str, list[str]] = {}
    for kind in ("expected", "attended", "reports", "coauthored"):
        ctes, query = COUNTS[kind]
        for label, scope in (("everyone", Scope()), ("one member",
                                                     Scope(member_id=chosen[0].id))):
            head, params = with_scope(span, scope, *ctes)
            plans[f"counts: {kind}, {label}"] = await _plan(db, head + query, params)
    # the check-ins behind one member's event lines (the /me details), as the repository
    # sends the query (after the member's row, before their leaves)
    events = await repo.year_events(span)
    sent: list[tuple[str, Any]] = []
    fetch_all = db.fetch_all

    async def spy(sql: str, params: Any = ()) -> list[Any]:
        sent.append((sql, params))
        return await fetch_all(sql, params)

    db.fetch_all = spy  # type: ignore[method-assign]
    try:
        await repo.event_outcomes(events, [chosen[0].id])
    finally:
        db.fetch_all = fetch_all  # type: ignore[method-assign]
    plans["lists: check-ins, one member"] = await _plan(db, *sent[1])
    return {"figures": figures, "plans": plans}


PARTS: dict[str, Callable[[Database, Options], Awaitable[dict[str, Any]]]] = {
    "idle": part_idle, "me": part_me, "me-lists": part_me_lists, "stats": part_stats,
    "export": part_export, "export-by-group": part_export_by_group,
    "naive-me": part_naive_me, "naive-stats": part_naive_stats,
    "naive-export": part_naive_export, "breakdown": part_breakdown,
}


async def run_part(name: str, options: Options) -> dict[str, Any]:
    async with Database(options.db, Clock()) as db:
        result = await PARTS[name](db, options)
    result.setdefault("rss_mb", peak_rss_mb())  # the export part gives the export's own
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=sorted(PARTS))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    options = Options(args.db, args.sample, args.repeat, args.seed)
    result = asyncio.run(run_part(args.part, options))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
