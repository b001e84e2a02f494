"""A committee's year at scale for the duty record benchmark: members in groups, events, check-ins
and leave requests, reports in every status, proposals, reading notes, grades and nudges —
written straight into a database made by the project's migrations, in one transaction.

The default scale is the issue's: 10,000 members in 15 groups, 200 events in the year,
1,000,000 check-ins, 20,000 reports. 200 events of one to three groups expect only about
270,000 attendances of 10,000 members in 15 groups (an event of two groups expects about 1,300
members), so 1,000,000 check-ins of *expected* members need committee-wide events too
(plenary sessions, study sessions for everyone): the generator makes as many of the events
committee-wide as the check-ins ask for (about half at the default scale) and gives the rest one
to three groups. About 2% of the check-ins are of members at an event not of their group.

Databases are cached in a temporary folder, keyed by the scale, the generator's version and
the migrations, so a second run starts at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.clock import Clock
from storage.db import Database, migrations, to_db_time

GENERATOR_VERSION = 1
YEAR = 2025
ZONE = ZoneInfo("Asia/Shanghai")
# The service's clock: 20 December 2025, noon in the committee's zone. The year's last events
# are not over yet (expected of nobody, no check-ins); all the rest are.
NOW = datetime(2025, 12, 20, 4, 0, tzinfo=UTC)
STAMP = "2024-11-01T00:00:00.000000+00:00"
ATTENDANCE_TARGET = 0.85  # the share of expected members who check in, at most about this
ELSEWHERE_SHARE = 0.02  # of the check-ins: members at an event not of their group

_TYPES = ("reading", "advice", "inspection", "consultation", "meeting", "study", "other")
_STATUSES = ("draft", "submitted", "accepted", "returned", "adopted", "forwarded", "kept",
             "not_adopted")
_STATUS_WEIGHTS = (5, 15, 15, 8, 20, 12, 15, 10)
_CATEGORIES = ("economy", "livelihood", "governance", "ecology", "culture_education", "health",
               "rule_of_law", "other")
_BOOKS = ("乡土中国", "论语", "史记", "红楼梦", "资治通鉴", "平凡的世界", "孙子兵法")


@dataclass(frozen=True)
class Scale:
    """How big the committee's year is."""

    members: int = 10_000
    groups: int = 15
    staff: int = 5
    events: int = 200
    checkins: int = 1_000_000
    reports: int = 20_000
    seed: int = 2025

    @classmethod
    def for_members(cls, members: int, **given: int | None) -> Scale:
        """A scale for `members`, the rest in the default proportions unless given."""
        defaults = cls()
        share = members / defaults.members
        values = {
            "members": members,
            "checkins": round(defaults.checkins * share),
            "reports": round(defaults.reports * share),
        }
        values.update({k: v for k, v in given.items() if v is not None})
        return cls(**values)

    def key(self) -> str:
        digest = hashlib.sha256(repr((GENERATOR_VERSION, sorted(asdict(self).items()))).encode())
        for number, _name, sql in migrations():
            digest.update(f"{number}:{sql}".encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class WorldSummary:
    """What was written, counted from the database."""

    members: int
    staff: int
    groups: int
    events: int
    committee_wide: int
    checkins: int
    leaves: int
    reports: int
    coauthors: int
    comments: int
    filings: int
    notes: int

    @classmethod
    def read(cls, path: Path) -> WorldSummary:
        conn = sqlite3.connect(path)
        try:
            def one(sql: str) -> int:
                return int(conn.execute(sql).fetchone()[0])

            groups = one("SELECT count(*) FROM activity_groups")
            return cls(
                members=one("SELECT count(*) FROM members WHERE role IN ('member', 'leader')"),
                staff=one("SELECT count(*) FROM members WHERE role IN ('staff', 'admin')"),
                groups=groups,
                events=one("SELECT count(*) FROM events"),
                committee_wide=one("SELECT count(*) FROM (SELECT event_id FROM event_groups "
                                   f"GROUP BY event_id HAVING count(*) = {groups})"),
                checkins=one("SELECT count(*) FROM checkins"),
                leaves=one("SELECT count(*) FROM leave_requests"),
                reports=one("SELECT count(*) FROM reports"),
                coauthors=one("SELECT count(*) FROM report_coauthors"),
                comments=one("SELECT count(*) FROM report_comments"),
                filings=one("SELECT count(*) FROM proposal_filings"),
                notes=one("SELECT count(*) FROM reading_notes"),
            )
        finally:
            conn.close()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def _days(first: date, last: date) -> int:
    return (last - first).days


@dataclass
class _Person:
    id: int
    group: int | None
    leaves_at: datetime | None  # deactivated_at


@dataclass
class _Event:
    id: int
    groups: tuple[int, ...]
    starts: datetime
    ends: datetime
    cancelled: bool


def _people(rng: random.Random, scale: Scale) -> list[_Person]:
    weights = [rng.uniform(0.6, 1.4) for _ in range(scale.groups)]
    groups = list(range(1, scale.groups + 1))
    people = []
    year_start = local(date(YEAR, 1, 1), 0)
    for member_id in range(1, scale.members + 1):
        group = None if rng.random() < 0.005 else rng.choices(groups, weights)[0]
        draw = rng.random()
        if draw < 0.01:  # left before the year: no record for it
            leaves_at: datetime | None = year_start - timedelta(days=rng.randint(10, 200))
        elif draw < 0.03:  # left during the year
            leaves_at = year_start + timedelta(days=rng.randint(20, 340), hours=rng.randint(0, 23))
        else:
            leaves_at = None
        people.append(_Person(member_id, group, leaves_at))
    return people


def _events(rng: random.Random, scale: Scale, people: list[_Person]) -> list[_Event]:
    in_group = [sum(1 for p in people if p.group == g) for g in range(1, scale.groups + 1)]
    mean_group = sum(in_group) / max(1, scale.groups)
    # committee-wide events so that expected attendances ≈ check-ins / ATTENDANCE_TARGET
    wanted = scale.checkins * (1 - ELSEWHERE_SHARE) / ATTENDANCE_TARGET
    small = scale.events * 2 * mean_group
    per_wide = sum(in_group) - 2 * mean_group
    wide = 0 if per_wide <= 0 else round(max(0.0, wanted - small) / per_wide)
    wide = min(scale.events, wide)
    wide_ids = set(rng.sample(range(scale.events), wide))
    events = []
    first, last = date(YEAR, 1, 3), date(YEAR, 12, 30)
    for number in range(scale.events):
        day = first + timedelta(days=rng.randint(0, _days(first, last)))
        starts = local(day, rng.choice((9, 14)), rng.choice((0, 30)))
        if number in wide_ids:
            groups = tuple(range(1, scale.groups + 1))
        else:
            groups = tuple(sorted(rng.sample(range(1, scale.groups + 1),
                                             min(scale.groups, rng.randint(1, 3)))))
        events.append(_Event(0, groups, starts, starts + timedelta(hours=rng.randint(2, 3)),
                             rng.random() < 0.03))
    # a few of the year before, which must not count
    for day in (date(YEAR - 1, 12, 5), date(YEAR - 1, 12, 30)):
        starts = local(day, 9)
        events.append(_Event(0, (1, min(2, scale.groups)) if scale.groups > 1 else (1,), starts,
                             starts + timedelta(hours=2), False))
    events.sort(key=lambda e: e.starts)
    for event_id, event in enumerate(events, 1):
        event.id = event_id
    return events


def _attendance(
    rng: random.Random, scale: Scale, people: list[_Person], events: list[_Event]
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    by_group: dict[int, list[_Person]] = {}
    for person in people:
        if person.group is not None:
            by_group.setdefault(person.group, []).append(person)
    past = [e for e in events if e.ends <= NOW]

    def expected_of(event: _Event) -> Iterator[_Person]:
        for group in event.groups:
            for person in by_group.get(group, ()):
                if person.leaves_at is None or event.starts < person.leaves_at:
                    yield person

    slots = sum(1 for e in past if not e.cancelled for _ in expected_of(e))
    rate = min(0.97, scale.checkins * (1 - ELSEWHERE_SHARE) / max(1, slots))
    elsewhere_per_event = scale.checkins * ELSEWHERE_SHARE / max(1, len(past))
    active = [p for p in people if p.leaves_at is None]
    checkins: list[tuple[object, ...]] = []
    leaves: list[tuple[object, ...]] = []
    methods = ("qr", "code", "button", "location", "staff")
    for event in past:
        on_time = to_db_time(event.starts + timedelta(minutes=rng.randint(-20, 5)))
        late_at = to_db_time(event.starts + timedelta(minutes=rng.randint(16, 50)))
        asked = to_db_time(event.starts - timedelta(days=1))
        # a cancelled event keeps the few who checked in before it was called off
        show = rate if not event.cancelled else 0.01
        seen: set[int] = set()
        for person in expected_of(event):
            if person.id in seen:
                continue
            seen.add(person.id)
            draw = rng.random()
            if draw < show:
                late = rng.random() < 0.1
                checkins.append((event.id, person.id, late_at if late else on_time,
                                 methods[person.id % 5], int(late)))
            elif draw < show + (1 - show) * 0.5:
                status = rng.choices(("approved", "declined", "pending"), (6, 2, 2))[0]
                leaves.append((event.id, person.id, "出差", status, asked))
        if event.cancelled or not active:
            continue
        for _ in range(round(rng.uniform(0.5, 1.5) * elsewhere_per_event)):
            person = rng.choice(active)
            if person.id in seen:
                continue
            seen.add(person.id)
            checkins.append((event.id, person.id, on_time, "button", 0))
    return checkins, leaves


async def _migrate(path: Path) -> None:
    async with Database(path, Clock()):
        pass


def build(path: Path, scale: Scale) -> None:
    """Write the year into a new database at `path` (migrated first)."""
    asyncio.run(_migrate(path))
    rng = random.Random(scale.seed)
    people = _people(rng, scale)
    events = _events(rng, scale, people)
    checkins, leaves = _attendance(rng, scale, people, events)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        _write(conn, rng, scale, people, events, checkins, leaves)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _write(
    conn: sqlite3.Connection, rng: random.Random, scale: Scale, people: list[_Person],
    events: list[_Event], checkins: list[tuple[object, ...]], leaves: list[tuple[object, ...]],
) -> None:
    conn.executemany(
        "INSERT INTO activity_groups(id, name, created_at) VALUES (?, ?, ?)",
        [(g, f"第{g:02d}活动组", STAMP) for g in range(1, scale.groups + 1)],
    )
    leaders: set[int] = set()
    seen_groups: set[int] = set()
    for person in people:
        if person.group is not None and person.group not in seen_groups \
                and person.leaves_at is None:
            seen_groups.add(person.group)
            leaders.add(person.id)
    conn.executemany(
        "INSERT INTO members(id, name, phone, group_id, role, telegram_user_id, bound_at, "
        "created_at, updated_at, deactivated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(p.id, f"委员{p.id:05d}", f"139{p.id:08d}", p.group,
          "leader" if p.id in leaders else "member", 100_000 + p.id, STAMP, STAMP, STAMP,
          to_db_time(p.leaves_at) if p.leaves_at else None) for p in people]
        + [(scale.members + s, f"机关{s}", f"138{s:08d}", None, "staff", 900_000 + s, STAMP,
            STAMP, STAMP, None) for s in range(1, scale.staff + 1)],
    )
    conn.executemany(
        "INSERT INTO events(id, type, title, starts_at, ends_at, status, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(e.id, rng.choice(("meeting", "study")) if len(e.groups) == scale.groups
          else rng.choice(_TYPES), f"活动{e.id:03d}", to_db_time(e.starts), to_db_time(e.ends),
          "cancelled" if e.cancelled else "scheduled", STAMP, STAMP) for e in events],
    )
    conn.executemany("INSERT INTO event_groups(event_id, group_id) VALUES (?, ?)",
                     [(e.id, g) for e in events for g in e.groups])
    conn.executemany(
        "INSERT INTO checkins(event_id, member_id, at, method, late) VALUES (?, ?, ?, ?, ?)",
        checkins,
    )
    conn.executemany(
        "INSERT INTO leave_requests(event_id, member_id, reason, status, created_at) "
        "VALUES (?, ?, ?, ?, ?)", leaves,
    )
    _write_reports(conn, rng, scale, people)
    _write_the_rest(conn, rng, people)


