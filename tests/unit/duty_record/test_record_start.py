"""Where the duty record starts ([duty_record] record_starts, else the day the bot first
started, stored and kept): the minimums pro-rated from it, supervision judging nothing before
it, /me for a year before it, a database the bot already ran on, `doctor`'s line; and the
supervision message dated the day it is sent."""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import storage.db
from bot.core.auth import Actor, Refused
from bot.core.config import Config, DutyRecordConfig, RemindersConfig, SupervisionConfig
from bot.core.texts import tr
from bot.duty_record.record_start import RecordStart, StartSource
from bot.duty_record.rules import Item, Target
from bot.duty_record.service import DutyProblem, DutyRecordService
from bot.duty_record.supervision import SupervisionService
from bot.reminders.service import ReminderService
from bot.telegram.fanout import FanOut
from domain.duty_models import Scope
from handlers.duty_record.jobs import send_supervision
from liaison.doctor import run_doctor
from storage.db import Database
from storage.members import MemberRepository
from tests.clock import SYSTEM, FrozenClock
from tests.duty_world import BOB as BOB_2025
from tests.duty_world import YEAR, seed_year
from tests.supervision_world import ALICE, BOB, CHEN, DING, E_ER, NOW, STAFF, seed
from tests.unit.duty_record.conftest import Committee

ZONE = ZoneInfo("Asia/Shanghai")
ITEMS = ("activities", "proposals", "reports")


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)


def duty_for(db: Database, clock: FrozenClock, config: DutyRecordConfig | None = None
             ) -> DutyRecordService:
    return DutyRecordService(db, MemberRepository(db), ZONE, config, clock=clock)


def supervision_for(duty: DutyRecordService) -> SupervisionService:
    return SupervisionService(duty, ReminderService(duty.db, ZONE, RemindersConfig(),
                                                    clock=duty.clock))


SUPERVISION = SupervisionConfig(months=[3, 6, 9, 12], at="09:30", catch_up_days=7)


# -- the minimums, pro-rated from the start --------------------------------------------------

def test_the_year_of_the_start_is_pro_rated_from_that_day() -> None:
    config = DutyRecordConfig()
    starts = date(2025, 7, 1)  # day 182 of 365
    # from 1 July to 1 September, the day itself counted: 63 days; 3 × 63/365 → 1 activity
    target = Target.on(config, 2025, date(2025, 9, 1), starts=starts)
    assert dict(target.due) == dict.fromkeys(ITEMS, 1)
    # the whole of 2025 on record is 1 July to 31 December, 184 days: 3 × 184/365 → 2
    assert dict(target.yearly) == {"activities": 2, "proposals": 1, "reports": 1}
    assert dict(Target.on(config, 2025, date(2026, 2, 1), starts=starts).due) == dict(
        target.yearly)
    # before the start nothing is due yet
    assert dict(Target.on(config, 2025, date(2025, 6, 30), starts=starts).due) == dict.fromkeys(
        ITEMS, 0)
    # the year after the start is whole, as is any year without a start
    for later in (Target.on(config, 2026, date(2026, 9, 1), starts=starts),
                  Target.on(config, 2026, date(2026, 9, 1))):
        assert dict(later.due) == dict.fromkeys(ITEMS, 1) | {"activities": 3}
        assert dict(later.yearly) == {"activities": 3, "proposals": 1, "reports": 1}
    # a year before the start has no record: nothing due, nothing yearly
    before = Target.on(config, 2024, date(2026, 9, 1), starts=starts)
    assert dict(before.due) == dict(before.yearly) == dict.fromkeys(ITEMS, 0)
    # starting on 1 January is the whole year
    assert Target.on(config, 2025, date(2025, 9, 1), starts=date(2025, 1, 1)) == Target.on(
        config, 2025, date(2025, 9, 1))


def test_the_readmes_record_starts_example_is_what_the_code_computes() -> None:
    """The duty record section's "with record_starts = 1 July 2025, from 1 July to 1 September
    3 × 63/365 → 1": the days from the start to that day (both counted) and what Target.on
    gives for it."""
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    section = " ".join(readme.split("## The duty record", 1)[1].split("\n## ", 1)[0].split())
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    month = "|".join(months)
    examples = re.findall(
        rf"from (\d+) ({month}) to (\d+) ({month}),? (\d+) × (\d+)/(\d+) → (\d+)", section)
    assert examples, "the README gives no example of pro-rating from record_starts"
    config = DutyRecordConfig()
    for from_day, from_month, day, month_name, minimum, passed, days, due in examples:
        year = 2025 if days == "365" else 2024
        starts = date(year, months.index(from_month) + 1, int(from_day))
        on = date(year, months.index(month_name) + 1, int(day))
        assert int(minimum) == config.minimums.activities
        assert int(passed) == (on - starts).days + 1
        assert Target.on(config, year, on, starts=starts).due[Item.ACTIVITIES] == int(due)


