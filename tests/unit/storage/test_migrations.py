"""Migrations 0013 (the 副组长 role) and 0016 (adoption levels from the config): `members`, then
`reports`, rebuilt with every row, column, index and the references of the other tables intact,
foreign keys enforced afterwards; and the runner, which applies each migration with foreign keys
off, rolls back one that breaks a reference, and refuses to start on two migrations with one
number or a number missing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import storage.db
from storage.db import Database, MigrationError
from tests.clock import SYSTEM
from tests.duty_world import ALICE, BOB, CHEN, DING, FENG, STAMP, seed_year

BEFORE = 12  # the schema a deployed database has before the deputy role


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _only_up_to(number: int, extra: list[tuple[int, str, str]] | None = None) -> Any:
    every = storage.db.migrations()
    return lambda: [m for m in every if m[0] <= number] + (extra or [])


def _seed_more(path: Path) -> None:
    """Beside the seeded year: bound and unreachable members, invites (one used), deliveries,
    a conversation, duty grades and nudges, a reminder someone acknowledged."""
    conn = _connect(path)
    try:
        with conn:
            ids = {p: conn.execute("SELECT id FROM members WHERE phone = ?", (p,)).fetchone()[0]
                   for p in (ALICE, BOB, CHEN, DING)}
            conn.execute("UPDATE members SET telegram_user_id = 5001, bound_at = ? WHERE id = ?",
                         (STAMP, ids[ALICE]))
            conn.execute("UPDATE members SET unreachable_since = ? WHERE id = ?",
                         (STAMP, ids[BOB]))
            conn.execute("UPDATE events SET created_by = ?", (ids[ALICE],))
            conn.execute("UPDATE leave_requests SET decided_by = ? WHERE status != 'pending'",
                         (ids[ALICE],))
            conn.executemany(
                "INSERT INTO invites(token, member_id, created_at, expires_at, used_at, used_by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [("inv_chen", ids[CHEN], STAMP, STAMP, STAMP, 5003),
                 ("inv_ding", ids[DING], STAMP, "2099-01-01T00:00:00+00:00", None, None)],
            )
            conn.execute("INSERT INTO deliveries(key, chat_id, status, created_at) "
                         "VALUES ('notice:1', 5001, 'sent', ?)", (STAMP,))
            conn.execute("INSERT INTO conversations(telegram_user_id, chat_id, kind, step, "
                         "updated_at) VALUES (5001, 5001, 'report', 'title', ?)", (STAMP,))
            conn.execute("INSERT INTO duty_grades(member_id, year, dimension, grade, set_at) "
                         "VALUES (?, 2025, 'conduct', '优秀', ?)", (ids[BOB], STAMP))
            conn.execute("INSERT INTO duty_runs(key, kind, due_at, started_at) "
                         "VALUES ('supervision:2025-Q3', 'supervision', ?, ?)", (STAMP, STAMP))
            conn.execute("INSERT INTO supervision_nudges(run_key, member_id, group_id, shortfall)"
                         " VALUES ('supervision:2025-Q3', ?, 1, '{}')", (ids[BOB],))
            schedule = conn.execute(
                "INSERT INTO reminder_schedules(title, body, rule, audience, created_at, "
                "updated_at) VALUES ('读书', '请读书', '{}', '{}', ?, ?)", (STAMP, STAMP),
            ).lastrowid
            occurrence = conn.execute(
                "INSERT INTO reminder_occurrences(key, kind, schedule_id, due_at, created_at) "
                "VALUES ('schedule:1:2025-03-01', 'notice', ?, ?, ?)", (schedule, STAMP, STAMP),
            ).lastrowid
            conn.execute("INSERT INTO reminder_acks(occurrence_id, member_id, at) "
                         "VALUES (?, ?, ?)", (occurrence, ids[BOB], STAMP))
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


@pytest.fixture
async def at_0012(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database as deployed before 0013, with data in members and the tables that
    reference it."""
    path = tmp_path / "bot.db"
    monkeypatch.setattr(storage.db, "migrations", _only_up_to(BEFORE))
    async with Database(path, SYSTEM):
        pass
    monkeypatch.undo()
    seed_year(path)
    _seed_more(path)
    return path


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]


