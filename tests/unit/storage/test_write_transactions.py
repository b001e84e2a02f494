"""A write transaction waits on nothing but its own connection (issue #18 item 16): a Bot API
call, a read on the reader connection or a second transaction inside one is refused; one held
long is logged with the line that opened it; and while a large export's query keeps the
reader busy, imports, check-ins and received updates are written and SQLite's write lock is
free for another process."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from telegram.ext import ExtBot

import storage.db
from bot.attendance.service import AttendanceService
from bot.core.auth import Action
from bot.exports.exporter import Exporter
from bot.exports.spreadsheet import Sheet
from bot.members.roster import RosterRow, apply_import
from bot.reminders.calendar import DayKind
from bot.reminders.calendar_import import CalendarRow, import_calendar
from bot.reminders.service import ReminderService
from bot.telegram.http import AiohttpRequest
from bot.telegram.ratelimit import PriorityRateLimiter
from domain.models import CheckInMethod, EventDraft, EventType, Role
from storage.db import Database
from storage.inbox import UpdateInbox
from storage.members import MemberRepository
from tests.botapi import BotApiServer
from tests.clock import FrozenClock

ZONE = ZoneInfo("Asia/Shanghai")
HERE = "tests/unit/storage/test_write_transactions.py"
START = datetime(2026, 3, 1, 9, 0, tzinfo=ZONE)  # the event the crowd checks in to
GROUP = "第一活动组"
CROWD = 300  # members on the roster, each checking in
UPDATES = 200  # updates received while the export reads


def roster(count: int) -> list[RosterRow]:
    return [RosterRow(line=i + 2, name=f"委员{i:03d}", phone=f"138{i:08d}", sector="经济界",
                      group=GROUP, role=Role.MEMBER) for i in range(count)]


def take_the_write_lock(path: Path) -> None:
    """What another process (the CLI) does to write: BEGIN IMMEDIATE, here without waiting
    (SQLite raises "database is locked" at once if someone holds the lock)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


async def test_a_bot_api_call_inside_a_write_transaction_is_refused(
    server: BotApiServer, db: Database
) -> None:
    alice = server.add_user("Alice")
    await alice.start()
    bot = ExtBot(server.token, base_url=server.base_url, rate_limiter=PriorityRateLimiter(),
                 request=AiohttpRequest(connections=4, timeout=5.0),
                 get_updates_request=AiohttpRequest(connections=1, timeout=5.0))

    async def send_while_storing() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO activity_groups(name, created_at) VALUES ('一组', '')")
            await bot.send_message(alice.chat_id, "已记录")

    async with bot:
        with pytest.raises(RuntimeError, match=(
            rf"the Bot API call sendMessage inside the write transaction opened at {HERE}:\d+ "
            r"\(send_while_storing\)"
        )):
            await send_while_storing()
        # stored first (the transaction committed), then sent: as it should be
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO activity_groups(name, created_at) VALUES ('二组', '')")
        await bot.send_message(alice.chat_id, "已记录")
    assert [m.text for m in alice.messages] == ["已记录"]  # the refused call never went out
    names = [row["name"] for row in await db.fetch_all("SELECT name FROM activity_groups")]
    assert names == ["二组"]  # the refused transaction was rolled back


async def test_reads_on_the_reader_and_a_second_transaction_inside_one_are_refused(
    db: Database,
) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO activity_groups(name, created_at) VALUES ('一组', '')")
        async with conn.execute("SELECT count(*) FROM activity_groups") as cursor:
            assert (await cursor.fetchone())[0] == 1  # type: ignore[index]  # its own: fine
        with pytest.raises(RuntimeError, match="a read on the reader connection inside"):
            await db.fetch_all("SELECT name FROM activity_groups")
        async with asyncio.timeout(30):  # without the refusal it would wait for itself
            with pytest.raises(RuntimeError, match="a write transaction inside"):
                async with db.transaction():
                    pass
    assert len(await db.fetch_all("SELECT name FROM activity_groups")) == 1  # committed

    # A task started inside a transaction may read on the reader once the transaction ended.
    ended = asyncio.Event()

    async def read_afterwards() -> int:
        await ended.wait()
        return len(await db.fetch_all("SELECT name FROM activity_groups"))

    async with db.transaction():
        later = asyncio.create_task(read_afterwards())
    ended.set()
    assert await later == 1


async def test_a_write_transaction_held_long_is_logged_with_where_it_was_opened(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.db, "SLOW_WRITE_SECONDS", -1.0)  # every one counts as long
    with caplog.at_level(logging.WARNING, logger="storage.db"):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO activity_groups(name, created_at) VALUES ('一组', '')")
    held = [r.getMessage() for r in caplog.records if "held the write lock" in r.getMessage()]
    assert len(held) == 1, caplog.records
    assert held[0].startswith(
        f"the write transaction opened at {HERE}:"), held[0]
    assert "(test_a_write_transaction_held_long_is_logged_with_where_it_was_opened)" in held[0]


