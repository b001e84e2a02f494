"""/reminders end to end, as phones: staff make a notice and a recurring reminder with buttons
(or a typed time), see the next date, pause, resume and delete, send themselves a test, see
who pressed 收到 and the delivery log; members and leaders are refused, and forged, stale or
other people's buttons change nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest

from bot.reminders.calendar import WorkCalendar
from handlers.reminders.buttons import ReminderDraftChoice, ReminderManage
from tests.botapi import Limits, Phone
from tests.botapi.model import MessageView
from tests.e2e.attendance_world import expect
from tests.e2e.harness import E2E, InProcessBot
from tests.e2e.reminders.helpers import BODY, make_notice, received, wait_sent
from tests.e2e.reports.test_reports import sign

WEEKDAYS = "一二三四五六日"
STAFF_PHONE, LEADER_PHONE = "13900000099", "13900000088"
FIRST = [f"1380000000{i}" for i in range(1, 4)]  # 第一活动组
SECOND = "13800000009"  # 第二活动组


@pytest.fixture
def limits() -> Limits:
    """A conversation sends staff many messages in a row; flood limits are under test
    elsewhere (test_reminder_delivery), so they are lifted here."""
    return Limits.off()


@dataclass
class Office:
    e2e: E2E
    staff: Phone
    leader: Phone
    first: list[Phone]
    second: Phone


@pytest.fixture
async def office(e2e: E2E) -> AsyncIterator[Office]:
    """Three members of 第一活动组 and its leader, one of 第二活动组, one staff member, all
    bound; the bot running, looking for due reminders every half second at any hour."""
    rows = [(f"委员{i}", n, "", "第一活动组", "member") for i, n in enumerate(FIRST, 1)]
    await e2e.import_roster([*rows, ("钱委员", SECOND, "", "第二活动组", "member"),
                             ("赵组长", LEADER_PHONE, "", "第一活动组", "leader"),
                             ("孙工", STAFF_PHONE, "", "", "staff")])
    e2e.configure("reminders", quiet_start="00:00", quiet_end="00:00", check_every_seconds=0.5)
    phones = {n: e2e.user(f"M{n[-2:]}", n) for n in [*FIRST, SECOND, LEADER_PHONE, STAFF_PHONE]}
    e2e.bind_in_db(phones)
    for phone in phones.values():
        phone.user.started = True
    bot: InProcessBot = await e2e.start_bot()
    try:
        yield Office(e2e, phones[STAFF_PHONE], phones[LEADER_PHONE],
                     [phones[n] for n in FIRST], phones[SECOND])
    finally:
        await bot.stop()


def local_today(e2e: E2E) -> tuple[date, datetime]:
    zone = e2e.config().zone
    now = e2e.now().astimezone(zone)
    return now.date(), now


def day_label(day: date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


async def new_draft(staff: Phone, kind: str, title: str) -> None:
    """/reminders → ➕ 新建 → kind → title → text: up to the audience question."""
    await staff.send("/reminders")
    listing = await expect(staff, "提醒")
    await staff.press(listing, "➕ 新建")
    await staff.press(await expect(staff, "要新建哪一种"), kind)
    await expect(staff, "请发送标题")
    await staff.send(title)
    await expect(staff, "请发送通知内容")
    await staff.send(BODY)


async def press_on(staff: Phone, prompt: str, button: str) -> None:
    """Press `button` under the next message, which must contain `prompt`; the question is
    then replaced by what was chosen."""
    question = await expect(staff, prompt)
    await staff.press(question, button)
    await staff.wait_for(lambda m: m == question and "已选：" in (m.text or ""))


async def open_schedule(staff: Phone, listing: MessageView, title: str) -> None:
    """Press the list's button of the schedule `title` (numbered after the seeded ones)."""
    [label] = [t for t in listing.button_texts if t.endswith(f". {title}")]
    await staff.press(listing, label)


def schedules(e2e: E2E) -> list[dict[str, object]]:
    return e2e.db("SELECT * FROM reminder_schedules WHERE seed IS NULL ORDER BY id")


