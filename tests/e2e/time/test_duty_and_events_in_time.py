"""Time travel through the real bot: the weekly digest on the Monday after New Year, 督导提醒 on
the first working day of December 2029 (the 1st is a Saturday), and an event from 23:00 on
New Year's Eve to 01:00 on New Year's Day as members, the projector and the exports show it
before and after midnight. Each bot starts at a chosen instant (`e2e.travel`); what arrived is
checked by its text and by when Telegram dated it."""

# ruff: noqa: ASYNC109  (explicit timeouts, as in the harness)
from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from bot.attendance.cli import EventArguments, create_event_cli, qr_cli
from tests.botapi import Group, Limits, MessageView, Phone
from tests.e2e.attendance_world import bind_chat
from tests.e2e.duty_record.helpers import wait_run_done
from tests.e2e.harness import E2E, ZONE, local

# How long after its due moment a scheduled send may arrive: the loops look every second here,
# the rest is a loaded machine.
SLACK = timedelta(seconds=20)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def limits() -> Limits:
    """Flood control is not under test here."""
    return Limits.off()


# -- helpers ------------------------------------------------------------------------------------
def dated(message: MessageView) -> datetime:
    """When Telegram dated the message (the server's clock, moved with the test), local."""
    return datetime.fromtimestamp(message.date, ZONE)


def db_time(text: str) -> datetime:
    """A time the bot stored (UTC ISO, from its clock), local."""
    return datetime.fromisoformat(text).astimezone(ZONE)


def with_mark(inboxes: Iterable[Phone | Group], mark: str) -> list[MessageView]:
    return [m for inbox in inboxes for m in inbox.messages if mark in (m.text or "")]


async def linked(e2e: E2E, roster: Sequence[tuple[str, str, str, str, str]]) -> dict[str, Phone]:
    """The roster imported, every account linked (in the database) and the bot opened once;
    the loops look every second; phone number → phone."""
    await e2e.import_roster(roster)
    people = {number: e2e.user(name, number) for name, number, *_ in roster}
    e2e.bind_in_db(people)
    for phone in people.values():
        phone.user.started = True
    e2e.configure("reminders", check_every_seconds=1.0)
    e2e.configure("attendance", announce_every_seconds=0.5)
    e2e.configure("limits", private_messages_per_second=100.0)
    return people


async def group_chat(e2e: E2E, leader: Phone, group: str, members: Sequence[Phone]) -> Group:
    """The group's chat with the bot as admin, bound with /bindgroup (bot running)."""
    chat = e2e.server.add_group(f"{group}委员群", members=list(members), admins=[leader])
    await chat.add_bot(by=leader, as_admin=True)
    await bind_chat(chat, leader, group)
    chat.skip_pending()
    return chat


async def new_event(e2e: E2E, title: str, start: str, end: str, groups: str = "第一活动组",
                    *, past: bool = False) -> int:
    """An event made as `liaison-bot events create` makes it, by the test's clock."""
    out = io.StringIO()
    given = EventArguments(type="meeting", title=title, start=start, end=end,
                           place="市政协三楼会议室", groups=groups, past=past)
    assert await create_event_cli(e2e.config(), given, out=out) == 0, out.getvalue()
    found = re.search(r"活动编号(\d+)", out.getvalue())
    assert found, out.getvalue()
    return int(found.group(1))