def _picture(path: Path, rebuilt: str = "members") -> dict[str, Any]:
    """Everything a rebuild must keep: every row of every table, the columns, indexes and
    foreign keys of every table, and the SQL of every object but the `rebuilt` table itself."""
    conn = sqlite3.connect(path)
    try:
        tables = _tables(conn)

        def rows(table: str) -> Iterator[tuple[Any, ...]]:
            yield from sorted(conn.execute(f'SELECT * FROM "{table}"'), key=repr)

        return {
            "rows": {t: list(rows(t)) for t in tables},
            "columns": {t: conn.execute(f'PRAGMA table_info("{t}")').fetchall()
                        for t in tables},
            "indexes": {t: sorted((r[1], r[2], r[3]) for r in
                                  conn.execute(f'PRAGMA index_list("{t}")')) for t in tables},
            "index_columns": {
                r[0]: conn.execute(f'PRAGMA index_info("{r[0]}")').fetchall()
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            },
            "foreign_keys": {t: conn.execute(f'PRAGMA foreign_key_list("{t}")').fetchall()
                             for t in tables},
            "schema": sorted(conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name != ?",
                (rebuilt,))),
        }
    finally:
        conn.close()


async def test_0013_keeps_every_row_column_index_and_reference(
    at_0012: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _picture(at_0012)
    assert len(before["rows"]["members"]) == 7 and before["rows"]["invites"]
    assert before["indexes"]["members"] == [
        ("members_group", 0, "c"), ("sqlite_autoindex_members_1", 1, "u"),
        ("sqlite_autoindex_members_2", 1, "u")]
    # 0013 alone: later migrations change other tables on purpose (0014: calendar_days.name)
    monkeypatch.setattr(storage.db, "migrations", _only_up_to(BEFORE + 1))
    async with Database(at_0012, SYSTEM) as db:
        assert (await db.fetch_one("PRAGMA user_version"))[0] == 13  # type: ignore[index]
    monkeypatch.undo()
    after = _picture(at_0012)
    for part in ("rows", "columns", "indexes", "index_columns", "foreign_keys", "schema"):
        assert after[part] == before[part], part
    referencing = {t for t, keys in after["foreign_keys"].items()
                   if any(k[2] == "members" for k in keys)}
    assert {"invites", "checkins", "leave_requests", "events", "reports", "report_coauthors",
            "reminder_acks", "proposal_filings", "duty_grades",
            "supervision_nudges"} <= referencing
    conn = sqlite3.connect(at_0012)
    try:
        everything = " ".join(r[0] or "" for r in conn.execute("SELECT sql FROM sqlite_master"))
        assert "members_new" not in everything
        (members_sql,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'members'").fetchone()
        assert "'deputy'" in members_sql
    finally:
        conn.close()


async def test_after_0013_references_are_enforced_and_roles_checked(at_0012: Path) -> None:
    async with Database(at_0012, SYSTEM) as db:
        assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
        async with db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO members(name, phone, group_id, role, created_at, updated_at) "
                "VALUES ('副组长', '13800000077', 1, 'deputy', ?, ?)", (STAMP, STAMP))
            deputy = cursor.lastrowid
            await conn.execute("INSERT INTO invites(token, member_id, created_at, expires_at) "
                               "VALUES ('inv_deputy', ?, ?, ?)", (deputy, STAMP, STAMP))
        assert (await db.fetch_one("SELECT role FROM members WHERE id = ?",
                                   (deputy,)))["role"] == "deputy"  # type: ignore[index]
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO members(name, phone, role, created_at, updated_at) "
                    "VALUES ('某某', '13800000078', 'chief', ?, ?)", (STAMP, STAMP))
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO checkins(event_id, member_id, at, method, late) "
                                   "VALUES (1, 424242, ?, 'button', 0)", (STAMP,))
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            async with db.transaction() as conn:  # 冯离 has a check-in: not deleted
                await conn.execute("DELETE FROM members WHERE phone = ?", (FENG,))
        async with db.transaction() as conn:  # invites go with their member (ON DELETE CASCADE)
            await conn.execute("DELETE FROM members WHERE id = ?", (deputy,))
        assert await db.fetch_all("SELECT token FROM invites WHERE token = 'inv_deputy'") == []
        assert len(await db.fetch_all("SELECT token FROM invites")) == 2
        assert await db.fetch_all("PRAGMA foreign_key_check") == []


