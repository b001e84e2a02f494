"""Attendance, end to end: events made in chat and at the command line, announced in the
groups' chats, changed and cancelled with the members told; /events; leave asked, approved
and declined with buttons; the attendance sheet exported in chat and opened with openpyxl.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from handlers.attendance.buttons import EventDraftChoice, EventManage
from tests.botapi import Limits
from tests.e2e.attendance_world import (
    GROUP_1_EXPECTED,
    VENUE,
    ZONE,
    World,
    announcement,
    create_event,
    expect,
    make_world,
)
from tests.e2e.harness import E2E, ErrorLog, wait_until
from tests.e2e.reports.test_reports import sign

QR_LINK = re.compile(r"https://t\.me/liaison_test_bot\?start=(ci_[A-Za-z0-9_-]+)")


@pytest.fixture
def limits() -> Limits:
    """Conversations send a member many messages in a row; flood limits are not under test
    here (they are in test_attendance_burst), so they are lifted, for the bot too."""
    return Limits.off()


@pytest.fixture
async def world(e2e: E2E) -> AsyncIterator[World]:
    e2e.configure("limits", private_messages_per_second=100.0)
    made = await make_world(e2e, bind_chat2=False)
    try:
        yield made
    finally:
        await made.bot.stop()


async def test_leader_creates_an_event_in_a_conversation(world: World) -> None:
    leader, e2e = world.leader, world.e2e
    await world.zhang.send("/newevent")
    await expect(world.zhang, "组长或机关工作人员")
    await leader.send("/newevent", chat=world.chat1)
    assert "请在与我的私聊中使用 /newevent" in ((await world.chat1.next_message()).text or "")

    await leader.send("/newevent")
    kinds = await expect(leader, "第1步")
    assert ["委员阅读日", "委员建言日"] in kinds.buttons
    await leader.press(kinds, "会议")
    await expect(leader, "第2步")
    await leader.send("组长扩大会议")
    await expect(leader, "第3步", "例如：")
    await leader.send("明天下午")  # a day without an hour: the hour is asked for
    await expect(leader, "请再写上几点开始")
    await leader.send("下午几点")  # not a time at all: how to write it
    await expect(leader, "未能识别这个时间")
    await leader.send("明天 14:30")
    await expect(leader, "第4步", "16:30")
    await leader.send("14:00")
    await expect(leader, "结束时间要晚于开始时间")
    await leader.send("下午5点")
    await expect(leader, "第5步")
    await leader.send("政协大楼 201 室")
    await expect(leader, "第6步")
    assert leader.keyboard == [["📍 发送我现在的位置"], ["跳过"]]
    await leader.tap("跳过")
    await expect(leader, "不使用定位签到")
    policy = await expect(leader, "第7步")
    await leader.press(policy, "开放签到（群内按钮、扫码、签到码）")
    preview = await expect(leader, "请核对", "会议：“组长扩大会议”", "17:00", "政协大楼 201 室",
                           "第一活动组")  # a leader's event is for their own group
    pressed = await leader.press(preview, "✅ 发布")
    assert pressed is not None and pressed.text is None, pressed
    published = await leader.wait_for(lambda m: m == preview and "活动已发布" in (m.text or ""))
    assert published.button_texts == ["✏️ 修改", "❌ 取消活动", "📷 签到二维码", "📋 出勤情况"]

    [event] = e2e.db("SELECT * FROM events")
    assert (event["type"], event["title"], event["place"], event["policy"]) == (
        "meeting", "组长扩大会议", "政协大楼 201 室", "open")
    assert event["created_by"] == world.member_id(leader)
    posted = await announcement(world.chat1, event["id"])
    assert "会议：“组长扩大会议”" in (posted.text or "")
    assert f"已签到0 / 应到{GROUP_1_EXPECTED}" in (posted.text or "")
    await world.chat1.expect_no_message(within=1.2)  # the announcer does not post it again
    assert len(e2e.db("SELECT * FROM event_announcements")) == 1
    assert len(e2e.db("SELECT * FROM audit_log WHERE action = 'event_create'")) == 1


async def test_times_as_people_type_them_and_events_in_the_past_or_too_long(
    world: World,
) -> None:
    """Item 5 and 13 of issue 13: a start in the past is refused; an hour from 1 to 6 without
    上午/下午 is asked about with two buttons; a day without an hour asks for the hour; an event
    longer than a day is asked about before it is saved."""
    staff, e2e = world.staff, world.e2e
    await staff.send("/newevent")
    await staff.press(await expect(staff, "第1步"), "会议")
    await expect(staff, "第2步")
    await staff.send("专题协商会")
    await expect(staff, "第3步")
    await staff.send("昨天 下午2点半")
    await expect(staff, "这个开始时间已经过去了")
    await staff.send("下周三上午")
    await expect(staff, "请再写上几点开始")
    await staff.send("明天 3点")  # a full day and time: 03:00 or 15:00?
    which = await expect(staff, "是指03:00还是15:00")
    assert which.buttons == [["03:00", "15:00"]]
    await staff.press(which, "15:00")
    await expect(staff, "第4步", "17:00")
    long_end = (datetime.now(ZONE) + timedelta(days=33)).strftime("%Y-%m-%d 18:00")
    await staff.send(long_end)
    asked = await expect(staff, "确实要这么长吗")
    assert asked.button_texts == ["是的，确实持续这么长", "重新输入结束时间"]
    await staff.press(asked, "重新输入结束时间")
    await expect(staff, "第4步")
    await staff.send("下午5点")
    await expect(staff, "第5步")
    assert e2e.db("SELECT * FROM events") == []
    [conversation] = e2e.db("SELECT data FROM conversations WHERE kind = 'event_new'")
    form = json.loads(conversation["data"])
    tomorrow = (datetime.now(ZONE) + timedelta(days=1)).date()
    assert datetime.fromisoformat(form["start"]).astimezone(ZONE) == datetime.combine(
        tomorrow, time(15, 0), ZONE)
    assert datetime.fromisoformat(form["end"]).astimezone(ZONE) == datetime.combine(
        tomorrow, time(17, 0), ZONE)


async def test_staff_event_for_two_groups_with_a_venue_point(world: World) -> None:
    staff, e2e = world.staff, world.e2e
    await staff.send("/newevent")
    await staff.press(await expect(staff, "第1步"), "视察调研")
    await expect(staff, "第2步")
    await staff.send("农贸市场视察")
    await expect(staff, "第3步")
    await staff.send("明天 9:00")
    await expect(staff, "第4步")
    await staff.send("11:30")
    await expect(staff, "第5步")
    await staff.send("东门农贸市场")
    await expect(staff, "第6步")
    await staff.tap("📍 发送我现在的位置", latitude=VENUE[0], longitude=VENUE[1])
    await expect(staff, "已记录会场位置")
    radius = await expect(staff, "签到范围")
    await staff.press(radius, "500米")
    await staff.wait_for(lambda m: m == radius and (m.text, m.buttons) == ("签到范围：500米", []))
    await staff.press(await expect(staff, "第7步"), "现场签到（只能扫码或输入签到码）")
    groups = await expect(staff, "第8步")
    assert groups.buttons[0] == ["⬜ 第一活动组", "⬜ 第二活动组"]
    done = await staff.press(groups, "完成")
    assert done is not None and "请至少选择一个活动组" in (done.text or "")
    await staff.press(groups, "全选")
    await staff.wait_for(lambda m: m == groups and "☑️ 第二活动组" in m.button_texts)
    await staff.press(groups, "完成")
    # the question is replaced by what was chosen, as at the other steps
    await staff.wait_for(lambda m: m == groups and (m.text, m.buttons)
                         == ("参加的活动组：第一活动组、第二活动组", []))
    preview = await expect(staff, "请核对", "500米内共享实时位置", "第一活动组、第二活动组")
    await staff.press(preview, "✅ 发布")
    told = await expect(staff, "通知暂未发出：第二活动组")  # its chat is not bound yet
    assert "/bindgroup" in (told.text or "")

    [event] = e2e.db("SELECT * FROM events")
    assert (event["venue_lat"], event["venue_lon"], event["venue_radius_m"]) == (*VENUE, 500)
    assert event["policy"] == "venue"
    await announcement(world.chat1, event["id"])
    await world.leader2.send("/bindgroup", chat=world.chat2)
    choose = await world.chat2.wait_for(lambda m: "本群属于哪个活动组" in (m.text or ""))
    await world.leader2.press(choose, "第二活动组")
    posted = await announcement(world.chat2, event["id"])  # the announcer catches up
    assert "已签到0 / 应到2" in (posted.text or "")


async def test_change_and_cancel_tell_the_members(world: World) -> None:
    e2e, leader = world.e2e, world.leader
    event_id = await create_event(e2e, starts_in=timedelta(hours=5))
    posted = await announcement(world.chat1, event_id)
    await world.staff.send(f"/editevent {event_id}")  # staff may change any event
    await expect(world.staff, "修改活动")
    await world.leader2.send(f"/editevent {event_id}")  # another group's leader may not
    await expect(world.leader2, "这个活动不归您管理")

    await leader.send(f"/editevent {event_id}")
    menu = await expect(leader, f"修改活动（活动编号{event_id}）", "要改什么")
    await leader.press(menu, "地点")
    await expect(leader, "现在的地点：市政协三楼会议室")
    await leader.send("馆" * 201)
    await expect(leader, "地点太长了，请不超过200字")
    await leader.send("市图书馆报告厅")
    await expect(leader, "已修改活动", "市图书馆报告厅", "已通知3位委员")
    for member in (world.zhang, world.li, world.wang):
        await expect(member, "以下活动有变更（地点）", "市图书馆报告厅")
    await leader.send(f"/editevent {event_id}")
    await leader.press(await expect(leader, "要改什么"), "时间")
    await expect(leader, "现在的时间")
    await leader.send("过几天吧")
    await expect(leader, "未能识别这个时间")
    await leader.send("后天 15:00")
    await expect(leader, "几点结束")
    await leader.send("14点")
    await expect(leader, "结束时间要晚于开始时间")
    await leader.send("17点")
    await expect(leader, "已修改活动", "15:00至17:00")
    for member in (world.zhang, world.li, world.wang):
        await expect(member, "以下活动有变更（时间）", "15:00至17:00")
    await world.chat1.wait_for(
        lambda m: m == posted and "市图书馆报告厅" in (m.text or "")
        and "15:00至17:00" in (m.text or ""), timeout=10,
    )
    assert world.chat1.skip_pending() == []  # the announcement was edited, not posted again

    await leader.send(f"/cancelevent {event_id} " + "因" * 201)
    await expect(leader, "取消原因请控制在200字以内")
    reason = "受台风<暴雨>影响，改期另行通知"  # the brackets are shown, not read as HTML
    await leader.send(f"/cancelevent {event_id} {reason}")
    confirm = await expect(leader, "确定要取消这个活动吗", "已获知此活动的3位委员", reason)
    await leader.press(confirm, "确认取消活动")
    await leader.wait_for(lambda m: m == confirm and "已取消活动" in (m.text or ""))
    for member in (world.zhang, world.li, world.wang):
        await expect(member, "活动取消通知", "十二月委员阅读日", f"取消原因：{reason}")
    [audit] = e2e.db("SELECT detail FROM audit_log WHERE action = 'event_cancel'")
    assert reason in audit["detail"]
    await world.qian.expect_no_message(within=0.1)  # not expected: not told
    cancelled = await world.chat1.wait_for(
        lambda m: m == posted and "【活动取消通知】（活动编号" in (m.text or ""), timeout=10
    )
    assert cancelled.inline_keyboard == []
    await world.zhang.send(f"/leave {event_id}")
    await expect(world.zhang, "这个活动已取消")
    deliveries = e2e.db("SELECT status FROM deliveries WHERE key = ?",
                        (f"event:{event_id}:cancel",))
    assert [d["status"] for d in deliveries] == ["sent"] * 3
    [status] = e2e.db("SELECT status FROM events WHERE id = ?", (event_id,))
    assert status["status"] == "cancelled"


async def test_staff_moves_an_event_to_another_group(world: World) -> None:
    e2e, staff, leader = world.e2e, world.staff, world.leader
    event_id = await create_event(e2e, starts_in=timedelta(hours=5))
    old = await announcement(world.chat1, event_id)
    await world.leader2.send("/bindgroup", chat=world.chat2)
    choose = await world.chat2.wait_for(lambda m: "本群属于哪个活动组" in (m.text or ""))
    await world.leader2.press(choose, "第二活动组")
    bound = await world.chat2.wait_for(lambda m: "本群已绑定" in (m.text or ""))
    # another group's leader pressing a validly signed 活动组 button of this event
    refused = await world.leader2.press_data(
        bound, sign(e2e, EventManage(event_id=event_id, action="groups")))
    assert refused is not None and "这个活动不归您管理" in (refused.text or "")

    # A leader has only their own group to choose: no groups button for them.
    await leader.send(f"/editevent {event_id}")
    assert "活动组" not in (await expect(leader, "要改什么")).button_texts

    await staff.send(f"/editevent {event_id}")
    await staff.press(await expect(staff, "要改什么"), "活动组")
    groups = await expect(staff, "哪些活动组参加")
    assert groups.buttons[0] == ["☑️ 第一活动组", "⬜ 第二活动组"]
    await staff.send("第二活动组")  # typed instead of pressed: nothing changes
    await expect(staff, "请点上面消息中的按钮选择")
    # a signed toggle of a group that does not exist changes nothing
    await staff.press_data(groups, sign(e2e, EventDraftChoice(action="group", value="999")))
    [step] = e2e.db("SELECT data FROM conversations WHERE telegram_user_id = ?", (staff.id,))
    [group_1] = e2e.db("SELECT id FROM activity_groups WHERE name = '第一活动组'")
    assert json.loads(step["data"])["groups"] == [group_1["id"]]
    group_1 = groups.inline_keyboard[0][0]["callback_data"]
    await staff.press(groups, "☑️ 第一活动组")
    await staff.wait_for(lambda m: m == groups and "⬜ 第一活动组" in m.button_texts)
    refused = await staff.press(groups, "完成")
    assert refused is not None and "请至少选择一个活动组" in (refused.text or "")
    await staff.press(groups, "⬜ 第二活动组")
    await staff.wait_for(lambda m: m == groups and "☑️ 第二活动组" in m.button_texts)
    await staff.press(groups, "完成")
    await staff.wait_for(lambda m: m == groups and (m.text, m.buttons)
                         == ("参加的活动组：第二活动组", []))
    # those expected before (4 with an account) and after (2) are told
    await expect(staff, "已修改活动", "第二活动组", "已通知6位委员")
    for member in (leader, world.zhang, world.li, world.wang, world.leader2, world.qian):
        await expect(member, "以下活动有变更（参加的活动组）", "参加的活动组：第二活动组")
    posted = await announcement(world.chat2, event_id)
    assert "已签到0 / 应到2" in (posted.text or "")
    withdrawn = await world.chat1.wait_for(
        lambda m: m == old and "不再安排本组参加" in (m.text or ""), timeout=10
    )
    assert withdrawn.inline_keyboard == []  # nobody checks in under it any more
    [row] = e2e.db("SELECT group_id FROM event_groups WHERE event_id = ?", (event_id,))
    assert row["group_id"] == e2e.db(
        "SELECT id FROM activity_groups WHERE name = '第二活动组'")[0]["id"]

    # A press under the finished choice (a slow client, or a double tap) changes nothing.
    late = await staff.press_data(groups, group_1)
    assert late is not None and "这一步已经结束。" in (late.text or "")
    assert len(e2e.db("SELECT group_id FROM event_groups WHERE event_id = ?", (event_id,))) == 1


async def test_events_made_at_the_command_line(world: World) -> None:
    e2e = world.e2e
    created = await e2e.cli(
        "events", "create", "--type", "建言日", "--title", "委员建言日", "--start",
        "2031-06-03 9:00", "--end", "11:30", "--place", "市政协", "--groups", "第一活动组",
    )
    assert created.returncode == 0, created.output
    assert re.search(r"已创建：活动编号1\s+2031-06-03 09:00至11:30\s+委员建言日", created.stdout)
    assert "运行中的委员联络助手将在以下活动组的群聊中发布通知：第一活动组" in created.stdout
    posted = await announcement(world.chat1, 1)  # the running bot's announcer posts it
    assert "2031年6月3日（周二）09:00至11:30" in (posted.text or "")

    bad = await e2e.cli("events", "create", "--type", "会议", "--title", "x", "--start",
                        "明天 9点", "--end", "8:00", "--groups", "第九活动组")
    assert bad.returncode == 2 and "events: 没有活动组“第九活动组”（现有：" in bad.output
    listed = await e2e.cli("events", "list")
    assert listed.returncode == 0 and "活动编号1  2031-06-03 09:00至11:30" in listed.stdout
    english = await e2e.cli("events", "list", "--lang", "en")
    assert english.returncode == 0 and "event 1  2031-06-03 09:00–11:30" in english.stdout

    now = await create_event(e2e, "今天的学习会", kind="study")
    png = e2e.folder / "qr.png"
    qr = await e2e.cli("events", "qr", str(now), "--out", png)
    assert qr.returncode == 0, qr.output
    assert png.read_bytes().startswith(b"\x89PNG")
    link = QR_LINK.search(qr.stdout)
    assert link, qr.stdout
    await world.zhang.start(link.group(1))
    await expect(world.zhang, "签到成功", "今天的学习会")
    too_soon = await e2e.cli("events", "qr", "1", "--out", png)  # not over: a code is shown
    assert too_soon.returncode == 0


async def test_leave_asked_approved_and_declined(world: World) -> None:
    e2e, leader = world.e2e, world.leader
    event_id = await create_event(e2e, starts_in=timedelta(hours=3))
    posted = await announcement(world.chat1, event_id)

    answer = await world.zhang.press(posted, "请假")  # in the group: go to the private chat
    assert answer is not None and answer.url == (
        f"https://t.me/liaison_test_bot?start=lv_{event_id}")
    await world.zhang.start(f"lv_{event_id}")
    await expect(world.zhang, "请输入请假事由")
    await world.zhang.send("在外地出差")
    await expect(world.zhang, "已提交“十二月委员阅读日”的请假申请", "请等候组长审批")
    ask = await expect(leader, "请假申请", "张三", "在外地出差")
    assert ask.button_texts == ["✅ 批准", "❌ 不予批准"]
    await leader.press(ask, "✅ 批准")
    await leader.wait_for(lambda m: m == ask and "已批准（李组长）" in (m.text or ""))
    await expect(world.zhang, "已批准您的请假")

    await world.li.send(f"/leave {event_id}")
    await expect(world.li, "请输入请假事由")
    await world.li.send("家中有事")
    await expect(world.li, "的请假申请", "请等候组长审批")
    ask = await expect(leader, "李四", "家中有事")
    [approve] = [b["callback_data"] for row in ask.inline_keyboard for b in row
                 if b["text"] == "✅ 批准"]
    await leader.press(ask, "❌ 不予批准")
    await expect(world.li, "未批准", "请按时参加；如确有困难，请与李组长")
    again = await leader.press_data(ask, approve)  # from an older copy of the request
    assert again is not None and "已经处理过了" in (again.text or "")

    await leader.send(f"/leave {event_id}")  # the leader's own leave goes to staff
    await expect(leader, "请输入请假事由")
    await leader.send("参加市里会议")
    await expect(leader, "的请假申请", "请等候政协机关审批")
    await expect(world.staff, "李组长", "参加市里会议")

    requests = e2e.db("SELECT m.name, l.status FROM leave_requests l "
                      "JOIN members m ON m.id = l.member_id ORDER BY l.id")
    assert [(r["name"], r["status"]) for r in requests] == [
        ("张三", "approved"), ("李四", "declined"), ("李组长", "pending")]
    await leader.send("/events")
    await leader.next_message()  # own events and those the leader runs
    await world.zhang.send("/events")
    mine = await expect(world.zhang, "十二月委员阅读日", "请假已批准")
    assert mine.button_texts == []  # nothing left to ask leave for
    await world.wang.send("/events")
    theirs = await expect(world.wang, "未签到")
    assert theirs.button_texts == [f"请假（活动编号{event_id}）"]
    await leader.send(f"/attendance {event_id}")
    await expect(leader, "请假（1）：张三（在外地出差）",
                 "请假待审批（1）：李组长（参加市里会议）")


async def test_attendance_sheet_exported_in_chat(world: World) -> None:
    e2e = world.e2e
    event_id = await create_event(e2e)
    posted = await announcement(world.chat1, event_id)
    await world.zhang.press(posted, "签到")
    await world.li.press(posted, "签到")
    await world.zhang.send("/export attendance")
    await expect(world.zhang, "仅限机关工作人员")

    await world.staff.send(f"/export attendance {event_id}")
    sent = await world.staff.next_message(timeout=10)
    assert sent.document is not None and sent.document["file_name"].endswith(".xlsx")
    assert f"活动编号{event_id}" in (sent.text or "")
    data = e2e.server.files[sent.document["file_id"]].data
    sheets = load_workbook(io.BytesIO(data))
    records = list(sheets.worksheets[0].iter_rows(values_only=True))
    header, rows = records[0], records[1:]
    assert header[0] == "活动编号" and "出勤情况" in header
    status, name = header.index("出勤情况"), header.index("姓名")
    method = header.index("签到方式")
    expected = e2e.db(
        "SELECT m.name, c.method FROM event_groups g JOIN members m ON m.group_id = g.group_id "
        "LEFT JOIN checkins c ON c.event_id = g.event_id AND c.member_id = m.id "
        "WHERE g.event_id = ?", (event_id,))
    assert sorted(r[name] for r in rows) == sorted(r["name"] for r in expected)
    checked = {r["name"] for r in expected if r["method"] is not None}
    assert checked == {"张三", "李四"}
    for row in rows:
        assert row[0] == event_id
        if row[name] in checked:
            assert (row[status], row[method]) == ("已签到", "群内签到按钮")
        else:
            assert (row[status], row[method]) == ("未签到", None)
    summary = list(sheets.worksheets[1].iter_rows(values_only=True))
    assert len(summary) == 1 + GROUP_1_EXPECTED
    assert len(e2e.db("SELECT * FROM audit_log WHERE action = 'attendance_export'")) == 1


async def test_double_presses_in_the_event_menu_get_one_answer_each(
    world: World, error_log: ErrorLog
) -> None:
    """A button of /editevent's menu pressed twice (a double tap, or a client that had not
    seen the first edit): every press is answered once, and nothing goes wrong."""
    leader = world.leader
    event_id = await create_event(world.e2e)
    await leader.send(f"/editevent {event_id}")
    menu = await expect(leader, "要改什么")
    await leader.press(menu, "名称")
    await expect(leader, "请输入新的名称")
    await leader.send("十二月委员读书日")
    edited = await leader.wait_for(lambda m: "十二月委员读书日" in (m.text or "")
                                   and "✏️ 修改" in m.button_texts)
    edit_data = edited.button("✏️ 修改")["callback_data"]
    cancel_data = edited.button("❌ 取消活动")["callback_data"]
    assert await leader.press_data(edited, edit_data) is not None
    await leader.wait_for(lambda m: m == edited and "要改什么" in (m.text or ""))
    assert await leader.press_data(edited, edit_data) is not None  # the same again
    await leader.press_data(edited, cancel_data)
    confirm = await leader.wait_for(lambda m: m == edited and "确认取消活动" in m.button_texts)
    assert await leader.press_data(edited, cancel_data) is not None  # the same again
    answer = await leader.press(confirm, "确认取消活动")
    assert answer is not None
    await leader.wait_for(lambda m: m == edited and "已取消" in (m.text or ""))
    # 取消活动 once more, on the cancelled event: one answer, saying so
    assert await leader.press_data(edited, cancel_data) is not None
    await leader.wait_for(lambda m: m == edited and "已经取消了" in (m.text or ""))
    assert await leader.press_data(edited, cancel_data) is not None
    await asyncio.sleep(0.5)  # a second answer or a failed edit would be logged by now
    assert error_log.problems() == []
    assert all("出错" not in (m.text or "") for m in leader.messages)
    assert world.e2e.db("SELECT status FROM events") == [{"status": "cancelled"}]


async def test_the_current_announcement_is_pinned_until_the_event_is_over(
    world: World,
) -> None:
    """The bot asks admins for the right to pin "to pin announcements": it does, silently,
    and takes the pin down when the event is cancelled or over."""
    e2e, chat = world.e2e, world.chat1
    first = await create_event(e2e, "十二月委员阅读日")
    posted = await announcement(chat, first)
    await wait_until(e2e.server, lambda: chat.pinned_message == posted, "the first is pinned")
    second = await create_event(e2e, "组长会议", starts_in=timedelta(hours=1), kind="meeting")
    later = await announcement(chat, second)
    await wait_until(e2e.server, lambda: chat.pinned_message == later, "the second is pinned")
    pins = [m for m in chat.service_messages if "pinned_message" in m.raw]
    assert [m.raw["pinned_message"]["message_id"] for m in pins] == [
        posted.message_id, later.message_id]

    await world.staff.send(f"/cancelevent {second}")
    confirm = await expect(world.staff, "确定要取消这个活动吗")
    await world.staff.press(confirm, "确认取消活动")
    await wait_until(e2e.server, lambda: chat.pinned_message == posted,
                     "the cancelled one is unpinned, the first shows again")
    # time passes: the bot, started again a few seconds before the first event ends, sees
    # it end and takes its pin down
    [row] = e2e.db("SELECT ends_at FROM events WHERE id = ?", (first,))
    ends = datetime.fromisoformat(row["ends_at"])
    await world.bot.stop()
    e2e.travel(ends - timedelta(seconds=3))
    world.bot = await e2e.start_bot()  # the world fixture stops it
    await wait_until(e2e.server, lambda: chat.pinned_message is None,
                     "the event that is over is unpinned", timeout=15)
    unpins = [c for c in e2e.server.calls_for("unpinChatMessage", chat_id=chat.id, ok=True)
              if str(c.params.get("message_id")) == str(posted.message_id)]
    assert unpins and all(c.wall_time >= ends.timestamp() for c in unpins)  # not before
    assert chat.skip_pending() == []  # pins leave service messages, nothing else is posted


async def test_a_running_event_keeps_its_start_when_its_end_is_moved(world: World) -> None:
    """A start in the past is refused, except the start the event already has."""
    leader = world.leader
    running = await create_event(world.e2e, "已开始的会议", starts_in=timedelta(minutes=-20))
    [row] = world.e2e.db("SELECT starts_at, ends_at FROM events WHERE id = ?", (running,))
    starts = datetime.fromisoformat(row["starts_at"]).astimezone(ZONE)
    await leader.send(f"/editevent {running}")
    await leader.press(await expect(leader, "要改什么"), "时间")
    await expect(leader, "请输入新的开始时间")
    await leader.send((starts - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"))
    await expect(leader, "这个开始时间已经过去了")
    await leader.send(starts.strftime("%Y-%m-%d %H:%M"))  # as it is
    await expect(leader, "几点结束")
    later = starts + timedelta(hours=3)
    await leader.send(later.strftime("%Y-%m-%d %H:%M"))
    await expect(leader, "已修改")
    [row] = world.e2e.db("SELECT starts_at, ends_at FROM events WHERE id = ?", (running,))
    assert datetime.fromisoformat(row["ends_at"]) == later


async def test_an_event_cancelled_before_anyone_was_told_tells_nobody(e2e: E2E) -> None:
    """Only members who were told of an event (its announcement reached their group's chat, a
    reminder or notice of it reached them) get its cancellation: one made by mistake for a
    group whose chat is not bound, and cancelled at once, sends nothing to its members."""
    e2e.travel("2026-12-07 10:00")
    world = await make_world(e2e, bind_chat2=False)
    try:
        staff = world.staff
        mistake = await create_event(e2e, "误建的活动", starts_in=timedelta(hours=6),
                                     groups="第二活动组")
        await staff.send(f"/cancelevent {mistake}")
        confirm = await expect(staff, "确定要取消", "尚未通知到任何委员，取消后不另行通知")
        await staff.press(confirm, "确认取消活动")
        done = await staff.wait_for(lambda m: m == confirm and "已取消活动" in (m.text or ""))
        assert "此前尚未通知到任何委员，不另行通知" in (done.text or ""), done.text
        await world.qian.expect_no_message(within=1.0)  # never told of it: not told now
        await world.leader2.expect_no_message(within=0.1)
        assert e2e.db("SELECT * FROM deliveries WHERE key = ?", (f"event:{mistake}:cancel",)) == []

        # for both groups: announced in 第一活动组's chat only (第二活动组 has none bound)
        both = await create_event(e2e, "联组视察", starts_in=timedelta(hours=5), groups="all")
        await announcement(world.chat1, both)
        await staff.send(f"/cancelevent {both}")
        confirm = await expect(staff, "确定要取消这个活动吗", "将通知已获知此活动的4位委员")
        await staff.press(confirm, "确认取消活动")
        await staff.wait_for(lambda m: m == confirm and "正在通知4位委员" in (m.text or ""))
        for member in (world.leader, world.zhang, world.li, world.wang):
            await expect(member, "活动取消通知", "联组视察")
        await world.qian.expect_no_message(within=1.0)
        await world.leader2.expect_no_message(within=0.1)
    finally:
        await world.bot.stop()


async def test_event_pickers_show_the_day_with_the_time(e2e: E2E) -> None:
    """/attendance, /qr, /editevent and /cancelevent without a number offer the events as
    buttons: each with its day and time (the year only when it is not this year)."""
    e2e.travel("2026-12-30 10:00")
    world = await make_world(e2e)
    try:
        today = await create_event(e2e, "年末座谈会", starts_in=timedelta(hours=5))
        new_year = await create_event(e2e, "新年委员阅读日", starts_in=timedelta(days=2))
        expected = [f"活动编号{today}：12月30日 15:00“年末座谈会”",
                    f"活动编号{new_year}：2027年1月1日 10:00“新年委员阅读日”"]
        for command in ("/attendance", "/qr", "/editevent", "/cancelevent"):
            await world.leader.send(command)
            pick = await expect(world.leader, "请选择活动")
            assert pick.button_texts == expected, command
    finally:
        await world.bot.stop()