class HeldExport(Exporter[None, list[str]]):
    """A large export whose query goes on until the test lets it end: the long read."""

    action: ClassVar[Action] = Action.VIEW_ROSTER
    audit_kind: ClassVar[str] = "roster_export"
    csv_suffixes: ClassVar[tuple[str, ...]] = ("",)
    default_name: ClassVar[str] = "名单"

    async def build(self, filters: None, language: str) -> list[str]:
        await self.db.fetch_one("SELECT held_until_released()")
        return [row["name"] for row in await self.db.fetch_all("SELECT name FROM members "
                                                               "ORDER BY id")]

    def sheets(self, built: list[str]) -> list[Sheet]:
        return [Sheet(title="名单", header=["姓名"], rows=[(name,) for name in built])]

    def audit_detail(self, filters: None, built: list[str]) -> dict[str, Any]:
        return {"rows": len(built)}


async def test_writes_go_on_while_a_long_export_read_holds_the_reader(
    db: Database, tmp_path: Path
) -> None:
    await apply_import(db, roster(CROWD), source="roster.csv")
    members = MemberRepository(db)
    crowd = await members.list_members(GROUP)
    group_id = crowd[0].group_id
    assert group_id is not None
    clock = FrozenClock(START - timedelta(days=1))
    attendance = AttendanceService(db, members, ZONE, clock=clock)
    created = await attendance.create_event(None, EventDraft(
        type=EventType.READING, title="委员阅读日", starts_at=START,
        ends_at=START + timedelta(hours=2), place="市政协三楼", group_ids=(group_id,)))
    assert created.event is not None
    clock.set(START + timedelta(minutes=5))
    reminders = ReminderService(db, ZONE, clock=clock)
    days = [CalendarRow(line=i + 1, day=date(2027, 10, 1) + timedelta(days=i),
                        kind=DayKind.HOLIDAY, name="国庆节") for i in range(7)]
    inbox = UpdateInbox(db)

    entered, released = threading.Event(), threading.Event()

    def held_until_released() -> int:
        entered.set()
        return int(released.wait(120))

    await db.reader.create_function("held_until_released", 0, held_until_released)
    export = asyncio.create_task(HeldExport(db).export_to(tmp_path / "名单.xlsx", None))
    try:
        assert await asyncio.to_thread(entered.wait, 60), "the export's query never began"
        # The export is reading, and goes on reading, on the reader connection. Meanwhile:
        # a roster import and a calendar import (the CLI's, at the office), the crowd at the
        # venue checking in, and updates received from Telegram.
        writes: list[asyncio.Task[Any]] = [
            asyncio.create_task(apply_import(db, roster(CROWD + 50), source="roster.csv")),
            asyncio.create_task(import_calendar(reminders, days, source="国庆.csv")),
            *(asyncio.create_task(attendance.check_in(m, created.event.id,
                                                      CheckInMethod.BUTTON)) for m in crowd),
            *(asyncio.create_task(inbox.store([(u, json.dumps({"update_id": u}))]))
              for u in range(1, UPDATES + 1)),
        ]
        # (a bound on a hang, not a measure of speed: before the fix they waited for ever)
        _, waiting = await asyncio.wait(writes, timeout=60)
        assert not waiting, (f"{len(waiting)} of {len(writes)} writes waited for the export's "
                             "read to end")
        assert not export.done()  # still reading
        await asyncio.to_thread(take_the_write_lock, db.path)  # free: no "database is locked"
    finally:
        released.set()
    written = await export

    imported, calendar, *outcomes = [task.result() for task in writes[:-UPDATES]]
    assert len(imported.added) == 50
    assert calendar.changed == 7
    assert all(result.recorded for result in outcomes) and len(outcomes) == CROWD
    stored = {name: (await db.fetch_one(sql))[0]  # type: ignore[index]
              for name, sql in {
                  "members": "SELECT count(*) FROM members",
                  "checkins": "SELECT count(*) FROM checkins",
                  "updates": "SELECT count(*) FROM update_inbox",
                  "holidays": "SELECT count(*) FROM calendar_days WHERE kind = 'holiday'",
                  "exports": "SELECT count(*) FROM audit_log WHERE action = 'roster_export'",
              }.items()}
    assert stored == {"members": CROWD + 50, "checkins": CROWD, "updates": UPDATES,
                      "holidays": 7, "exports": 1}
    sheet = load_workbook(written[0]).worksheets[0]
    assert sheet.max_row == 1 + CROWD + 50  # read after the import committed