async def test_a_migration_breaking_a_reference_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.db"
    async with Database(path, SYSTEM) as db:
        current = (await db.fetch_one("PRAGMA user_version"))[0]  # type: ignore[index]
    broken = (
        "CREATE TABLE scratch (x INTEGER);\n"
        "INSERT INTO reading_notes(member_id, book, note, created_at) "
        "VALUES (424242, '书', '心得', '2025-01-01');"
    )
    failing = "CREATE TABLE scratch (x INTEGER);\nINSERT INTO no_such_table VALUES (1);"
    for sql, error in ((broken, MigrationError), (failing, sqlite3.OperationalError)):
        monkeypatch.setattr(storage.db, "migrations",
                            _only_up_to(current, [(current + 1, "9999_bad.sql", sql)]))
        with pytest.raises(error):
            async with Database(path, SYSTEM):
                pass
        monkeypatch.undo()
        async with Database(path, SYSTEM) as db:  # as it was, foreign keys enforced
            assert (await db.fetch_one("PRAGMA user_version"))[0] == current  # type: ignore[index]
            assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
            assert await db.fetch_all("SELECT * FROM reading_notes") == []
            assert await db.fetch_all(
                "SELECT name FROM sqlite_master WHERE name = 'scratch'") == []


LEVELS_FROM_CONFIG = 16  # reports.level takes any level of [[duty_record.levels]]


async def test_0016_keeps_every_report_and_takes_a_county_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.db"
    monkeypatch.setattr(storage.db, "migrations", _only_up_to(LEVELS_FROM_CONFIG - 1))
    async with Database(path, SYSTEM):
        pass
    monkeypatch.undo()
    world = seed_year(path)
    _seed_more(path)
    conn = _connect(path)
    with conn, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("UPDATE reports SET level = 'county' WHERE id = ?", (world.reports["R1"],))
    conn.close()
    before = _picture(path, "reports")
    assert len(before["rows"]["reports"]) == 11 and before["rows"]["report_coauthors"]
    monkeypatch.setattr(storage.db, "migrations", _only_up_to(LEVELS_FROM_CONFIG))
    async with Database(path, SYSTEM) as db:
        assert (await db.fetch_one("PRAGMA user_version"))[0] == 16  # type: ignore[index]
        async with db.transaction() as conn_:
            await conn_.execute("UPDATE reports SET level = 'county' WHERE id = ?",
                                (world.reports["R1"],))
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            async with db.transaction() as conn_:
                await conn_.execute("INSERT INTO report_coauthors(report_id, member_id) "
                                    "VALUES (424242, 1)")
    monkeypatch.undo()
    after = _picture(path, "reports")
    changed = [(*r[:7], "county", *r[8:]) if r[0] == world.reports["R1"] else r
               for r in before["rows"]["reports"]]
    assert sorted(after["rows"].pop("reports"), key=repr) == sorted(changed, key=repr)
    before["rows"].pop("reports")
    for part in ("rows", "columns", "indexes", "index_columns", "foreign_keys", "schema"):
        assert after[part] == before[part], part


def _folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name in names:
        (folder / name).write_text("SELECT 1;\n", encoding="utf-8")
    return folder


def test_the_migrations_are_numbered_one_by_one_but_for_the_skipped() -> None:
    numbers = [number for number, _name, _sql in storage.db.migrations()]
    assert numbers == sorted(set(range(1, numbers[-1] + 1)) - storage.db.SKIPPED_MIGRATIONS)
    assert {10, 15} == storage.db.SKIPPED_MIGRATIONS  # a new gap is a lost migration


@pytest.mark.parametrize(("names", "refusal"), [
    (("0001_a.sql", "0002_b.sql", "0002_c.sql"), r"share a number: \{2: \['0002_b.sql', "
                                                 r"'0002_c.sql'\]\}"),
    (("0001_a.sql", "0003_c.sql"), r"missing: \[2\]"),
    (tuple(f"{n:04}_m.sql" for n in range(1, 11)), r"skipped on purpose are used: \[10\]"),
])
def test_a_folder_with_a_shared_or_missing_number_is_refused(
    tmp_path: Path, names: tuple[str, ...], refusal: str
) -> None:
    with pytest.raises(storage.db.MigrationNumberingError, match=refusal):
        storage.db.migrations(_folder(tmp_path, *names))


def test_a_folder_skipping_only_the_known_numbers_is_read(tmp_path: Path) -> None:
    names = [f"{n:04}_m.sql" for n in range(1, 17) if n not in (10, 15)]
    found = storage.db.migrations(_folder(tmp_path, *reversed(names), "README.txt"))
    assert [name for _number, name, _sql in found] == names


async def test_the_bot_does_not_start_on_a_shared_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path, "0001_a.sql", "0001_b.sql")
    read = storage.db.migrations
    monkeypatch.setattr(storage.db, "migrations", lambda: read(folder))
    with pytest.raises(storage.db.MigrationNumberingError):
        async with Database(tmp_path / "bot.db", SYSTEM):
            pass
    with sqlite3.connect(tmp_path / "bot.db") as conn:  # nothing ran
        assert conn.execute("PRAGMA user_version").fetchone() == (0,)
    conn.close()
