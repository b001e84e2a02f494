"""The duty record in chat over the seeded 2025 (tests/duty_world.py): /me shows a member's
hand-worked figures and its buttons open the lists behind them; /group shows a leader their
group with the member behind marked; /stats shows staff every group's figures and sends a PNG
chart; wrong years, forged and other people's buttons, other groups, members asking for what
leaders and staff see, group chats and unbound users are refused with a clear answer."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import pytest

from tests.botapi import MessageView, Phone
from tests.duty_world import (
    ALICE,
    BOB,
    CHEN,
    DING,
    EXPECTED,
    ROSTER,
    STAFF,
    YEAR,
    DutyWorld,
    seed_year,
)
from tests.e2e.harness import E2E, InProcessBot, wait_until, write_db

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STAMP = "2025-12-01T01:30:00.000000+00:00"
# The bot runs in the middle of the year after the seeded one: "this year" is 2026 wherever the
# suite runs (a test crossing midnight of a new year would otherwise see two); at 08:00, before
# the daily list of waiting reports (09:00), so staff get only what they ask for.
THIS_YEAR = 2026


@pytest.fixture
def instant() -> str:
    return f"{THIS_YEAR}-06-15 08:00"


@dataclass
class People:
    world: DutyWorld
    alice: Phone  # leader of 第一活动组
    bob: Phone
    chen: Phone  # behind on every minimum, nudged in 2025-Q4
    ding: Phone  # leader of 第二活动组
    staff: Phone


@pytest.fixture
async def people(e2e: E2E) -> People:
    await e2e.import_roster([(name, phone, "经济界", group, role)
                             for name, phone, group, role in ROSTER])
    phones = {phone: e2e.user(name, phone) for name, phone, _, _ in ROSTER}

    def seed() -> DutyWorld:  # the bot is running: written off its loop (see write_db)
        world = seed_year(e2e.db_path)
        write_db(e2e.db_path, "INSERT INTO duty_runs(key, kind, due_at, status, started_at) "
                 "VALUES ('supervision:2025-Q4', 'supervision', ?, 'done', ?)", (STAMP, STAMP))
        write_db(e2e.db_path, "INSERT INTO supervision_nudges(run_key, member_id, group_id, "
                 "shortfall) VALUES ('supervision:2025-Q4', ?, ?, ?)",
                 (world.members[CHEN], world.groups["第一活动组"],
                  json.dumps({"activities": 2, "proposals": 1})))
        write_db(e2e.db_path, "INSERT INTO duty_grades(member_id, year, dimension, grade, "
                 "set_at) VALUES (?, 2025, 'conduct', '优秀', ?)", (world.members[BOB], STAMP))
        e2e.bind_in_db(phones)
        return world

    world = await asyncio.to_thread(seed)
    return People(world, phones[ALICE], phones[BOB], phones[CHEN], phones[DING], phones[STAFF])


def now(e2e: E2E, message: MessageView) -> MessageView:
    """The message as it is now (after the bot's edits)."""
    return MessageView(e2e.server.chats[message.chat_id].by_id[message.message_id])


async def edited(e2e: E2E, message: MessageView, wanted: str) -> MessageView:
    await wait_until(e2e.server, lambda: wanted in (now(e2e, message).text or ""),
                     f"the message shows {wanted!r}", timeout=5)
    return now(e2e, message)


def body_lines(message: MessageView) -> list[str]:
    return (message.text or "").split("\n")


BOB_2025 = [
    "📋 鲍勃委员的2025年履职档案",
    "第一活动组",
    "",
    "参加活动",
    "应参加4次，已签到3次（其中迟到1次）",
    "请假1次，未签到1次",
    "其中1次为其他活动组的活动",
    "",
    "社情民意信息",
    "提交3篇，采用1篇（全国1篇）",
    "获领导批示0篇，未采用0篇",
    "联名反映0篇",
    "",
    "提案与读书",
    "提案1件，读书心得0篇",
    "",
    "履职积分：21分",
    "",
    "对照年度要求",  # 2025 is over: the yearly minimums (3 activities, 1 proposal, 1 report)
    "参加活动：3/3 ▓▓▓",
    "提案：1/1 ▓",
    "社情民意信息：3/1 ▓",
    "",
    "评议",
    "作风表现：优秀",
]


async def test_a_member_sees_the_year_worked_out_by_hand_and_the_lists_behind_it(
    e2e: E2E, bot: InProcessBot, people: People,
) -> None:
    bob = people.bob
    want = EXPECTED[BOB]
    assert (want.expected, want.attended, want.late, want.on_leave, want.absent,
            want.attended_expected, want.submitted, want.adopted, want.points) == (
        4, 3, 1, 1, 1, 2, 3, {"national": 1}, 21.0)  # the figures the lines below spell out
    await bob.send(f"/me {YEAR}")
    record = await bob.wait_for(lambda m: "履职档案" in (m.text or ""))
    assert body_lines(record) == BOB_2025
    assert record.button_texts == ["活动", "社情民意", "提案"]  # no reading notes: no button

    await bob.press(record, "活动")
    events = await edited(e2e, record, "“三月读书会”")
    assert body_lines(events) == [
        "鲍勃委员的2025年活动",
        "3月6日“三月读书会”：已签到",
        "5月15日“五月建言日”：已签到（晚于开始时间）",
        "6月10日“河道视察”：已签到（本组以外的活动）",
        "9月18日“九月组会”：请假",
        "11月20日“十一月学习”：未签到",
    ]
    assert events.button_texts == ["‹ 返回"]
    await bob.press(events, "‹ 返回")
    back = await edited(e2e, record, "履职积分")
    assert body_lines(back) == BOB_2025

    await bob.press(back, "社情民意")
    reports = await edited(e2e, record, "《报告R11》")
    assert body_lines(reports)[1:] == [
        "1月1日《报告R11》：已提交",
        "5月20日《报告R4》：已提交",
        "5月28日《报告R5》：已采用（全国）",
    ]
    await bob.press(reports, "‹ 返回")
    back = await edited(e2e, record, "履职积分")
    await bob.press(back, "提案")
    proposals = await edited(e2e, record, "提案征集")
    assert body_lines(proposals)[1:] == ["“2025年提案征集”：1件（本人填报）"]
    assert len(e2e.server.calls_for("sendMessage", chat_id=bob.id)) == 1  # all in one message


async def test_the_reason_of_a_supervision_nudge_and_english(
    e2e: E2E, bot: InProcessBot, people: People,
) -> None:
    chen = people.chen
    await chen.send("/me 2025")
    record = await chen.wait_for(lambda m: "履职档案" in (m.text or ""))
    assert "【督导提醒】2025年第四季度尚差参加活动2次、提案1件。" in body_lines(record)
    assert "履职积分：0.5分" in body_lines(record)
    assert "参加活动：0/3 ░░░" in body_lines(record)
    assert record.button_texts == ["活动", "社情民意"]  # a co-authored report is listed

    people.bob.language_code = "en"
    await people.bob.send("/me 2025")
    english = await people.bob.wait_for(lambda m: "duty record" in (m.text or ""))
    assert "Points: 21" in body_lines(english)
    assert "Submitted 3, adopted 1 (national 1)" in body_lines(english)
    assert english.button_texts == ["Events", "Reports", "Proposals"]


async def test_a_leader_sees_the_group_with_the_member_behind_marked(
    e2e: E2E, bot: InProcessBot, people: People,
) -> None:
    alice = people.alice
    await alice.send("/group 2025")
    overview = await alice.wait_for(lambda m: "履职情况" in (m.text or ""))
    lines = body_lines(overview)
    assert lines[:2] == ["📊 第一活动组2025年履职情况",
                         "委员3位，其中1位未达到年度要求（标有⚠）。"]
    names = [line for line in lines if "分" in line and "：" in line and "尚差" not in line]
    assert names == ["爱丽丝：34.5分", "鲍勃：21分", "⚠ 陈晨：0.5分"]  # 冯离 left in July
    chen_at = lines.index("⚠ 陈晨：0.5分")
    assert lines[chen_at + 1:chen_at + 3] == [
        "签到0/4，社情民意信息0篇（采用0篇），提案0件",
        "尚差参加活动3次、提案1件、社情民意信息1篇",
    ]
    assert "签到2/4，社情民意信息3篇（采用1篇），提案1件" in lines  # 鲍勃
    assert overview.button_texts == ["爱丽丝", "鲍勃", "⚠ 陈晨"]

    # a name opens that member's record as a new message, with its own list buttons
    await alice.press(overview, "鲍勃")
    record = await alice.wait_for(lambda m: "鲍勃委员的2025年履职档案" in (m.text or ""))
    assert body_lines(record) == BOB_2025
    await alice.press(record, "活动")
    await edited(e2e, record, "“十一月学习”：未签到")


async def test_staff_see_every_group_and_a_chart(
    e2e: E2E, bot: InProcessBot, people: People,
) -> None:
    staff = people.staff
    await staff.send("/stats 2025")
    figures = await staff.wait_for(lambda m: "全委履职统计" in (m.text or ""))
    # GROUPS: (members, expected, attended of the expected, submitted, adopted, proposals,
    # behind); 第一活动组 (3, 12, 6, 6, 3, 4, 1), 第二活动组 (2, 6, 4, 3, 0, 2, 1)
    assert body_lines(figures) == [
        "📊 2025年全委履职统计",
        "",
        "第一活动组（委员3位）",
        "出勤率50%（6/12）",
        "社情民意信息：提交6篇，采用3篇",
        "提案4件；1位委员未达到进度要求",
        "",
        "第二活动组（委员2位）",
        "出勤率67%（4/6）",
        "社情民意信息：提交3篇，采用0篇",
        "提案2件；1位委员未达到进度要求",
        "",
        "合计（委员5位）",
        "出勤率56%（10/18）",
        "社情民意信息：提交9篇，采用3篇",
        "提案6件；2位委员未达到进度要求",
    ]
    chart = await staff.wait_for(lambda m: m.photo is not None, timeout=30)
    assert "2025年各组出勤率" in (chart.caption or "")
    stored = e2e.server.files[chart.photo[-1]["file_id"]]  # type: ignore[index]
    assert stored.data.startswith(PNG_MAGIC)
    assert len(stored.data) > 5000
    methods = [c.method for c in e2e.server.calls_for(chat_id=staff.id)
               if c.method in ("sendMessage", "sendPhoto")]
    assert methods == ["sendMessage", "sendPhoto"]  # the figures first

    # staff without a group's name get the groups to pick from
    await staff.send("/group 2025")
    pick = await staff.wait_for(lambda m: "请选择要查看的活动组" in (m.text or ""))
    assert pick.button_texts == ["第一活动组", "第二活动组"]
    await staff.press(pick, "第二活动组")
    overview = await edited(e2e, pick, "第二活动组2025年履职情况")
    assert overview.button_texts == ["丁丁", "⚠ 鄂尔"]
    await staff.send("/group 第一活动组 2025")
    first = await staff.wait_for(lambda m: "第一活动组2025年履职情况" in (m.text or ""))
    assert first.button_texts == ["爱丽丝", "鲍勃", "⚠ 陈晨"]
    await staff.send("/me")
    await staff.wait_for(lambda m: "机关工作人员不建立履职档案" in (m.text or ""))


async def test_refusals(e2e: E2E, bot: InProcessBot, people: People) -> None:
    bob, ding, alice = people.bob, people.ding, people.alice

    async def answer(phone: Phone, typed: str) -> str:
        before = len(phone.messages)
        await phone.send(typed)
        await wait_until(e2e.server, lambda: len(phone.messages) > before, f"an answer to {typed}")
        return phone.messages[before].text or ""

    # a member asks for what staff and leaders see
    assert "只有机关工作人员可以使用" in await answer(bob, "/stats 2025")
    assert "只有组长和机关工作人员可以查看" in await answer(bob, "/group")
    assert "只有组长和机关工作人员可以查看" in await answer(bob, "/group 第一活动组")
    # wrong, impossible and oversized years
    assert f"例如：/me {THIS_YEAR - 1}" in await answer(bob, "/me abc")
    assert f"年份应在2000年至{THIS_YEAR}年之间" in await answer(bob, "/me 1999")
    assert f"年份应在2000年至{THIS_YEAR}年之间" in await answer(bob, "/me 2099")
    assert f"例如：/me {THIS_YEAR - 1}" in await answer(bob, "/me " + "9" * 3000)
    assert f"例如：/me {THIS_YEAR - 1}" in await answer(bob, "/me 2025 2024")
    assert f"例如：/stats {THIS_YEAR - 1}" in await answer(people.staff, "/stats 今年")
    # a leader and another group
    assert "只能查看本组委员" in await answer(ding, "/group 第一活动组")
    assert "没有名为“第九组”的活动组" in await answer(ding, "/group 第九组")

    # buttons: forged data, someone else's record, a member of another group
    await alice.send("/group 2025")
    overview = await alice.wait_for(lambda m: "履职情况" in (m.text or ""))
    chen_button = overview.button("⚠ 陈晨")["callback_data"]
    await bob.send("/me 2025")
    own = await bob.wait_for(lambda m: "鲍勃委员的2025年履职档案" in (m.text or ""))
    events_button = own.button("活动")["callback_data"]
    member = str(people.world.members[BOB])
    forged = events_button.replace(f":{member}:", f":{people.world.members[CHEN]}:")
    assert forged != events_button
    popup = await bob.press_data(own, forged)
    assert popup is not None and "按钮已失效" in (popup.text or "")
    popup = await bob.press_data(own, chen_button)
    assert popup is not None and "只能查看本人的履职档案" in (popup.text or "")
    await ding.send("/group 2025")
    theirs = await ding.wait_for(lambda m: "第二活动组2025年履职情况" in (m.text or ""))
    popup = await ding.press_data(theirs, chen_button)
    assert popup is not None and "只能查看本组委员" in (popup.text or "")
    popup = await ding.press_data(theirs, events_button)
    assert popup is not None and "只能查看本组委员" in (popup.text or "")
    assert now(e2e, own).text == own.text  # nothing was shown in its place

    # in a group chat, and unbound
    chat = e2e.server.add_group("一组委员群", members=[bob], admins=[alice])
    await chat.add_bot(by=alice)
    await bob.send("/me", chat=chat)
    await chat.wait_for(lambda m: "请在与我的私聊中发送 /me" in (m.text or ""))
    stranger = e2e.user("路人")
    assert "还没有绑定账号" in await answer(stranger, "/me")
    await e2e.wait_until_handled()