# -- where the start comes from --------------------------------------------------------------

async def test_the_first_start_is_stored_in_the_committees_zone_and_kept(db: Database) -> None:
    clock = FrozenClock(datetime(2026, 3, 4, 17, 0, tzinfo=UTC))  # 5 March 01:00 in Shanghai
    duty = duty_for(db, clock)
    assert await duty.record_start() == RecordStart(StartSource.NOT_STARTED)
    first = await duty.note_first_start()
    assert (first.source, first.day) == (StartSource.FIRST_START, date(2026, 3, 5))
    # a later start, by a new process: the day stored at the first start stands
    clock.set(datetime(2026, 9, 1, 2, 0, tzinfo=UTC))
    again = duty_for(db, clock)
    assert (await again.note_first_start()).day == date(2026, 3, 5)
    assert (await again.record_start()).day == date(2026, 3, 5)
    # and the minimums are pro-rated from it: 5 March to 1 September is 181 days
    target = await again.target(2026)
    assert target.due[Item.ACTIVITIES] == 2  # 3 × 181/365 → 2 (3 from 1 January)
    rows = await db.fetch_all("SELECT name, value FROM committee_settings")
    assert [row["name"] for row in rows] == ["first_started_at"]


async def test_a_configured_start_wins(db: Database) -> None:
    clock = FrozenClock(local("2026-03-05 10:00"))
    config = DutyRecordConfig(record_starts=date(2026, 1, 1))
    duty = duty_for(db, clock, config)
    start = await duty.note_first_start()
    assert (start.source, start.day) == (StartSource.CONFIG, date(2026, 1, 1))
    assert start.at == local("2026-01-01 00:00")
    # the first start is stored all the same: without the key the record starts that day
    unset = await duty_for(db, clock).record_start()
    assert (unset.source, unset.day) == (StartSource.FIRST_START, date(2026, 3, 5))
    # read from the config file as a TOML date
    assert Config.model_validate(
        {"duty_record": {"record_starts": date(2025, 7, 1)}}).duty_record.record_starts == date(
        2025, 7, 1)


