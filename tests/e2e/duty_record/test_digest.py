"""The weekly digest end to end: two group chats bound with /bindgroup, staff switch the second
group's digest off with `liaison-bot duty digest off`; the bot sends the first chat its week —
last week's event with attendance, the report adopted last week, this week's event — once,
across a restart, and the second chat nothing."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

from bot.core.when import date_text, moment_text
from storage.db import to_db_time
from tests.e2e.attendance_world import bind_chat
from tests.e2e.duty_record.helpers import ZONE, today, wait_run_done
from tests.e2e.harness import E2E, write_db

ROSTER = [
    ("王强", "13700000001", "", "第一活动组", "leader"),
    ("张三", "13800000011", "", "第一活动组", "member"),
    ("李四", "13800000012", "", "第一活动组", "member"),
    ("赵六", "13800000013", "", "第一活动组", "member"),
    ("李明", "13700000002", "", "第二活动组", "leader"),
    ("钱七", "13800000021", "", "第二活动组", "member"),
]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZONE)


def seed_week(e2e: E2E, monday: date) -> tuple[datetime, datetime]:
    """Last Monday's “组会” of 第一活动组 (张三 checked in), 张三's report adopted at the
    provincial level last Tuesday, this Sunday's “读书会”; the two start times."""
    group = e2e.db("SELECT id FROM activity_groups WHERE name = '第一活动组'")[0]["id"]
    zhang = e2e.member("13800000011")["id"]
    stamp = to_db_time(local(monday - timedelta(days=14), 9))
    past, coming = local(monday - timedelta(days=7), 10), local(monday + timedelta(days=6), 15)
    for title, starts in (("组会", past), ("读书会", coming)):
        write_db(e2e.db_path, "INSERT INTO events(type, title, starts_at, ends_at, created_at, "
                 "updated_at) VALUES ('meeting', ?, ?, ?, ?, ?)",
                 (title, to_db_time(starts), to_db_time(starts + timedelta(hours=2)), stamp,
                  stamp))
        event = e2e.db("SELECT id FROM events WHERE title = ?", (title,))[0]["id"]
        write_db(e2e.db_path, "INSERT INTO event_groups(event_id, group_id) VALUES (?, ?)",
                 (event, group))
    write_db(e2e.db_path, "INSERT INTO checkins(event_id, member_id, at, method, late) "
             "SELECT id, ?, starts_at, 'button', 0 FROM events WHERE title = '组会'", (zhang,))
    adopted = to_db_time(local(monday - timedelta(days=6), 11))
    write_db(e2e.db_path, "INSERT INTO reports(author_member_id, number, title, category, "
             "status, level, created_at, updated_at, submitted_at, status_at, version) VALUES "
             "(?, 'X-0001', '关于老旧小区加装电梯的建议', 'livelihood', 'adopted', 'province', "
             "?, ?, ?, ?, 1)", (zhang, stamp, stamp, stamp, adopted))
    write_db(e2e.db_path, "INSERT INTO report_moves(report_id, at, from_status, to_status, "
             "level, version) SELECT id, ?, 'accepted', 'adopted', 'province', 1 FROM reports",
             (adopted,))
    return past, coming


async def test_the_digest_once_in_a_bound_chat_and_none_where_switched_off(e2e: E2E) -> None:
    await e2e.import_roster(ROSTER)
    people = {phone: e2e.user(name, phone) for name, phone, *_ in ROSTER}
    e2e.bind_in_db(people)
    for phone in people.values():
        phone.user.started = True
    e2e.configure("reminders", check_every_seconds=0.5, quiet_start="00:00", quiet_end="00:00")
    wang, li = people["13700000001"], people["13700000002"]
    bot = await e2e.start_bot()
    chats = []
    for leader, name in ((wang, "第一活动组"), (li, "第二活动组")):
        chat = e2e.server.add_group(f"{name}委员群", members=[leader], admins=[leader])
        await chat.add_bot(by=leader, as_admin=True)
        await bind_chat(chat, leader, name)
        chats.append(chat)
    await bot.stop()
    first, second = chats

    result = await e2e.cli("duty", "digest", "off", "--group", "第二活动组")
    assert result.returncode == 0, result.output
    assert result.stdout == "第二活动组：每周简报已关闭（已绑定本组群聊）\n"
    now = today()
    monday = now.date() - timedelta(days=now.weekday())
    past, coming = seed_week(e2e, monday)
    e2e.configure("duty_record.digest", enabled=True, weekday=WEEKDAYS[now.weekday()],
                  at="00:00")
    iso = monday.isocalendar()
    key = f"digest:{iso.year}-W{iso.week:02d}"

    for _ in range(2):  # started twice: sent once
        bot = await e2e.start_bot()
        await wait_run_done(e2e, key, timeout=30)
        await asyncio.sleep(2.0)  # a few more ticks of the loop
        await bot.stop()
    digests = [m.text or "" for m in first.messages if "每周简报" in (m.text or "")]
    assert len(digests) == 1, digests
    day = now.date()
    assert digests[0].split("\n") == [
        f"【第一活动组每周简报】本周（{date_text('zh', monday, day)}起）",
        "上周活动：",
        f"· {moment_text('zh', past, ZONE, today=day)}“组会”：应到4人，已签到1人",
        "上周获采用的社情民意信息：",
        "· 《关于老旧小区加装电梯的建议》（张三委员，省级采用）",
        "本周活动：",
        f"· {moment_text('zh', coming, ZONE, today=day)}“读书会”",
    ]
    assert [m.text for m in second.messages if "每周简报" in (m.text or "")] == []
    assert e2e.db("SELECT chat_id, status FROM deliveries WHERE key = ?", (key,)) == [
        {"chat_id": first.id, "status": "sent"}]
