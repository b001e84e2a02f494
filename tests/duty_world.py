"""A seeded year (2025) for the duty record's tests: two groups, a leader and members in each,
a staff member, a member who left in July; events with check-ins (on time, late, elsewhere),
leaves (approved, declined, pending) and a cancelled event; reports in every status with levels,
a leader's instruction and co-authors; proposals in two windows; reading notes — with items in
2024 and on the year's edges that must not count. The figures each test expects are worked out
by hand below, not computed by the code under test."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

YEAR = 2025
CST = timezone(timedelta(hours=8))  # Asia/Shanghai has no summer time
STAMP = "2024-12-01T00:00:00.000000+00:00"

# name, phone, group, role
ROSTER = [
    ("爱丽丝", "13800000001", "第一活动组", "leader"),
    ("鲍勃", "13800000002", "第一活动组", "member"),
    ("陈晨", "13800000003", "第一活动组", "member"),
    ("丁丁", "13800000004", "第二活动组", "leader"),
    ("鄂尔", "13800000005", "第二活动组", "member"),
    ("冯离", "13800000007", "第一活动组", "member"),
    ("孙工", "13900000099", "", "staff"),
]
ALICE, BOB, CHEN, DING, E_ER, FENG, STAFF = (row[1] for row in ROSTER)


def at(text: str) -> str:
    """A stored UTC time from 'YYYY-MM-DD HH:MM' in the committee's zone."""
    local = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CST)
    return local.astimezone(UTC).isoformat(timespec="microseconds")


# key: type, title, start (local), hours, groups, status
EVENTS = {
    "E1": ("reading", "三月读书会", "2025-03-06 09:00", 2, ("第一活动组",), "scheduled"),
    "E2": ("advice", "五月建言日", "2025-05-15 14:00", 2, ("第一活动组", "第二活动组"),
           "scheduled"),
    "E3": ("inspection", "河道视察", "2025-06-10 09:00", 3, ("第二活动组",), "scheduled"),
    "E4": ("meeting", "九月组会", "2025-09-18 09:00", 2, ("第一活动组",), "scheduled"),
    "E5": ("meeting", "取消的会", "2025-10-09 09:00", 2, ("第一活动组",), "cancelled"),
    "E6": ("study", "十一月学习", "2025-11-20 09:00", 2, ("第一活动组", "第二活动组"),
           "scheduled"),
    "E7": ("meeting", "去年年终会", "2024-12-20 09:00", 2, ("第一活动组",), "scheduled"),
}

# phone, event, late
CHECKINS = [
    (ALICE, "E1", 0), (ALICE, "E2", 0), (ALICE, "E4", 1), (ALICE, "E6", 0), (ALICE, "E7", 0),
    (BOB, "E1", 0), (BOB, "E2", 1), (BOB, "E3", 0),
    (DING, "E2", 0), (DING, "E3", 0), (DING, "E6", 0),
    (E_ER, "E3", 0),
    (FENG, "E1", 0),
]
# phone, event, status
LEAVES = [
    (BOB, "E4", "approved"), (BOB, "E6", "declined"), (CHEN, "E1", "pending"),
    (E_ER, "E2", "approved"),
]

# key: author, status, level, submitted (local) or None, co-authors, instructed
REPORTS = {
    "R1": (ALICE, "adopted", "city", "2025-02-10 10:00", (), True),
    "R2": (ALICE, "forwarded", "province", "2025-03-12 10:00", (), False),
    "R3": (ALICE, "not_adopted", None, "2025-04-08 10:00", (), False),
    "R4": (BOB, "submitted", None, "2025-05-20 10:00", (CHEN,), False),
    "R5": (BOB, "adopted", "national", "2025-05-28 10:00", (ALICE,), False),
    "R6": (DING, "returned", None, "2025-06-03 10:00", (), False),
    "R7": (DING, "kept", None, "2025-09-09 10:00", (), False),
    "R8": (E_ER, "accepted", None, "2025-11-11 10:00", (), False),
    "R9": (ALICE, "draft", None, None, (), False),
    "R10": (CHEN, "submitted", None, "2024-12-31 23:00", (), False),
    "R11": (BOB, "submitted", None, "2025-01-01 00:30", (), False),
}