async def test_staff_send_a_notice_to_a_group_by_buttons_and_see_who_received_it(
    office: Office,
) -> None:
    e2e, staff = office.e2e, office.staff
    title = "年终座谈会通知"
    await office.first[2].block_bot()
    await new_draft(staff, "📢 通知（发一次）", title)
    await press_on(staff, "发给谁", "选择活动组")
    groups = await expect(staff, "请选择发给哪些活动组")
    refused = await staff.press(groups, "完成")
    assert refused is not None and "请至少选择一个活动组" in (refused.text or "")
    await staff.press(groups, "▫️ 第一活动组")
    await staff.wait_for(lambda m: m == groups and "☑️ 第一活动组" in m.button_texts)
    await staff.press(groups, "完成")
    # the question is replaced by what was chosen, as at the other steps
    await staff.wait_for(lambda m: m == groups and (m.text, m.buttons) == ("已选：第一活动组", []))
    day = await expect(staff, "哪天发送")
    assert day.button_texts[0] == "立即发送" and len(day.button_texts) == 15
    await staff.press(day, "立即发送")
    await press_on(staff, "是否带“收到”按钮", "带“收到”按钮")
    preview = await expect(staff, "请核对后保存", title, BODY, "发给：第一活动组",
                           "保存后立即发送", "“收到”按钮：带")
    await staff.press(preview, "保存")
    await staff.wait_for(lambda m: m == preview and "已保存“年终座谈会通知”" in (m.text or ""))

    [schedule] = schedules(e2e)
    group_1 = e2e.db("SELECT id FROM activity_groups WHERE name = '第一活动组'")[0]["id"]
    assert json.loads(str(schedule["audience"]))["group_ids"] == [group_1]
    assert schedule["ack"] == 1 and schedule["kind"] == "notice"
    assert schedule["created_by"] == e2e.member(STAFF_PHONE)["id"]
    await wait_sent(e2e, int(str(schedule["id"])))
    counts = received(e2e, title)
    reached = [*office.first[:2], office.leader]
    assert {p.id: counts[p.id] for p in reached} == {p.id: 1 for p in reached}
    assert counts[office.second.id] == counts[office.first[2].id] == 0
    assert e2e.db("SELECT key FROM deliveries WHERE chat_id = ? AND key LIKE 'occ:%'",
                  (staff.id,)) == []

    notice = await office.first[0].wait_for(lambda m: title in (m.text or ""))
    await office.first[0].press(notice, "收到")
    # the notice shows it is done; the marked button still answers, and changes nothing more
    await office.first[0].wait_for(lambda m: m == notice and m.buttons == [["✅ 已确认收到"]])
    again = await office.first[0].press(notice, "✅ 已确认收到")
    assert again is not None and "您已确认过收到" in (again.text or "")
    await e2e.wait_until_handled()
    assert notice.edit_count == 1
    await staff.wait_for(lambda m: "未能送达以下1位委员" in (m.text or ""))  # told once
    staff.skip_pending()
    await staff.send("/reminders")
    # the notice alone: the themed days are off in e2e configs (harness.bot_config)
    listing = await expect(staff, "提醒与通知（共1条）", title, "（已发送）",
                           "发给：第一活动组")
    await open_schedule(staff, listing, title)
    card = await staff.wait_for(lambda m: m == listing and "确认收到情况" in m.button_texts)
    await staff.press(card, "确认收到情况")
    acks = await staff.wait_for(lambda m: m == listing and "收到情况" in (m.text or "")
                                and "已确认1人，未确认2人" in (m.text or ""))
    assert "已确认：委员1" in (acks.text or "")
    assert "未确认：委员2、赵组长" in (acks.text or "")

    # the delivery log: delivered, unreachable (blocked the bot), and who that is
    await staff.press(acks, "↩ 返回")
    await staff.wait_for(lambda m: m == listing and "📨 发给我测试" in m.button_texts)
    await staff.press(listing, "↩ 返回")
    await staff.wait_for(lambda m: m == listing and "📋 发送记录" in m.button_texts)
    await staff.press(listing, "📋 发送记录")
    log = await staff.wait_for(lambda m: m == listing and "最近的发送记录" in (m.text or ""))
    assert "已送达3，无法送达1，失败0，待发送0" in (log.text or "")
    assert "无法联系的委员1位（已屏蔽本助手）：委员3（第一活动组）" in (log.text or "")


