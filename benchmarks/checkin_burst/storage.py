"""Check-in storage path: concurrent check-ins through AttendanceService vs raw SQLite.

    python -m benchmarks.checkin_burst.storage [--members 2000] [--rounds 5] [--dir DIR]

Three figures from the same run, on the same disk, with the pragmas the bot uses (WAL,
synchronous=NORMAL, foreign keys on), each into the real `checkins` table of a database made by
the project's migrations:

- raw: the stdlib sqlite3 module, one committed single-row INSERT per check-in (the baseline);
- one transaction per check-in: aiosqlite through Database.transaction(), as a naive service
  would write (shown for scale);
- the service: `--members` members call AttendanceService.check_in at once (asyncio.gather),
  each call returning after its check-in is committed; repeated for `--rounds` new events.

Rates are medians over the rounds; the ratio is service / raw.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.attendance.outcomes import CheckInOutcome
from bot.attendance.service import AttendanceService
from domain.clock import Clock
from domain.models import CheckInMethod, EventDraft, EventType, Member
from storage.db import Database, to_db_time
from storage.members import MemberRepository

TARGET_RATIO = 0.25


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


async def prepare(path: Path, members: int, events: int) -> tuple[list[Member], list[int]]:
    """A database with `members` members in one group and `events` events running now."""
    now = Clock()()
    async with Database(path, Clock()) as db:
        async with db.transaction() as conn:
            group = await MemberRepository.ensure_group(conn, "benchmark", now=Clock()())
            stamp = to_db_time(now)
            await conn.executemany(
                "INSERT INTO members(name, phone, group_id, role, telegram_user_id, created_at, "
                "updated_at) VALUES (?, ?, ?, 'member', ?, ?, ?)",
                [(f"member {i}", f"1{i:010d}", group, 10_000 + i, stamp, stamp)
                 for i in range(members)],
            )
        # events that started five minutes ago, made as staff made them before they started
        earlier = now - timedelta(minutes=10)
        service = AttendanceService(
            db, MemberRepository(db), ZoneInfo("UTC"), clock=lambda: earlier
        )
        event_ids = []
        for number in range(events):
            change = await service.create_event(
                None,
                EventDraft(
                    type=EventType.MEETING,
                    title=f"burst {number}",
                    starts_at=now - timedelta(minutes=5),
                    ends_at=now + timedelta(hours=3),
                    group_ids=(group,),
                ),
            )
            assert change.event is not None
            event_ids.append(change.event.id)
        return await MemberRepository(db).list_members(), event_ids


def raw_inserts(path: Path, member_ids: Sequence[int], event_id: int) -> float:
    """Rows per second: one committed INSERT per row with the stdlib driver."""
    conn = sqlite3.connect(path, isolation_level=None)  # autocommit: each INSERT commits
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    at = to_db_time(datetime.now(UTC))
    started = time.perf_counter()
    for member_id in member_ids:
        conn.execute(
            "INSERT INTO checkins(event_id, member_id, at, method, late) VALUES (?, ?, ?, ?, 0)",
            (event_id, member_id, at, "button"),
        )
    elapsed = time.perf_counter() - started
    conn.close()
    return len(member_ids) / elapsed


async def one_transaction_each(path: Path, member_ids: Sequence[int], event_id: int) -> float:
    """Rows per second: aiosqlite, one transaction (BEGIN, INSERT, COMMIT) per row."""
    at = to_db_time(Clock()())
    async with Database(path, Clock()) as db:
        started = time.perf_counter()
        for member_id in member_ids:
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO checkins(event_id, member_id, at, method, late) "
                    "VALUES (?, ?, ?, 'button', 0)",
                    (event_id, member_id, at),
                )
        return len(member_ids) / (time.perf_counter() - started)


async def service_burst(
    path: Path, members: Sequence[Member], event_ids: Sequence[int]
) -> tuple[list[float], list[float], int]:
    """Rates per round, latencies of every call (s) and transactions used, via the service."""
    rates: list[float] = []
    latencies: list[float] = []
    async with Database(path, Clock()) as db:
        service = AttendanceService(db, MemberRepository(db), ZoneInfo("UTC"))

        async def timed(member: Member, event_id: int) -> CheckInOutcome:
            started = time.perf_counter()
            result = await service.check_in(member, event_id, CheckInMethod.BUTTON)
            latencies.append(time.perf_counter() - started)
            return result.outcome

        for event_id in event_ids:
            started = time.perf_counter()
            outcomes = await asyncio.gather(*(timed(m, event_id) for m in members))
            rates.append(len(members) / (time.perf_counter() - started))
            recorded = sum(o is CheckInOutcome.RECORDED for o in outcomes)
            if recorded != len(members):
                raise SystemExit(f"only {recorded} of {len(members)} check-ins were recorded")
        await service.close()
        stored = await db.fetch_one("SELECT count(*) FROM checkins")
        assert stored is not None and stored[0] == len(members) * len(event_ids)
        return rates, latencies, service.writer.batches


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000, help="check-ins per burst")
    parser.add_argument("--rounds", type=int, default=5, help="bursts (one new event each)")
    parser.add_argument("--raw-rows", type=int, default=20_000, help="rows for the baseline")
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="checkin-burst-") as folder:
        base = Path(folder)
        raw_path, naive_path, service_path = (base / f"{n}.db" for n in ("raw", "naive", "svc"))
        raw_members, raw_events = await prepare(raw_path, args.raw_rows, args.rounds)
        naive_members, (naive_event,) = await prepare(naive_path, args.members, 1)
        members, events = await prepare(service_path, args.members, args.rounds)

        # a new event per round, so every insert is new
        raw_rates = [raw_inserts(raw_path, [m.id for m in raw_members], e) for e in raw_events]
        naive_rate = await one_transaction_each(
            naive_path, [m.id for m in naive_members], naive_event
        )
        rates, latencies, batches = await service_burst(service_path, members, events)

    raw = statistics.median(raw_rates)
    service = statistics.median(rates)
    total = args.members * args.rounds
    print(f"check-in storage path — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}; Python {platform.python_version()}, SQLite "
          f"{sqlite3.sqlite_version}; WAL, synchronous=NORMAL; files in {args.dir or 'TMPDIR'}")
    print()
    print(f"{'path':<58}{'rows':>8}{'rows/s':>10}{'× raw':>8}")
    lines = [
        ("raw sqlite3: one committed INSERT per row (baseline)", args.raw_rows, raw),
        ("aiosqlite: one transaction per check-in (naive)", args.members, naive_rate),
        (f"AttendanceService.check_in, {args.members} at once", args.members, service),
    ]
    for label, rows, rate in lines:
        print(f"{label:<58}{rows:>8}{rate:>10,.0f}{rate / raw:>8.2f}")
    print()
    print(f"service: {total} check-ins in {args.rounds} bursts, {batches} transactions "
          f"({total / batches:.0f} check-ins each); per-call latency "
          f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms "
          f"(all {args.members} calls of a burst start together)")
    print(f"rates are medians of {args.rounds} rounds: raw "
          + ", ".join(f"{r:,.0f}" for r in raw_rates)
          + "; service " + ", ".join(f"{r:,.0f}" for r in rates))
    ratio = service / raw
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"ratio service / raw = {ratio:.2f} ({verdict} the target of {TARGET_RATIO})")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