def _write_reports(conn: sqlite3.Connection, rng: random.Random, scale: Scale,
                   people: list[_Person]) -> None:
    authors = [p.id for p in people]
    weights = [rng.paretovariate(1.6) for _ in authors]  # a few write many
    first = datetime(YEAR - 1, 12, 1, tzinfo=UTC)
    span = int((NOW - first).total_seconds())
    reports, coauthors, comments = [], [], []
    chosen = rng.choices(authors, weights, k=scale.reports)
    for report_id, author in enumerate(chosen, 1):
        status = rng.choices(_STATUSES, _STATUS_WEIGHTS)[0]
        level = None
        if status == "adopted":
            level = rng.choices(("city", "province", "national"), (6, 3, 1))[0]
        elif status == "forwarded" and rng.random() < 0.3:
            level = "province"
        submitted = None if status == "draft" else to_db_time(
            first + timedelta(seconds=rng.randrange(span)))
        number = None if submitted is None else f"{submitted[:4]}-{report_id:05d}"
        reports.append((report_id, author, number, f"报告{report_id}",
                        rng.choice(_CATEGORIES), "正文", status, level, STAMP, STAMP, submitted,
                        submitted or STAMP, 0 if submitted is None else 1))
        if rng.random() < 0.2:
            others = {rng.choice(authors) for _ in range(rng.randint(1, 2))} - {author}
            coauthors.extend((report_id, other) for other in sorted(others))
        if status == "adopted" and rng.random() < 0.15:
            comments.extend((report_id, "市长", "请有关部门研究办理", STAMP)
                            for _ in range(rng.randint(1, 2)))
    conn.executemany(
        "INSERT INTO reports(id, author_member_id, number, title, category, body, status, "
        "level, created_at, updated_at, submitted_at, status_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", reports,
    )
    conn.executemany("INSERT INTO report_coauthors(report_id, member_id) VALUES (?, ?)",
                     coauthors)
    conn.executemany(
        "INSERT INTO report_comments(report_id, leader, text, at) VALUES (?, ?, ?, ?)", comments,
    )


