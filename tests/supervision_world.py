"""A small committee in the current quarter (2026, the clock on Tuesday 1 September 09:30, the
first working day of September) for the supervision reminder and the digest: who is below the
minimums due by that day is worked out by hand below.

Minimums 3 activities, 1 proposal, 1 report a year; 1 September is day 244 of 365, so due by
then: activities ⌈3 × 244/365⌉ = ⌈2.005⌉ = 3, proposals 1, reports 1."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

CST = timezone(timedelta(hours=8))
STAMP = "2026-01-01T00:00:00.000000+00:00"
NOW = datetime(2026, 9, 1, 9, 30, tzinfo=CST)

# name, phone, group, role, bound
ROSTER = [
    ("爱丽丝", "13800000001", "第一活动组", "leader", True),
    ("鲍勃", "13800000002", "第一活动组", "member", True),
    ("陈晨", "13800000003", "第一活动组", "member", True),
    ("丁丁", "13800000004", "第二活动组", "leader", True),
    ("鄂尔", "13800000005", "第二活动组", "member", False),  # never bound
    ("冯离", "13800000007", "第一活动组", "member", True),  # left the roster in July
    ("孙工", "13900000099", "", "staff", True),
]
ALICE, BOB, CHEN, DING, E_ER, FENG, STAFF = (row[1] for row in ROSTER)


def at(text: str) -> str:
    local = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CST)
    return local.astimezone(UTC).isoformat(timespec="microseconds")


# key: title, start (local), groups
EVENTS = {
    "E1": ("三月读书会", "2026-03-05 09:00", ("第一活动组", "第二活动组")),
    "E2": ("五月建言日", "2026-05-14 14:00", ("第一活动组", "第二活动组")),
    "E3": ("七月视察", "2026-07-09 09:00", ("第一活动组", "第二活动组")),
    "E4": ("九月组会", "2026-09-10 09:00", ("第一活动组",)),  # still to come
    "E5": ("十月座谈", "2026-10-15 14:00", ("第一活动组",)),
    "E6": ("十一月学习", "2026-11-12 09:00", ("第一活动组",)),
    "E7": ("十二月组会", "2026-12-10 09:00", ("第一活动组",)),  # the fourth: not listed
}
CHECKINS = [(ALICE, "E1"), (ALICE, "E2"), (ALICE, "E3"), (CHEN, "E1"), (CHEN, "E2"),
            (DING, "E1"), (DING, "E2"), (DING, "E3"), (FENG, "E1")]
# the proposal window open on 1 September, and who filed how many in it
WINDOW = ("2026年度提案征集", "2026-08-20", "2026-09-30")
FILINGS = [(ALICE, 1), (CHEN, 1)]
# author, submitted (local)
REPORTS = [(ALICE, "2026-03-10 10:00"), (DING, "2026-04-10 10:00")]

# who is behind on 1 September, by how much (worked out by hand)
SHORT = {
    BOB: {"activities": 3, "proposals": 1, "reports": 1},  # nothing done
    CHEN: {"activities": 1, "reports": 1},  # 2 events, 1 proposal
    DING: {"proposals": 1},  # 3 events, 1 report
    E_ER: {"activities": 3, "proposals": 1, "reports": 1},  # not bound: not reachable
}


@dataclass(frozen=True)
class SupervisionWorld:
    members: dict[str, int]
    groups: dict[str, int]
    events: dict[str, int]


def seed(path: Path, chat_ids: dict[str, int] | None = None) -> SupervisionWorld:
    """Write the world into the migrated database at `path`; `chat_ids` are the Telegram ids
    of the bound members by phone (default 1000 + the phone's last digits)."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        with conn:
            return _seed(conn, chat_ids or {})
    finally:
        conn.close()


def _seed(conn: sqlite3.Connection, chat_ids: dict[str, int]) -> SupervisionWorld:
    groups: dict[str, int] = {}
    for name in ("第一活动组", "第二活动组"):
        conn.execute("INSERT OR IGNORE INTO activity_groups(name, created_at) VALUES (?, ?)",
                     (name, STAMP))
        groups[name] = conn.execute("SELECT id FROM activity_groups WHERE name = ?",
                                    (name,)).fetchone()[0]
    members: dict[str, int] = {}
    for name, phone, group, role, bound in ROSTER:
        tg = chat_ids.get(phone, 1000 + int(phone[-4:])) if bound else None
        conn.execute(
            "INSERT INTO members(name, phone, group_id, role, telegram_user_id, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, phone, groups.get(group), role, tg, STAMP, STAMP),
        )
        members[phone] = conn.execute("SELECT id FROM members WHERE phone = ?",
                                      (phone,)).fetchone()[0]
    conn.execute("UPDATE members SET deactivated_at = ? WHERE id = ?",
                 (at("2026-07-20 00:00"), members[FENG]))
    events: dict[str, int] = {}
    for key, (title, start, event_groups) in EVENTS.items():
        begins = datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=CST)
        ends = (begins + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
        cursor = conn.execute(
            "INSERT INTO events(type, title, starts_at, ends_at, created_at, updated_at) "
            "VALUES ('meeting', ?, ?, ?, ?, ?)", (title, at(start), at(ends), STAMP, STAMP),
        )
        assert cursor.lastrowid is not None
        events[key] = cursor.lastrowid
        conn.executemany("INSERT INTO event_groups(event_id, group_id) VALUES (?, ?)",
                         [(events[key], groups[g]) for g in event_groups])
    for phone, event in CHECKINS:
        conn.execute(
            "INSERT INTO checkins(event_id, member_id, at, method, late) "
            "VALUES (?, ?, ?, 'button', 0)", (events[event], members[phone],
                                              at(EVENTS[event][1])),
        )
    title, opens, deadline = WINDOW
    cursor = conn.execute(
        "INSERT INTO proposal_windows(title, opens_on, deadline, status, created_at, "
        "updated_at) VALUES (?, ?, ?, 'open', ?, ?)", (title, opens, deadline, STAMP, STAMP),
    )
    for phone, count in FILINGS:
        conn.execute(
            "INSERT INTO proposal_filings(window_id, member_id, count, source, audited, "
            "updated_at) VALUES (?, ?, ?, 'chat', 0, ?)",
            (cursor.lastrowid, members[phone], count, STAMP),
        )
    for number, (author, submitted) in enumerate(REPORTS, 1):
        conn.execute(
            "INSERT INTO reports(author_member_id, number, title, category, body, status, "
            "created_at, updated_at, submitted_at, status_at, version) "
            "VALUES (?, ?, ?, 'economy', '正文', 'submitted', ?, ?, ?, ?, 1)",
            (members[author], f"2026-{number:04d}", f"信息{number}", STAMP, STAMP,
             at(submitted), at(submitted)),
        )
    return SupervisionWorld(members, groups, events)
