"""The weekly group digest over the small committee (tests/supervision_world.py) in the week of
Monday 14 September 2026: last week's events with attendance, reports adopted last week and this
week's events in the bound group chat, once; none for a group whose digest staff switched off;
an empty week in a line; `liaison-bot duty digest off|on`, audited."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.auth import Actor, Refused
from bot.core.cli import speaking
from bot.core.config import Config
from bot.duty_record.cli import digest_cli
from bot.duty_record.digest import DigestService, monday_of, week_key
from bot.duty_record.service import DutyProblem
from bot.telegram.fanout import FanOut
from bot.telegram.sender import Delivery
from handlers.duty_record.jobs import send_digest
from storage.members import MemberRepository
from tests.botapi import BotApiServer
from tests.clock import SYSTEM
from tests.supervision_world import ALICE, BOB, STAFF, at
from tests.unit.duty_record.conftest import Committee

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 9, 14, 9, 0, tzinfo=ZONE)  # week 38; last week holds “九月组会”


def test_week_keys_are_iso_weeks() -> None:
    assert week_key(date(2026, 9, 14)) == "digest:2026-W38"
    assert week_key(date(2027, 1, 1)) == "digest:2026-W53"  # a Friday of 2026's last week
    assert monday_of("digest:2026-W53") == date(2026, 12, 28)
    assert monday_of(week_key(date(2026, 12, 3))) == date(2026, 11, 30)


def week_events(path: Path, world_members: dict[str, int], groups: dict[str, int]) -> None:
    """“九月组会” (10 September, last week): 爱丽丝 and 鲍勃 checked in; “九月读书会” this
    week; 爱丽丝's first report adopted at the city level last Wednesday, and one adopted the
    week before (not listed)."""
    conn = sqlite3.connect(path)
    with conn:
        event = conn.execute("SELECT id FROM events WHERE title = '九月组会'").fetchone()[0]
        for phone in (ALICE, BOB):
            conn.execute("INSERT INTO checkins(event_id, member_id, at, method, late) "
                         "VALUES (?, ?, ?, 'button', 0)",
                         (event, world_members[phone], at("2026-09-10 09:00")))
        cursor = conn.execute(
            "INSERT INTO events(type, title, starts_at, ends_at, created_at, updated_at) "
            "VALUES ('reading', '九月读书会', ?, ?, ?, ?)",
            (at("2026-09-17 14:00"), at("2026-09-17 16:00"), at("2026-09-01 00:00"),
             at("2026-09-01 00:00")))
        conn.execute("INSERT INTO event_groups(event_id, group_id) VALUES (?, ?)",
                     (cursor.lastrowid, groups["第一活动组"]))
        for number, when in (("2026-0001", "2026-09-09 15:00"), ("2026-0002",
                                                                 "2026-09-02 15:00")):
            report = conn.execute("SELECT id FROM reports WHERE number = ?",
                                  (number,)).fetchone()[0]
            conn.execute("UPDATE reports SET status = 'adopted', level = 'city' WHERE id = ?",
                         (report,))
            conn.execute(
                "INSERT INTO report_moves(report_id, at, from_status, to_status, level, "
                "version) VALUES (?, ?, 'accepted', 'adopted', 'city', 1)",
                (report, at(when)))
    conn.close()


async def test_a_bound_group_gets_its_week_once_and_a_switched_off_one_none(
    committee: Committee, server: BotApiServer,
) -> None:
    services, world = committee.services, committee.world
    services.duty_record.clock = services.reminders.clock = lambda: MONDAY
    week_events(committee.db.path, world.members, world.groups)
    alice = committee.phones[ALICE]
    first = server.add_group("第一活动组群", members=[alice], admins=[alice])
    second = server.add_group("第二活动组群", members=[alice], admins=[alice])
    for chat in (first, second):
        await chat.add_bot(by=alice, as_admin=True)
    async with committee.db.transaction() as conn:
        await MemberRepository.bind_group_chat(conn, world.groups["第一活动组"], first.id,
                                               first.title, now=SYSTEM())
        await MemberRepository.bind_group_chat(conn, world.groups["第二活动组"], second.id,
                                               second.title, now=SYSTEM())
    digest = DigestService(services.duty_record, services.reminders)
    await digest.set_digest(None, "第二活动组", on=False)

    assert await digest.due(MONDAY - timedelta(minutes=1)) is None
    week = await digest.due(MONDAY)
    assert week is not None and week.key == "digest:2026-W38"
    await digest.begin(week)
    sent = await send_digest(services, digest, week.key, FanOut())
    assert sent == {Delivery.SENT: 1}
    (text,) = [m.text or "" for m in first.messages]
    assert text.split("\n") == [
        "【第一活动组每周简报】本周（9月14日（周一）起）",
        "上周活动：",
        "· 9月10日（周四）09:00“九月组会”：应到3人，已签到2人",
        "上周获采用的社情民意信息：",
        "· 《信息1》（爱丽丝委员，市级采用）",
        "本周活动：",
        "· 9月17日（周四）14:00“九月读书会”",
    ]
    assert second.messages == []
    # done: the rest of the week finds nothing due, and sending again sends nothing
    assert await digest.due(MONDAY + timedelta(days=2)) is None
    again = await send_digest(services, digest, week.key, FanOut())
    assert again == {Delivery.ALREADY_DONE: 1}
    assert len(first.messages) == 1

    # three weeks later (the National Day week): nothing happened, nothing is planned
    later = MONDAY + timedelta(days=21)
    services.duty_record.clock = lambda: later
    quiet = await digest.due(later)
    assert quiet is not None
    await digest.begin(quiet)
    await send_digest(services, digest, quiet.key, FanOut())
    assert (first.messages[-1].text or "").split("\n") == [
        "【第一活动组每周简报】本周（10月5日（周一）起）", "上周无活动，本周暂无活动安排。"]
    assert second.messages == []


async def test_staff_switch_the_digest_from_the_command_line(
    committee: Committee, tmp_path: Path,
) -> None:
    config = Config.model_validate({"storage": {"path": str(tmp_path / "bot.db")}})
    out = io.StringIO()
    assert await digest_cli(config, "第二活动组", False, out) == 0
    assert out.getvalue() == "第二活动组：每周简报已关闭（尚未绑定本组群聊）\n"
    switches = {s.name: s.digest_off
                for s in await committee.services.duty_record.repo.digest_switches()}
    assert switches == {"第一活动组": False, "第二活动组": True}
    out = io.StringIO()
    with speaking("en"):
        assert await digest_cli(config, "第二活动组", True, out) == 0
    assert out.getvalue() == "第二活动组: weekly digest on (no group chat bound)\n"
    out = io.StringIO()
    assert await digest_cli(config, "第九活动组", False, out) == 2
    assert out.getvalue() == (
        "duty digest: 没有活动组“第九活动组”（现有：第一活动组、第二活动组）\n")
    audit = await committee.db.fetch_all(
        "SELECT action, subject, detail FROM audit_log WHERE action = 'duty.digest' ORDER BY id")
    group = committee.world.groups["第二活动组"]
    assert [(r["subject"], json.loads(r["detail"])) for r in audit] == [
        (f"group:{group}", {"on": False}), (f"group:{group}", {"on": True})]


async def test_staff_switch_a_groups_digest_in_chat_and_nobody_else(committee: Committee) -> None:
    """DigestService.set (the /digest buttons): staff only, by the group's id, audited with
    who pressed; a gone group is refused; the list is staff's alone too."""
    services, world = committee.services, committee.world
    digest = DigestService(services.duty_record, services.reminders)
    members = services.members

    async def actor(phone: str) -> Actor:
        member = await members.by_phone(phone)
        assert member is not None
        return Actor.resolve(1000 + member.id, member, set())

    staff, leader = await actor(STAFF), await actor(ALICE)
    second = world.groups["第二活动组"]
    with pytest.raises(Refused) as refused:
        await digest.set(leader, second, on=False)
    assert refused.value.reason is DutyProblem.STAFF_ONLY
    with pytest.raises(Refused) as refused:
        await digest.switches(leader)
    assert refused.value.reason is DutyProblem.STAFF_ONLY
    with pytest.raises(Refused) as refused:
        await digest.set(staff, max(world.groups.values()) + 1, on=False)
    assert refused.value.reason is DutyProblem.NO_GROUP

    switched = await digest.set(staff, second, on=False)
    assert (switched.name, switched.digest_off) == ("第二活动组", True)
    assert [(g.name, g.digest_off) for g in await digest.switches(staff)] == [
        ("第一活动组", False), ("第二活动组", True)]
    audit = await committee.db.fetch_all(
        "SELECT actor_tg_id, actor_member_id, subject, detail FROM audit_log "
        "WHERE action = 'duty.digest' ORDER BY id")
    assert [(r["actor_tg_id"], r["actor_member_id"], r["subject"], json.loads(r["detail"]))
            for r in audit] == [(staff.telegram_user_id, staff.member_id, f"group:{second}",
                                 {"on": False})]