# key: title, opens, deadline
WINDOWS = {
    "W0": ("2024年提案征集", "2024-12-01", "2024-12-31"),
    "W1": ("2025年提案征集", "2025-01-02", "2025-01-20"),
    "W2": ("2025年第二批提案", "2025-08-01", "2025-08-31"),
}
# phone, window, count, source
FILINGS = [
    (ALICE, "W1", 2, "import"), (ALICE, "W2", 1, "chat"), (BOB, "W1", 1, "chat"),
    (CHEN, "W1", 0, "chat"), (DING, "W2", 2, "staff"), (CHEN, "W0", 5, "import"),
]
# phone, book, when (local)
NOTES = [
    (ALICE, "乡土中国", "2025-03-06 12:00"), (ALICE, "论语", "2025-10-01 09:00"),
    (E_ER, "红楼梦", "2025-06-01 09:00"), (BOB, "史记", "2024-11-01 09:00"),
]


@dataclass(frozen=True)
class Expected:
    """What one member's 2025 record must show (worked out by hand from the lists above)."""

    expected: int
    attended: int
    late: int
    on_leave: int
    absent: int
    attended_expected: int
    submitted: int
    coauthored: int
    adopted: dict[str, int]
    instructed: int
    not_adopted: int
    proposals: int
    reading_notes: int
    points: float
    shortfall: dict[str, int]  # at the end of the year


EXPECTED = {
    # 4 G1 events (E1 E2 E4 E6); E4 late; points 3×2 + 1 + 3 + 0.5 + (3 + 5) + 5 + 3×3 + 2
    ALICE: Expected(4, 4, 1, 0, 0, 4, 3, 1, {"city": 1, "province": 1}, 1, 1, 3, 2, 34.5, {}),
    # E3 is not G1's: attended, not expected; E4 approved leave; E6 declined leave = absent;
    # R11 on 1 January 00:30 local counts; points 2×2 + 1 + 3 + 10 + 3
    BOB: Expected(4, 3, 1, 1, 1, 2, 3, 0, {"national": 1}, 0, 0, 1, 0, 21.0, {}),
    # a pending leave is no leave; R10 is 2024's; W0 is 2024's; only the co-authorship of R4
    CHEN: Expected(4, 0, 0, 0, 4, 0, 0, 1, {}, 0, 0, 0, 0, 0.5,
                   {"activities": 3, "proposals": 1, "reports": 1}),
    # G2 events: E2 E3 E6; points 3×2 + 2 + 2×3
    DING: Expected(3, 3, 0, 0, 0, 3, 2, 0, {}, 0, 0, 2, 0, 14.0, {}),
    # E2 approved leave, E6 absent; points 2 + 1 + 1
    E_ER: Expected(3, 1, 0, 1, 1, 1, 1, 0, {}, 0, 0, 0, 1, 4.0,
                   {"activities": 2, "proposals": 1}),
    # left on 1 July: only E1 and E2 expected
    FENG: Expected(2, 1, 0, 0, 1, 1, 0, 0, {}, 0, 0, 0, 0, 2.0,
                   {"activities": 2, "proposals": 1, "reports": 1}),
}

# /stats for 2025 (members on the roster only: 冯离 left): per group
# (members, expected, attended of the expected, submitted, adopted, proposals, behind)
GROUPS = {
    "第一活动组": (3, 12, 6, 6, 3, 4, 1),
    "第二活动组": (2, 6, 4, 3, 0, 2, 1),
}
# reports per month by first submission (local day): (submitted, adopted); R10 is 2024's
MONTHS = {1: (1, 0), 2: (1, 1), 3: (1, 1), 4: (1, 0), 5: (2, 1), 6: (1, 0), 9: (1, 0),
          11: (1, 0)}


@dataclass(frozen=True)
class DutyWorld:
    members: dict[str, int]  # phone → member id
    groups: dict[str, int]  # name → group id
    events: dict[str, int]
    reports: dict[str, int]