async def until(e2e: E2E, moment: datetime, timeout: float = 30.0) -> None:
    """Wait until the bot's clock reads `moment`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while e2e.now() < moment:
        assert loop.time() < deadline, f"the clock did not reach {moment} in {timeout}s"
        await asyncio.sleep(0.1)


def svg_texts(path: Path) -> list[str]:
    page = ElementTree.fromstring(path.read_text(encoding="utf-8"))  # noqa: S314 (our own file)
    return ["".join(node.itertext()) for node in page.iter(f"{SVG}text")]


# -- 1. the weekly digest across the year boundary -----------------------------------------------
DIGEST_ROSTER = [
    ("王强", "13700000001", "", "第一活动组", "leader"),
    ("张三", "13800000011", "", "第一活动组", "member"),
    ("李四", "13800000012", "", "第一活动组", "member"),
    ("赵六", "13800000013", "", "第一活动组", "member"),
    ("李明", "13700000002", "", "第二活动组", "leader"),
    ("钱七", "13800000021", "", "第二活动组", "member"),
]


async def test_the_digest_of_the_week_across_new_year_lands_on_monday_at_nine(e2e: E2E) -> None:
    """Monday 3 January 2028 at 09:00 (the 元旦 day off in lieu: the digest goes by weekday,
    not by working day): each bound chat gets last week, 27 Dec 2027 – 2 Jan 2028, with the
    2027 days shown with their year and the 2028 days without."""
    e2e.travel("2027-12-29 09:50")  # the Wednesday before
    people = await linked(e2e, DIGEST_ROSTER)
    bot = await e2e.start_bot()
    try:
        chat1 = await group_chat(e2e, people["13700000001"], "第一活动组", [
            people[n] for n in ("13800000011", "13800000012", "13800000013")])
        chat2 = await group_chat(e2e, people["13700000002"], "第二活动组",
                                 [people["13800000021"]])
        # the Sunday before last week, recorded afterwards: not in the digest
        await new_event(e2e, "上周日活动", "2027-12-26 15:00", "17:00", past=True)
        meeting = await new_event(e2e, "组会", "2027-12-29 10:00", "11:00")
        await new_event(e2e, "年终座谈会", "2027-12-31 14:00", "16:00", "第二活动组")
        await new_event(e2e, "新年读书会", "2028-01-02 15:00", "17:00")
        await new_event(e2e, "委员建言日", "2028-01-05 14:30", "16:30")
        await new_event(e2e, "下周调研", "2028-01-10 09:00", "11:00")  # next week: not in it
        posted = await chat1.wait_for(
            lambda m: f"活动通知（活动编号{meeting}）" in (m.text or ""), timeout=10)
        zhang = people["13800000011"]
        answer = await zhang.press(posted, "签到")
        assert answer is not None and "签到成功" in (answer.text or "")
    finally:
        await bot.stop()
    assert len(e2e.db("SELECT 1 FROM checkins")) == 1

    e2e.configure("duty_record.digest", enabled=True)  # Mondays at 09:00, as shipped
    nine = local("2028-01-03 09:00")
    e2e.travel(nine - timedelta(seconds=25))
    bot = await e2e.start_bot()
    try:
        assert with_mark([chat1, chat2], "每周简报") == []
        assert e2e.now() < nine  # the bot ran before nine and had sent nothing
        first = await chat1.wait_for(lambda m: "每周简报" in (m.text or ""), timeout=45)
        second = await chat2.wait_for(lambda m: "每周简报" in (m.text or ""), timeout=10)
        await wait_run_done(e2e, "digest:2028-W01", timeout=10)
    finally:
        await bot.stop()

    for digest in (first, second):
        assert nine <= dated(digest) < nine + SLACK, dated(digest)
    assert (first.text or "").split("\n") == [
        "【第一活动组每周简报】本周（1月3日（周一）起）",
        "上周活动：",
        "· 2027年12月29日（周三）10:00“组会”：应到4人，已签到1人",
        "· 1月2日（周日）15:00“新年读书会”：应到4人，已签到0人",
        "本周活动：",
        "· 1月5日（周三）14:30“委员建言日”",
    ]
    assert (second.text or "").split("\n") == [
        "【第二活动组每周简报】本周（1月3日（周一）起）",
        "上周活动：",
        "· 2027年12月31日（周五）14:00“年终座谈会”：应到2人，已签到0人",
        "本周暂无活动安排。",
    ]
    assert [len(with_mark([chat], "每周简报")) for chat in (chat1, chat2)] == [1, 1]
    (run,) = e2e.db("SELECT * FROM duty_runs")
    assert (run["key"], run["kind"], run["status"]) == ("digest:2028-W01", "digest", "done")
    assert db_time(run["due_at"]) == nine
    assert nine <= db_time(run["started_at"]) <= db_time(run["finished_at"]) < nine + SLACK
    sent = e2e.db("SELECT chat_id, status, sent_at FROM deliveries WHERE key = ?",
                  (run["key"],))
    assert sorted((r["chat_id"], r["status"]) for r in sent) == sorted(
        [(chat1.id, "sent"), (chat2.id, "sent")])
    assert all(nine <= db_time(r["sent_at"]) < nine + SLACK for r in sent)


# -- 2. 督导提醒 on the first working day of the quarter's last month ----------------------------
SUPERVISION_ROSTER = [
    ("王强", "13700000001", "", "第一活动组", "leader"),
    ("张三", "13800000011", "", "第一活动组", "member"),
    ("李四", "13800000012", "", "第一活动组", "member"),
    ("孙工", "13900000099", "", "", "staff"),
]
NUDGE_END = "如有困难，请与本组组长或政协机关联系。感谢您的支持与配合！"


def nudge(name: str, activities: int) -> str:
    return "\n".join([
        f"📢 【督导提醒】{name}委员，您好：截至12月3日（周一），您今年以下履职事项尚未达到"
        "进度要求：",
        "",
        f"· 参加活动还差{activities}次。本组近期活动：",
        "  12月5日（周三）14:00“委员读书会”",
        "  2030年1月8日（周二）09:00“新年座谈会”",
        "· 提案还差1件：下次提案征集开始时，我会通知您。",
        "· 社情民意信息还差1篇：发送 /report 即可撰写并提交。",
        "",
        NUDGE_END,
    ])


async def test_supervision_waits_for_the_first_working_day_of_december(e2e: E2E) -> None:
    """December 2029 begins on a Saturday: at 09:30 on the 1st nothing is sent; on Monday the
    3rd at 09:30 each member behind gets their nudge (the events to come dated, 2030's with
    its year), their leader the list and staff the summary, all as of 12月3日."""
    e2e.travel("2029-11-26 09:55")  # a week before: 张三 attends an event
    people = await linked(e2e, SUPERVISION_ROSTER)
    wang, zhang, li, sun = (people[n] for n in ("13700000001", "13800000011",
                                               "13800000012", "13900000099"))
    bot = await e2e.start_bot()
    try:
        meeting = await new_event(e2e, "十一月组会", "2029-11-26 10:00", "11:00")
        await new_event(e2e, "委员读书会", "2029-12-05 14:00", "16:00")
        await new_event(e2e, "新年座谈会", "2030-01-08 09:00", "11:00")
        shown = io.StringIO()
        assert await qr_cli(e2e.config(), meeting, e2e.folder / "qr.png",
                            bot_username=e2e.server.bot_username, watch=False, out=shown) == 0
        link = re.search(r"start=(ci_[A-Za-z0-9_-]+)", shown.getvalue())
        assert link, shown.getvalue()
        await zhang.start(link.group(1))
        await zhang.wait_for(lambda m: "签到成功" in (m.text or ""))
    finally:
        await bot.stop()

    everyone = [wang, zhang, li, sun]
    e2e.configure("duty_record.supervision", enabled=True)  # [3, 6, 9, 12] at 09:30, as shipped
    e2e.travel("2029-12-01 09:31")  # past the hour, on the Saturday
    bot = await e2e.start_bot()
    try:
        await until(e2e, e2e.now() + timedelta(seconds=5))  # five looks of the loop
        assert with_mark(everyone, "督导提醒") == []
        assert e2e.db("SELECT * FROM duty_runs") == []
    finally:
        await bot.stop()

    due = local("2029-12-03 09:30")
    e2e.travel(due - timedelta(seconds=25))
    bot = await e2e.start_bot()
    try:
        assert with_mark(everyone, "督导提醒") == []
        assert e2e.now() < due
        await wait_run_done(e2e, "supervision:2029-Q4", timeout=45)
    finally:
        await bot.stop()

    got = {phone.name: with_mark([phone], "督导提醒") for phone in everyone}
    assert {name: len(messages) for name, messages in got.items()} == {
        wang.name: 2, zhang.name: 1, li.name: 1, sun.name: 1}
    for messages in got.values():
        for message in messages:
            assert due <= dated(message) < due + SLACK, (dated(message), message.text)
    assert got[zhang.name][0].text == nudge("张三", 2)  # one activity done of the three due
    assert got[li.name][0].text == nudge("李四", 3)
    own, listed = got[wang.name]
    assert own.text == nudge("王强", 3)  # a leader behind is nudged too, before the list
    assert listed.text == "\n".join([
        "【督导提醒】王强组长，您好：截至12月3日（周一），本组以下3位委员的履职尚未达到进度要求，"
        "督导提醒已发给本人：",
        "· 张三委员：参加活动差2次、提案差1件、社情民意信息差1篇",
        "· 李四委员：参加活动差3次、提案差1件、社情民意信息差1篇",
        "· 王强委员：参加活动差3次、提案差1件、社情民意信息差1篇",
        "请您予以关注，协助督促。",
    ])
    (summary,) = got[sun.name]
    assert summary.text == "\n".join([
        "【督导提醒】孙工，您好：截至12月3日（周一）的督导提醒已发出。各组履职进度：",
        "· 第一活动组：委员3位，3位未达到进度要求（其中参加活动3位、提案3位、社情民意信息3位）",
        "合计：3位委员，3位未达到进度要求。",
    ])
    (run,) = e2e.db("SELECT * FROM duty_runs")
    assert (run["key"], run["status"]) == ("supervision:2029-Q4", "done")
    assert db_time(run["due_at"]) == due
    assert due <= db_time(run["started_at"]) < due + SLACK
    nudged = {r["name"]: json.loads(r["shortfall"]) for r in e2e.db(
        "SELECT m.name, n.shortfall FROM supervision_nudges n JOIN members m "
        "ON m.id = n.member_id")}
    assert nudged == {
        "王强": {"activities": 3, "proposals": 1, "reports": 1},
        "张三": {"activities": 2, "proposals": 1, "reports": 1},
        "李四": {"activities": 3, "proposals": 1, "reports": 1},
    }


# -- 3. an event across midnight and the new year -----------------------------------------------
EVENT_ROSTER = [
    ("李组长", "13800000001", "", "第一活动组", "leader"),
    ("张三", "13800000011", "", "第一活动组", "member"),
    ("李四", "13800000012", "", "第一活动组", "member"),
    ("孙工", "13800000099", "", "", "staff"),
]
# Read in 2027 (this year's day without a year, next year's with it) and in 2028.
WHEN_2027 = "12月31日（周五）23:00至2028年1月1日（周六）01:00"
WHEN_2028 = "2027年12月31日（周五）23:00至1月1日（周六）01:00"


async def projector_when(e2e: E2E, event_id: int) -> str:
    """The time line of the projector page `liaison-bot events qr EVENT --out FILE.svg`."""
    page = e2e.folder / "projector.svg"
    shown = await e2e.cli("events", "qr", str(event_id), "--out", page,
                          "--bot", e2e.server.bot_username)
    assert shown.returncode == 0, shown.output
    texts = svg_texts(page)
    assert texts[0] == "跨年值守座谈会", texts
    return texts[1]


async def test_an_event_across_new_year_shows_each_day_with_its_year(e2e: E2E) -> None:
    """31 Dec 2027 23:00 to 1 Jan 2028 01:00, created at 22:40 on New Year's Eve: in 2027 the
    announcement, /events and the projector page show 12月31日 without a year and 2028年1月1日
    with it; after midnight (the bot restarted at 00:30) the announcement brought up to date,
    /events, /attendance and the projector show 2027年12月31日 and 1月1日; the exports give
    the event's day 2027-12-31 and each check-in's own day."""
    e2e.travel("2027-12-31 22:40")
    people = await linked(e2e, EVENT_ROSTER)
    leader, zhang, li, sun = (people[n] for n in ("13800000001", "13800000011",
                                                 "13800000012", "13800000099"))
    bot = await e2e.start_bot()
    try:
        chat = await group_chat(e2e, leader, "第一活动组", [zhang, li])
        made = await e2e.cli("events", "create", "--type", "会议", "--title", "跨年值守座谈会",
                             "--start", "2027-12-31 23:00", "--end", "2028-01-01 01:00",
                             "--place", "市政协三楼会议室", "--groups", "第一活动组")
        assert made.returncode == 0, made.output
        found = re.search(
            r"已创建：活动编号(\d+)  2027-12-31 23:00至2028-01-01 01:00  会议  “跨年值守座谈会”",
            made.stdout)
        assert found, made.stdout
        event_id = int(found.group(1))
        posted = await chat.wait_for(
            lambda m: f"活动通知（活动编号{event_id}）" in (m.text or ""), timeout=10)
        assert f"时间：{WHEN_2027}\n" in (posted.text or "")
        assert "已签到0 / 应到3" in (posted.text or "")

        confirmed = await zhang.press(posted, "签到")
        assert confirmed is not None
        (zhang_at,) = [db_time(r["at"]) for r in e2e.db(
            "SELECT at FROM checkins WHERE member_id = ?", (e2e.member("13800000011")["id"],))]
        assert local("2027-12-31 22:40") <= zhang_at < local("2027-12-31 23:00")
        assert f"签到时间{zhang_at:%H:%M}" in (confirmed.text or "")
        await zhang.send("/events")
        mine = await zhang.wait_for(lambda m: "您近期的活动" in (m.text or ""))
        assert f"时间：{WHEN_2027}\n" in (mine.text or "")
        assert f"✅ 已于{zhang_at:%H:%M}签到" in (mine.text or "")
        assert await projector_when(e2e, event_id) == WHEN_2027
    finally:
        await bot.stop()

    e2e.travel("2028-01-01 00:30")  # after midnight, the event still on
    bot = await e2e.start_bot()
    try:
        late = await li.press(posted, "签到")
        assert late is not None and "签到成功（晚于开始时间）" in (late.text or "")
        (li_at,) = [db_time(r["at"]) for r in e2e.db(
            "SELECT at FROM checkins WHERE member_id = ?", (e2e.member("13800000012")["id"],))]
        assert local("2028-01-01 00:30") <= li_at < local("2028-01-01 01:00")
        assert f"签到时间{li_at:%H:%M}" in (late.text or "")
        # the count under the announcement is brought up to date, and its days with it
        updated = await chat.wait_for(
            lambda m: m.message_id == posted.message_id and "已签到2 / 应到3" in (m.text or ""),
            timeout=15)
        assert f"时间：{WHEN_2028}\n" in (updated.text or "")

        before = mine.message_id
        await zhang.send("/events")
        mine = await zhang.wait_for(
            lambda m: "您近期的活动" in (m.text or "") and m.message_id > before)
        assert f"时间：{WHEN_2028}\n" in (mine.text or "")
        await leader.send(f"/attendance {event_id}")
        view = await leader.wait_for(lambda m: "出勤情况（活动编号" in (m.text or ""))
        assert (view.text or "").split("\n")[:2] == [
            f"📋 出勤情况（活动编号{event_id}）“跨年值守座谈会”", f"时间：{WHEN_2028}"]
        assert await projector_when(e2e, event_id) == WHEN_2028

        sheet = e2e.folder / "attendance.csv"
        exported = await e2e.cli("export", "attendance", "--event", str(event_id),
                                 "--out", sheet)
        assert exported.returncode == 0, exported.output
        with sheet.open(encoding="utf-8-sig", newline="") as handle:
            rows = {r["姓名"]: r for r in csv.DictReader(handle)}
        assert {name: (r["日期"], r["开始时间"], r["出勤情况"], r["签到时间"])
                for name, r in rows.items()} == {
            "李组长": ("2027-12-31", "23:00", "未签到", ""),
            "张三": ("2027-12-31", "23:00", "已签到", f"{zhang_at:%Y-%m-%d %H:%M}"),
            "李四": ("2027-12-31", "23:00", "迟到", f"{li_at:%Y-%m-%d %H:%M}"),
        }

        await sun.send(f"/export attendance {event_id}")
        document = await sun.wait_for(lambda m: m.document is not None, timeout=15)
        assert document.text == f"出勤表（活动编号{event_id}）"
        assert document.document is not None
        workbook = load_workbook(io.BytesIO(e2e.server.files[document.document["file_id"]].data))
        header, *records = workbook.worksheets[0].iter_rows(values_only=True)
        name, day, begins, checked = (header.index(c) for c in ("姓名", "日期", "开始时间",
                                                                 "签到时间"))
        cells = {r[name]: r for r in records}
        assert {n: (r[day], r[begins]) for n, r in cells.items()} == {
            n: (datetime(2027, 12, 31), "23:00") for n in ("李组长", "张三", "李四")}
        assert cells["李组长"][checked] is None
        for who, moment in (("张三", zhang_at), ("李四", li_at)):  # a spreadsheet date and time
            shown = cells[who][checked]
            assert isinstance(shown, datetime), shown
            assert abs(shown - moment.replace(tzinfo=None)) < timedelta(seconds=1), shown
    finally:
        await bot.stop()
