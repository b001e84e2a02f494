"""督导提醒 over a small committee in the current quarter (tests/supervision_world.py): when a
run falls due (holidays, 调休, quiet hours, the catch-up window), who is nudged and for what
(worked out by hand), what each member, leader and staff member reads, and that nothing is
sent twice — not on a second tick, not after a kill with a push in flight."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.config import DutyRecordConfig, RemindersConfig, SupervisionConfig
from bot.duty_record.service import DutyRecordService
from bot.duty_record.supervision import Period, SupervisionService, leader_key, period_key
from bot.reminders.calendar import DayKind, WorkCalendar
from bot.reminders.service import ReminderService
from bot.telegram.fanout import FanOut
from bot.telegram.sender import Delivery
from handlers.duty_record.jobs import send_supervision
from storage.db import Database, to_db_time
from storage.deliveries import INTERRUPTED
from storage.members import MemberRepository
from tests.botapi import BotApiServer, Phone
from tests.supervision_world import (
    ALICE,
    BOB,
    CHEN,
    DING,
    NOW,
    SHORT,
    STAFF,
    seed,
)
from tests.unit.duty_record.conftest import Committee

ZONE = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)


def supervision_for(db: Database, now: datetime = NOW, **settings: object) -> SupervisionService:
    config = DutyRecordConfig(supervision=SupervisionConfig.model_validate(settings))
    duty = DutyRecordService(db, MemberRepository(db), ZONE, config, clock=lambda: now)
    return SupervisionService(duty, ReminderService(db, ZONE, RemindersConfig(),
                                                    clock=lambda: now))


# -- when a run is due ------------------------------------------------------------------------

def test_period_keys_name_the_quarter() -> None:
    assert period_key(date(2026, 12, 1)) == "supervision:2026-Q4"
    assert period_key(date(2026, 9, 1)) == "supervision:2026-Q3"
    assert period_key(date(2027, 1, 4)) == "supervision:2027-Q1"


async def test_due_on_the_first_working_day_across_holidays(db: Database) -> None:
    service = supervision_for(db)
    published = WorkCalendar()
    # 1 October 2026 starts the National Day holiday: Thursday 8 October
    assert service.period(2026, 10, published).due_at == local("2026-10-08 09:30")
    # 1 January 2026 is New Year's Day, 2–3 January the break: Sunday 4 January is a 调休
    # working day
    assert service.period(2026, 1, published).due_at == local("2026-01-04 09:30")
    # 1 November 2026 is a Sunday: Monday 2 November; unless the office made it a working day
    assert service.period(2026, 11, published).due_at == local("2026-11-02 09:30")
    office = WorkCalendar({date(2026, 11, 1): DayKind.WORKDAY})
    assert service.period(2026, 11, office).due_at == local("2026-11-01 09:30")
    assert service.period(2026, 9, published) == Period(
        "supervision:2026-Q3", date(2026, 9, 1), local("2026-09-01 09:30"))
    # a time in quiet hours (22:00–07:30) waits for their end
    early = supervision_for(db, at="06:00")
    assert early.period(2026, 9, published).due_at == local("2026-09-01 07:30")


async def test_due_from_its_time_through_the_catch_up_window(db: Database) -> None:
    async def due_at(text: str, **settings: object) -> Period | None:
        return await supervision_for(db, local(text), **settings).due(local(text))

    assert await due_at("2026-09-01 09:29") is None  # not before
    period = await due_at("2026-09-01 09:30")
    assert period is not None and period.key == "supervision:2026-Q3"
    assert await due_at("2026-09-08 09:30") is not None  # 7 days late: still
    assert await due_at("2026-09-08 09:31") is None  # past the catch-up window
    assert await due_at("2026-09-08 09:31", catch_up_days=10) is not None
    assert await due_at("2026-08-31 09:30") is None  # August is not a supervision month
    assert await due_at("2026-09-02 23:00") is None  # quiet hours
    assert await due_at("2026-09-02 10:00", enabled=False) is None
    # December's run caught up in January belongs to December's period
    late = await due_at("2027-01-01 08:00", months=[12], catch_up_days=31)
    assert late is not None and late.key == "supervision:2026-Q4"
    assert late.due_at == local("2026-12-01 09:30")


# -- who is nudged ----------------------------------------------------------------------------

async def test_a_run_nudges_exactly_the_members_below_the_minimums(db: Database) -> None:
    world = seed(db.path)
    service = supervision_for(db)
    period = await service.due(NOW)
    assert period is not None
    nudges = await service.begin(period)
    assert {n.member_id: n.shortfall for n in nudges} == {
        world.members[phone]: short for phone, short in SHORT.items()}
    run = await service.duty.repo.run(period.key)
    assert run is not None and not run.done
    # started again (a restart): what is on record is kept, nothing computed again
    async with db.transaction() as conn:
        await conn.execute("UPDATE checkins SET member_id = ? WHERE member_id = ?",
                           (world.members[BOB], world.members[ALICE]))
    again = await service.begin(period)
    assert again == nudges
    assert [u.key for u in await service.unfinished()] == [period.key]


# -- what is sent -----------------------------------------------------------------------------

def texts(phone: Phone) -> list[str]:
    return [m.text or "" for m in phone.messages]


async def test_members_leaders_and_staff_each_read_their_part_once(
    committee: Committee,
) -> None:
    services, phones = committee.services, committee.phones
    service = SupervisionService(services.duty_record, services.reminders)
    period = await service.due(NOW)
    assert period is not None
    await service.begin(period)
    runs = await service.unfinished()
    sent = await send_supervision(services, service, runs[0], FanOut())
    # members: 鲍勃, 陈晨, 丁丁 (鄂尔 is not bound); leaders: 爱丽丝, 丁丁; staff: 孙工
    assert sent == {Delivery.SENT: 6}

    (bob,) = texts(phones[BOB])
    assert bob.startswith("📢 【督导提醒】鲍勃委员，您好：截至9月1日（周二）")
    assert "活动还差3次" in bob and "提案还差1件" in bob and "社情民意信息还差1篇" in bob
    assert "/report" in bob
    assert "“2026年度提案征集”正在征集，截止日期为9月30日（周三）" in bob
    # the next three events of the group, with their dates (the fourth is left out)
    assert "9月10日（周四）09:00“九月组会”" in bob and "“十一月学习”" in bob
    assert "十二月组会" not in bob and "七月视察" not in bob
    (chen,) = texts(phones[CHEN])
    assert "活动还差1次" in chen and "社情民意信息还差1篇" in chen and "提案" not in chen
    ding_nudge, ding_list = texts(phones[DING])
    assert "提案还差1件" in ding_nudge and "活动" not in ding_nudge and "/report" not in ding_nudge
    assert ding_list.startswith("【督导提醒】丁丁组长，您好")
    assert "· 丁丁委员：提案差1件" in ding_list
    assert "· 鄂尔委员：参加活动差3次、提案差1件、社情民意信息差1篇" in ding_list
    (alice,) = texts(phones[ALICE])  # on track: no nudge, only her group's list
    assert alice.startswith("【督导提醒】爱丽丝组长，您好：截至9月1日（周二），本组以下2位委员")
    assert "· 鲍勃委员：参加活动差3次、提案差1件、社情民意信息差1篇" in alice
    assert "· 陈晨委员：参加活动差1次、社情民意信息差1篇" in alice
    assert "冯离" not in alice  # left the roster
    (staff,) = texts(phones[STAFF])
    assert staff.startswith("【督导提醒】孙工，您好")
    assert ("· 第一活动组：委员3位，2位未达到进度要求（其中参加活动2位、社情民意信息2位、提案1位）"
            in staff)
    assert ("· 第二活动组：委员2位，2位未达到进度要求（其中提案2位、参加活动1位、社情民意信息1位）"
            in staff)
    assert "合计：5位委员，4位未达到进度要求。" in staff
    assert "其中1位未绑定或已不在名册，未能发送：鄂尔。" in staff

    # the run is done: the next tick finds nothing due, and a second send sends nothing
    assert await service.due(NOW + timedelta(minutes=1)) is None
    assert await service.unfinished() == []
    again = await send_supervision(services, service, runs[0], FanOut())
    assert again == {Delivery.ALREADY_DONE: 6}
    assert {p: len(phone.messages) for p, phone in phones.items()} == {
        ALICE: 1, BOB: 1, CHEN: 1, DING: 2, STAFF: 1, "13800000007": 0}


async def test_a_push_in_flight_at_a_kill_is_not_sent_again(committee: Committee) -> None:
    services, phones = committee.services, committee.phones
    service = SupervisionService(services.duty_record, services.reminders)
    period = await service.due(NOW)
    assert period is not None
    await service.begin(period)
    # killed while 鲍勃's nudge and 爱丽丝's list were in flight: claimed, never recorded
    async with committee.db.transaction() as conn:
        for key, phone in ((period.key, BOB), (leader_key(period.key), ALICE)):
            await conn.execute(
                "INSERT INTO deliveries(key, chat_id, created_at) VALUES (?, ?, ?)",
                (key, phones[phone].id, to_db_time(NOW)))
    (run,) = await service.unfinished()
    sent = await send_supervision(services, service, run, FanOut())
    assert sent == {Delivery.SENT: 4, Delivery.UNCONFIRMED: 2}
    assert phones[BOB].messages == [] and phones[ALICE].messages == []
    assert len(phones[CHEN].messages) == 1 and len(phones[DING].messages) == 2
    rows = committee.db
    found = await rows.fetch_all(
        "SELECT key, status, last_error FROM deliveries WHERE chat_id IN (?, ?) ORDER BY key",
        (phones[BOB].id, phones[ALICE].id))
    assert [(r["key"], r["status"], r["last_error"]) for r in found] == [
        (period.key, "failed", INTERRUPTED), (leader_key(period.key), "failed", INTERRUPTED)]


async def test_a_server_error_is_retried_at_most_once_mode(
    committee: Committee, server: BotApiServer
) -> None:
    """A 5xx is a definite failure (nothing was sent): the run tries again."""
    services, phones = committee.services, committee.phones
    service = SupervisionService(services.duty_record, services.reminders)
    period = await service.due(NOW)
    assert period is not None
    await service.begin(period)
    server.inject_failure("sendMessage", rate=1.0, times=1)
    (run,) = await service.unfinished()
    sent = await send_supervision(services, service, run, FanOut())
    assert sent == {Delivery.SENT: 6}
    assert {p: len(phones[p].messages) for p in (BOB, CHEN, DING, ALICE, STAFF)} == {
        BOB: 1, CHEN: 1, DING: 2, ALICE: 1, STAFF: 1}
    failed = await committee.db.fetch_all("SELECT attempts FROM deliveries WHERE attempts > 1")
    assert len(failed) == 1  # the one that failed was tried twice