async def test_a_database_the_bot_already_ran_on_keeps_its_years(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Upgraded, a committee's database the bot has run on since 2025 does not start the
    record at the upgrade: its first start is the earliest trace of the bot at work."""
    path = tmp_path / "bot.db"
    every = storage.db.migrations()
    monkeypatch.setattr(storage.db, "migrations", lambda: [m for m in every if m[0] < 17])
    async with Database(path, SYSTEM):
        pass
    monkeypatch.undo()
    world = seed_year(path)  # the year 2025, bound members among them
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO app_secrets(name, value) VALUES ('callback', x'00')")
        conn.execute("INSERT INTO deliveries(key, chat_id, created_at) VALUES "
                     "('x', 1, '2025-01-06T01:00:00.000000+00:00')")
    conn.close()
    async with Database(path, SYSTEM) as db:
        duty = duty_for(db, FrozenClock(local("2026-06-15 10:00")))
        start = await duty.note_first_start()
        assert start.source is StartSource.FIRST_START and start.day is not None
        assert start.day <= date(2025, 1, 6)
        bob = await MemberRepository(db).by_phone(BOB_2025)
        assert bob is not None and world.members[BOB_2025] == bob.id
        _, record = await duty.record(Actor.resolve(1000 + bob.id, bob, set()), None, YEAR)
        assert record.year == YEAR


async def test_a_fresh_database_has_no_start_until_the_bot_starts(db: Database) -> None:
    assert await db.fetch_all("SELECT * FROM committee_settings") == []


# -- /me for a year before the start ---------------------------------------------------------

async def test_a_year_before_the_start_has_no_record(db: Database) -> None:
    world = seed_year(db.path)
    config = DutyRecordConfig(record_starts=date(2026, 3, 5))
    duty = duty_for(db, FrozenClock(local("2026-06-15 10:00")), config)
    bob = await MemberRepository(db).by_phone(BOB_2025)
    assert bob is not None and bob.id == world.members[BOB_2025]
    actor = Actor.resolve(1000 + bob.id, bob, set())
    for ask in (duty.record(actor, None, YEAR), duty.member_lists(actor, None, YEAR)):
        with pytest.raises(Refused) as refused:
            await ask
        assert refused.value.reason is DutyProblem.BEFORE_RECORD
    # the year of the start is kept (pro-rated); the export's figures of the year before show
    # no shortfall
    _, record = await duty.record(actor, None, 2026)
    assert record.year == 2026
    assert all(not r.behind for r in await duty.records(YEAR, Scope()))
    # the words, in both languages: which year, from when, what to do
    zh = tr("zh", "duty.problem.before_record", year=2025, start="2026年3月5日（周四）",
            command="me")
    assert zh.startswith("2025年没有履职档案") and "2026年3月5日（周四）" in zh and "/me" in zh
    en = tr("en", "duty.problem.before_record", year=2025, start="Thu 5 Mar 2026",
            command="me")
    assert "2025" in en and "Thu 5 Mar 2026" in en and "/me" in en


# -- supervision judges nothing before the start ---------------------------------------------

async def test_a_check_before_the_start_nudges_nobody(db: Database) -> None:
    seed(db.path)
    clock = FrozenClock(local("2026-09-03 10:00"))  # September's check was due 1 September
    control = supervision_for(duty_for(db, clock, DutyRecordConfig(supervision=SUPERVISION)))
    assert await control.due() is not None  # no start known: the catch-up window runs it
    # the bot's first start, inside the catch-up window, or the same day after the check
    for first in ("2026-09-03 10:00", "2026-09-01 10:00"):
        clock.set(local(first))
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM committee_settings")
        duty = duty_for(db, clock, DutyRecordConfig(supervision=SUPERVISION))
        await duty.note_first_start()
        assert await supervision_for(duty).due() is None, first
    # configured to start after the check's day
    config = DutyRecordConfig(supervision=SUPERVISION, record_starts=date(2026, 9, 2))
    assert await supervision_for(duty_for(db, clock, config)).due() is None
    assert await db.fetch_all("SELECT * FROM duty_runs") == []


async def test_a_check_after_the_start_counts_what_is_due_from_it(db: Database) -> None:
    world = seed(db.path)
    config = DutyRecordConfig(supervision=SUPERVISION, record_starts=date(2026, 7, 1))
    service = supervision_for(duty_for(db, FrozenClock(NOW), config))
    period = await service.due()
    assert period is not None and period.day == date(2026, 9, 1)
    nudges = await service.begin(period)
    # 1 July to 1 September: 3 × 63/365 → 1 activity due (3 from 1 January)
    assert {n.member_id: n.shortfall for n in nudges} == {
        world.members[BOB]: dict.fromkeys(ITEMS, 1),
        world.members[CHEN]: {"reports": 1},
        world.members[DING]: {"proposals": 1},
        world.members[E_ER]: dict.fromkeys(ITEMS, 1),
    }


# -- the message is dated the day it is sent -------------------------------------------------

async def test_a_run_sent_late_is_dated_the_day_it_is_sent(committee: Committee) -> None:
    services, phones = committee.services, committee.phones
    service = SupervisionService(services.duty_record, services.reminders)
    period = await service.due(NOW)
    assert period is not None
    await service.begin(period)
    (run,) = await service.unfinished()
    later = NOW + timedelta(days=2, minutes=30)  # Thursday 3 September 10:00
    services.duty_record.clock = services.reminders.clock = lambda: later
    await send_supervision(services, service, run, FanOut())
    (bob,) = [m.text or "" for m in phones[BOB].messages]
    assert bob.startswith("📢 【督导提醒】鲍勃委员，您好：截至9月3日（周四），"), bob
    (alice,) = [m.text or "" for m in phones[ALICE].messages]
    assert alice.startswith("【督导提醒】爱丽丝组长，您好：截至9月3日（周四），"), alice
    (staff,) = [m.text or "" for m in phones[STAFF].messages]
    assert "截至9月3日（周四）的督导提醒已发出" in staff, staff
    assert all("9月1日" not in text for text in (bob, alice, staff))


# -- doctor ----------------------------------------------------------------------------------

def _doctor_config(tmp_path: Path, **duty_record: object) -> Config:
    return Config.model_validate({
        "telegram": {"token": "1:x", "base_url": "http://127.0.0.1:9/bot",
                     "request_timeout": 2},
        "storage": {"path": str(tmp_path / "bot.db")},
        "duty_record": duty_record,
    })


async def _doctor_lines(config: Config) -> list[str]:
    out = io.StringIO()
    await run_doctor(config, out=out)
    return [line for line in out.getvalue().splitlines() if "履职档案" in line]


async def test_doctor_shows_where_the_record_starts(tmp_path: Path) -> None:
    config = _doctor_config(tmp_path)
    assert await _doctor_lines(config) == [
        "【正常】履职档案自本助手首次启动之日起算（尚未启动）"]
    async with Database(config.storage.path, SYSTEM) as db:
        assert await _doctor_lines(config) == [
            "【正常】履职档案自本助手首次启动之日起算（尚未启动）"]
        await duty_for(db, FrozenClock(local("2026-03-05 10:00"))).note_first_start()
    assert await _doctor_lines(config) == [
        "【正常】履职档案自2026-03-05起算，即本助手首次启动之日"]
    configured = _doctor_config(tmp_path, record_starts="2026-01-01")
    assert await _doctor_lines(configured) == [
        "【正常】履职档案自2026-01-01起算（[duty_record] record_starts）"]