def _write_the_rest(conn: sqlite3.Connection, rng: random.Random,
                    people: list[_Person]) -> None:
    windows = [
        (1, f"{YEAR - 1}年提案征集", f"{YEAR - 1}-12-01", f"{YEAR - 1}-12-31", 0.5, 3),
        (2, f"{YEAR}年提案征集", f"{YEAR}-01-02", f"{YEAR}-01-20", 0.7, 3),
        (3, f"{YEAR}年第二批提案", f"{YEAR}-08-01", f"{YEAR}-08-31", 0.4, 2),
        (4, f"{YEAR + 1}年提案征集", f"{YEAR}-12-15", f"{YEAR + 1}-01-20", 0.2, 2),
    ]
    conn.executemany(
        "INSERT INTO proposal_windows(id, title, opens_on, deadline, status, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, 'closed', ?, ?)",
        [(w[0], w[1], w[2], w[3], STAMP, STAMP) for w in windows],
    )
    filings = []
    for person in people:
        for window_id, *_dates, share, most in windows:
            if rng.random() < share:
                source = rng.choice(("chat", "import", "staff"))
                filings.append((window_id, person.id, rng.randint(0, most), source,
                                int(source != "chat"), STAMP))
    conn.executemany(
        "INSERT INTO proposal_filings(window_id, member_id, count, source, audited, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?)", filings,
    )
    first = datetime(YEAR - 1, 11, 1, tzinfo=UTC)
    span = int((NOW - first).total_seconds())
    notes = [(person.id, rng.choice(_BOOKS), "心得",
              to_db_time(first + timedelta(seconds=rng.randrange(span))))
             for person in people for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4)))]
    conn.executemany(
        "INSERT INTO reading_notes(member_id, book, note, created_at) VALUES (?, ?, ?, ?)",
        notes,
    )
    grades = [(person.id, year, dimension, rng.choice(("优秀", "良好", "合格")), "", STAMP)
              for person in people for year in (YEAR - 1, YEAR)
              for dimension in ("conduct", "satisfaction") if rng.random() < 0.3]
    conn.executemany(
        "INSERT INTO duty_grades(member_id, year, dimension, grade, remarks, set_at) "
        "VALUES (?, ?, ?, ?, ?, ?)", grades,
    )
    runs = [(f"supervision:{YEAR - 1}-Q4", f"{YEAR - 1}-12-25T01:00:00.000000+00:00", 0.05),
            (f"supervision:{YEAR}-Q3", f"{YEAR}-09-25T01:00:00.000000+00:00", 0.1),
            (f"supervision:{YEAR}-Q4", f"{YEAR}-12-10T01:00:00.000000+00:00", 0.1)]
    for key, due, share in runs:
        conn.execute("INSERT INTO duty_runs(key, kind, due_at, status, started_at, finished_at)"
                     " VALUES (?, 'supervision', ?, 'done', ?, ?)", (key, due, due, due))
        conn.executemany(
            "INSERT INTO supervision_nudges(run_key, member_id, group_id, shortfall) "
            "VALUES (?, ?, ?, ?)",
            [(key, p.id, p.group, '{"reports": 1}') for p in people if rng.random() < share],
        )


def cached(scale: Scale, folder: Path | None = None, *,
           fresh: bool = False) -> tuple[Path, float | None]:
    """The database of `scale`, built if it is not in the cache; and the seconds it took to
    build (None: it was there)."""
    folder = folder or Path(tempfile.gettempdir()) / "duty-scale"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"duty-{scale.members}-{scale.key()}.db"
    if path.exists() and not fresh:
        return path, None
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    build(partial, scale)
    for leftover in (Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    partial.replace(path)
    return path, time.perf_counter() - started
