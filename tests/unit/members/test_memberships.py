"""Group memberships with dates (migration 0018), as the roster import leaves them: the first
roster's members are in their groups since before the record, a member added later joins on the
day of the import, a move ends one membership and begins the next, and a member who left and is
imported again begins anew."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.members.roster import RosterRow, apply_import
from domain.models import Role
from storage.db import Database, to_db_time
from tests.clock import FrozenClock

FIRST = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
MOVE = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)
LEFT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
BACK = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)


def row(name: str, phone: str, group: str | None, role: Role = Role.MEMBER) -> RosterRow:
    return RosterRow(line=2, name=name, phone=phone, sector="", group=group, role=role)


async def memberships(path: Path) -> list[tuple[str, str, str | None, str | None]]:
    async with Database(path, FrozenClock(BACK)) as db:
        rows = await db.fetch_all(
            "SELECT m.name, g.name, gm.joined_at, gm.left_at FROM group_memberships gm "
            "JOIN members m ON m.id = gm.member_id JOIN activity_groups g ON g.id = gm.group_id "
            "ORDER BY gm.id")
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_the_roster_import_keeps_each_membership_with_its_dates(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    first = [row("甲", "13800000001", "一组"), row("乙", "13800000002", "一组"),
             row("丙", "13800000003", "二组"), row("机关", "13900000001", None, Role.STAFF)]
    steps = [
        (FIRST, first, ()),
        (LATER, [*first, row("丁", "13800000004", "二组")], ()),
        (MOVE, [row("乙", "13800000002", "二组")], ()),
    ]
    for moment, rows, gone in steps:
        async with Database(path, FrozenClock(moment)) as db:
            await apply_import(db, rows, source="roster.xlsx", deactivate=gone)
    async with Database(path, FrozenClock(LEFT)) as db:
        [ding] = await db.fetch_all("SELECT id FROM members WHERE name = '丁'")
        await apply_import(db, [row("甲", "13800000001", "一组")], source="roster.xlsx",
                           deactivate=[ding[0]])
    async with Database(path, FrozenClock(BACK)) as db:
        await apply_import(db, [row("丁", "13800000004", "二组")], source="roster.xlsx")
    assert await memberships(path) == [
        ("甲", "一组", None, None),
        ("乙", "一组", None, to_db_time(MOVE)),
        ("丙", "二组", None, None),
        ("丁", "二组", to_db_time(LATER), to_db_time(LEFT)),
        ("乙", "二组", to_db_time(MOVE), None),
        ("丁", "二组", to_db_time(BACK), None),
    ]


async def test_every_member_in_a_group_before_0018_is_in_it_since_before_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.db
    from tests.duty_world import seed_year

    path = tmp_path / "bot.db"
    every = storage.db.migrations()
    monkeypatch.setattr(storage.db, "migrations", lambda: [m for m in every if m[0] < 18])
    async with Database(path, FrozenClock(FIRST)):
        pass
    monkeypatch.undo()
    world = seed_year(path)
    async with Database(path, FrozenClock(FIRST)) as db:
        rows = await db.fetch_all("SELECT member_id, group_id, joined_at, left_at "
                                  "FROM group_memberships ORDER BY member_id")
        grouped = await db.fetch_all("SELECT id, group_id FROM members "
                                     "WHERE group_id IS NOT NULL ORDER BY id")
    assert [tuple(r) for r in rows] == [(m, g, None, None) for m, g in grouped]
    assert len(rows) == len(world.members) - 1  # the staff member is in no group