def seed_year(path: Path) -> DutyWorld:
    """Write the year into the (migrated) database at `path`; members already on the roster
    (imported by the test) are kept, the others are added."""
    conn = sqlite3.connect(path, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        with conn:
            return _seed(conn)
    finally:
        conn.close()


def _seed(conn: sqlite3.Connection) -> DutyWorld:
    groups: dict[str, int] = {}
    for name in ("第一活动组", "第二活动组"):
        conn.execute("INSERT OR IGNORE INTO activity_groups(name, created_at) VALUES (?, ?)",
                     (name, STAMP))
        groups[name] = conn.execute("SELECT id FROM activity_groups WHERE name = ?",
                                    (name,)).fetchone()[0]
    members: dict[str, int] = {}
    for name, phone, group, role in ROSTER:
        conn.execute(
            "INSERT OR IGNORE INTO members(name, phone, group_id, role, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)", (name, phone, groups.get(group), role, STAMP, STAMP),
        )
        members[phone] = conn.execute("SELECT id FROM members WHERE phone = ?",
                                      (phone,)).fetchone()[0]
    conn.execute("UPDATE members SET deactivated_at = ? WHERE id = ?",
                 (at("2025-07-01 00:00"), members[FENG]))
    events: dict[str, int] = {}
    for key, (kind, title, start, hours, event_groups, status) in EVENTS.items():
        begins = datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=CST)
        ends = (begins + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")
        cursor = conn.execute(
            "INSERT INTO events(type, title, starts_at, ends_at, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", (kind, title, at(start), at(ends), status, STAMP,
                                              STAMP),
        )
        assert cursor.lastrowid is not None
        events[key] = cursor.lastrowid
        conn.executemany("INSERT INTO event_groups(event_id, group_id) VALUES (?, ?)",
                         [(events[key], groups[g]) for g in event_groups])
    for phone, event, late in CHECKINS:
        conn.execute(
            "INSERT INTO checkins(event_id, member_id, at, method, late) VALUES (?, ?, ?, ?, ?)",
            (events[event], members[phone], at(EVENTS[event][2]), "button", late),
        )
    for phone, event, status in LEAVES:
        conn.execute(
            "INSERT INTO leave_requests(event_id, member_id, reason, status, created_at) "
            "VALUES (?, ?, ?, ?, ?)", (events[event], members[phone], "出差", status, STAMP),
        )
    reports: dict[str, int] = {}
    for number, (key, (author, status, level, submitted, coauthors, instructed)) in enumerate(
        REPORTS.items(), 1
    ):
        when = at(submitted) if submitted else None
        cursor = conn.execute(
            "INSERT INTO reports(author_member_id, number, title, category, body, status, level,"
            " created_at, updated_at, submitted_at, status_at, version) "
            "VALUES (?, ?, ?, 'economy', '正文', ?, ?, ?, ?, ?, ?, ?)",
            (members[author], f"{submitted[:4]}-{number:04d}" if submitted else None,
             f"报告{key}", status, level, STAMP, STAMP, when, when or STAMP, 1 if when else 0),
        )
        assert cursor.lastrowid is not None
        reports[key] = cursor.lastrowid
        conn.executemany("INSERT INTO report_coauthors(report_id, member_id) VALUES (?, ?)",
                         [(reports[key], members[c]) for c in coauthors])
        if instructed:
            conn.execute(
                "INSERT INTO report_comments(report_id, leader, text, at) VALUES (?, ?, ?, ?)",
                (reports[key], "市长", "请有关部门研究办理", STAMP),
            )
    windows: dict[str, int] = {}
    for key, (title, opens, deadline) in WINDOWS.items():
        cursor = conn.execute(
            "INSERT INTO proposal_windows(title, opens_on, deadline, status, created_at, "
            "updated_at) VALUES (?, ?, ?, 'closed', ?, ?)", (title, opens, deadline, STAMP,
                                                              STAMP),
        )
        assert cursor.lastrowid is not None
        windows[key] = cursor.lastrowid
    for phone, window, count, source in FILINGS:
        conn.execute(
            "INSERT INTO proposal_filings(window_id, member_id, count, source, audited, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (windows[window], members[phone], count, source, int(source != "chat"), STAMP),
        )
    for phone, book, when in NOTES:
        conn.execute(
            "INSERT INTO reading_notes(member_id, book, note, created_at) VALUES (?, ?, ?, ?)",
            (members[phone], book, "心得", at(when)),
        )
    return DutyWorld(members, groups, events, reports)