async def test_staff_set_a_recurring_reminder_pause_resume_test_and_delete_it(
    office: Office,
) -> None:
    e2e, staff = office.e2e, office.staff
    title = "每月学习提醒"
    await new_draft(staff, "🔁 定期提醒", title)
    await press_on(staff, "发给谁", "全体委员")
    await press_on(staff, "按什么规则重复", "每月第几个星期几")
    await press_on(staff, "每月第几个", "第一个")
    await press_on(staff, "星期几", "周四")
    await press_on(staff, "几点发送", "09:00")
    await press_on(staff, "遇到节假日怎么办", "顺延至下一个工作日（默认）")
    await press_on(staff, "是否带“收到”按钮", "不带“收到”按钮")

    # the first Thursday of a month at 09:00 from now, moved to a working day
    today, now = local_today(e2e)
    calendar = WorkCalendar()
    first = today.replace(day=1)
    while True:
        thursday = first + timedelta(days=(3 - first.weekday()) % 7)
        due = calendar.next_working_day(thursday)
        if datetime.combine(due, time(9, 0), tzinfo=now.tzinfo) > now:
            break
        first = (first + timedelta(days=32)).replace(day=1)
    expected = f"{day_label(due)}09:00" if due.year == today.year else "09:00"
    preview = await expect(staff, "请核对后保存", "发给：全体委员", "下次发送：",
                           "每月第一个周四09:00，遇节假日顺延至下一个工作日")
    assert expected in (preview.text or "")
    await staff.press(preview, "保存")
    await staff.wait_for(lambda m: m == preview and "已保存" in (m.text or ""))
    [schedule] = schedules(e2e)
    assert json.loads(str(schedule["rule"])) == {
        "kind": "recurring", "month": "*", "day": "1st thu", "day_of_week": "*", "at": "09:00"}
    assert schedule["holiday_policy"] == "next" and schedule["ack"] == 0

    staff.skip_pending()
    await staff.send("/reminders")
    listing = await expect(staff, title, "（已启用）", "发给：全体委员", expected)
    await open_schedule(staff, listing, title)
    card = await staff.wait_for(lambda m: m == listing and "⏸ 暂停" in m.button_texts)
    pause = card.button("⏸ 暂停")["callback_data"]
    await staff.press(card, "⏸ 暂停")
    card = await staff.wait_for(lambda m: m == listing and "▶ 恢复" in m.button_texts)
    assert "状态：已暂停" in (card.text or "")
    assert e2e.db("SELECT status FROM reminder_schedules WHERE id = ?",
                  (schedule["id"],))[0]["status"] == "paused"
    again = await staff.press_data(card, pause)  # the pause of an older copy: already paused
    assert again is not None and "已经是这个状态" in (again.text or "")
    await staff.press(card, "▶ 恢复")
    card = await staff.wait_for(lambda m: m == listing and "⏸ 暂停" in m.button_texts)
    assert "状态：已启用" in (card.text or "") and expected in (card.text or "")

    # a test to the staff member only, under its own key
    answer = await staff.press(card, "📨 发给我测试")
    assert answer is not None and "测试消息已发给您" in (answer.text or "")
    test = await staff.wait_for(lambda m: "【测试】" in (m.text or ""))
    assert title in (test.text or "") and BODY in (test.text or "")
    keys = [r["key"] for r in e2e.deliveries()]
    assert len(keys) == 1 and keys[0].startswith(f"test:{schedule['id']}:")
    assert all(received(e2e, title)[p.id] == 0 for p in [*office.first, office.second])

    await staff.press(card, "🗑 删除")
    confirm = await staff.wait_for(lambda m: m == listing and "确定删除" in (m.text or ""))
    await staff.press(confirm, "🗑 确定删除")
    await staff.wait_for(lambda m: m == listing and "已删除“每月学习提醒”" in (m.text or ""))
    assert e2e.db("SELECT status FROM reminder_schedules WHERE id = ?",
                  (schedule["id"],))[0]["status"] == "removed"
    stale = await staff.press_data(card, pause)  # a pause on a removed schedule
    assert stale is not None and "没有这个提醒" in (stale.text or "")
    assert e2e.db("SELECT status FROM reminder_schedules WHERE id = ?",
                  (schedule["id"],))[0]["status"] == "removed"


async def test_a_notice_for_tomorrow_by_buttons_or_typed(office: Office) -> None:
    e2e, staff = office.e2e, office.staff
    today, now = local_today(e2e)
    tomorrow = today + timedelta(days=1)
    await new_draft(staff, "📢 通知（发一次）", "明日通知")
    await press_on(staff, "发给谁", "全体委员")
    day = await expect(staff, "哪天发送")
    assert day.button_texts[1:3] == [day_label(today), day_label(tomorrow)]
    await staff.press(day, day_label(tomorrow))
    await staff.wait_for(lambda m: m == day and f"已选：{day_label(tomorrow)}" in (m.text or ""))
    times = await expect(staff, f"{day_label(tomorrow)}几点发送")
    assert times.button_texts[0] == "08:00" and times.button_texts[-1] == "20:00"
    assert len(times.button_texts) == 25
    await staff.press(times, "14:30")
    await staff.wait_for(lambda m: m == times and "已选：14:30" in (m.text or ""))
    await press_on(staff, "是否带“收到”按钮", "不带“收到”按钮")
    preview = await expect(staff, "请核对后保存", f"时间：{day_label(tomorrow)}14:30")
    await staff.press(preview, "保存")
    await staff.wait_for(lambda m: m == preview and "已保存" in (m.text or ""))
    [schedule] = schedules(e2e)
    at = datetime.fromisoformat(json.loads(str(schedule["rule"]))["at_utc"])
    assert at.astimezone(now.tzinfo) == datetime.combine(tomorrow, time(14, 30),
                                                         tzinfo=now.tzinfo)

    # typed instead of pressed; then the draft deleted: nothing more is saved
    staff.skip_pending()
    await new_draft(staff, "📢 通知（发一次）", "另一条通知")
    await press_on(staff, "发给谁", "全体委员")
    await expect(staff, "哪天发送")
    await staff.send("明天 9点")
    await expect(staff, f"已选：{day_label(tomorrow)}09:00")
    await press_on(staff, "是否带“收到”按钮", "不带“收到”按钮")
    preview = await expect(staff, "请核对后保存", f"时间：{day_label(tomorrow)}09:00")
    await staff.press(preview, "🗑 删除草稿")
    await staff.wait_for(lambda m: m == preview and "草稿已删除" in (m.text or ""))
    assert len(schedules(e2e)) == 1


async def test_members_and_leaders_are_refused_and_foreign_buttons_change_nothing(
    office: Office,
) -> None:
    e2e = office.e2e
    schedule_id = await make_notice(e2e, "下周通知", due_in=timedelta(days=3))
    for person in (office.leader, office.first[0]):
        await person.send("/reminders")
        refusal = await expect(person, "提醒和通知由政协机关工作人员管理", "请联系政协机关")
    before = e2e.db("SELECT * FROM reminder_schedules"), e2e.db(
        "SELECT * FROM reminder_occurrences")
    member = office.first[0]
    for data in (ReminderManage(schedule_id=schedule_id, action="pause"),
                 ReminderManage(schedule_id=schedule_id, action="delete_yes"),
                 ReminderDraftChoice(action="save")):
        answer = await member.press_data(refusal, sign(e2e, data))  # a copied button
        assert answer is not None and "由政协机关工作人员管理" in (answer.text or "")
    forged = await member.press_data(refusal, f"rmg:1:{schedule_id}:pause:AAAAAAAA")
    assert forged is not None and "这个按钮已失效" in (forged.text or "")
    # staff: a draft button with no draft open, a schedule that does not exist
    staff = office.staff
    await staff.send("/reminders")
    listing = await expect(staff, "下周通知")
    late = await staff.press_data(listing, sign(e2e, ReminderDraftChoice(action="save")))
    assert late is not None and "这一步已经结束了" in (late.text or "")
    gone = await staff.press_data(listing, sign(e2e, ReminderManage(schedule_id=999,
                                                                    action="pause")))
    assert gone is not None and "没有这个提醒" in (gone.text or "")
    after = e2e.db("SELECT * FROM reminder_schedules"), e2e.db(
        "SELECT * FROM reminder_occurrences")
    assert after == before
    assert e2e.deliveries() == []
