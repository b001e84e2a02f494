"""Attendance, end to end: every check-in path as members do it on their phones.

The QR code from /qr and its deep link, the typed code, the 签到 button under the announcement
(a popup, never a new message), a live location inside and outside the venue radius, a second
check-in, a late one, one after the end, before the window, an expired token, a forged one, a
token of another event, a stranger, a member without a linked account, a member of another
group, a leader marking someone present; each gets a clear reply and only real check-ins are
stored, once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.botapi import MessageView, Phone
from tests.botapi.model import CallbackAnswer
from tests.e2e.attendance_world import (
    GROUP_1_EXPECTED,
    VENUE,
    World,
    announcement,
    code,
    create_event,
    expect,
    link_payload,
    make_world,
)
from tests.e2e.harness import E2E, write_db

QR_LINK = re.compile(r"https://t\.me/liaison_test_bot\?start=(ci_[A-Za-z0-9_-]+)")
TIME = re.compile(r"\d{2}:\d{2}")


@pytest.fixture
async def world(e2e: E2E) -> AsyncIterator[World]:
    made = await make_world(e2e)
    try:
        yield made
    finally:
        await made.bot.stop()


async def press_newest_qr(phone: Phone, label: str) -> tuple[MessageView, CallbackAnswer | None]:
    """Press a button of the QR code on screen now (it is replaced every 30 seconds)."""
    for _ in range(3):
        newest = [m for m in phone.messages if m.photo and not m.deleted][-1]
        try:
            return newest, await phone.press(newest, label)
        except LookupError:  # replaced just now: press the new one
            continue
    raise AssertionError("the QR code kept being replaced")


def audit_count(world: World, action: str) -> int:
    return len(world.e2e.db("SELECT id FROM audit_log WHERE action = ?", (action,)))


async def test_qr_code_from_qr_command_and_typed_code(world: World) -> None:
    event_id = await create_event(world.e2e)
    posted = await announcement(world.chat1, event_id)
    assert f"已签到0 / 应到{GROUP_1_EXPECTED}" in (posted.text or "")
    assert posted.buttons == [["签到", "请假"]]

    await world.leader.send(f"/qr {event_id}")
    qr = await world.leader.next_message()
    assert qr.photo, qr
    caption = qr.text or ""
    assert "十二月委员阅读日" in caption
    typed = re.search(r"签到码：(\d{6})", caption)
    link = QR_LINK.search(caption)
    assert typed and link, caption
    assert qr.button_texts == ["🔄 刷新", "⏹ 停止自动更新"]

    await world.zhang.start(link.group(1))  # scanned from the projector
    done = await expect(world.zhang, "签到成功", "十二月委员阅读日")
    at = TIME.search(done.text or "")
    assert at
    await world.li.send(f"/checkin {typed.group(1)}")
    await expect(world.li, "签到成功")
    await world.chat1.wait_for(
        lambda m: m == posted and f"已签到2 / 应到{GROUP_1_EXPECTED}" in (m.text or ""),
        timeout=10,
    )

    await world.zhang.start(link.group(1))  # scanned twice
    await expect(world.zhang, f"您已于{at.group(0)}签到")

    # a fresh code replaces the picture in place: no new message, nothing deleted
    edits = qr.edit_count
    pressed, _ = await press_newest_qr(world.leader, "🔄 刷新")
    assert pressed == qr
    await world.leader.wait_for(lambda m: m == qr and m.edit_count > edits)
    fresh, stopped = await press_newest_qr(world.leader, "⏹ 停止自动更新")
    assert fresh == qr and QR_LINK.search(fresh.text or "")
    assert stopped is not None and "已停止自动更新" in (stopped.text or "")
    # after 停止 the message no longer says it is kept fresh until HH:MM
    after = await world.leader.wait_for(lambda m: m == qr and m.button_texts == ["🔄 刷新"])
    assert "本消息自动更新到" not in (after.text or "") and "签到码" in (after.text or "")
    assert [m for m in world.leader.messages if m.photo] == [qr]
    assert not any(m.deleted for m in world.leader.messages)
    checkins = world.checkins(event_id)
    assert {n: r["method"] for n, r in checkins.items()} == {"张三": "qr", "李四": "code"}
    assert audit_count(world, "member_checkin") == 2
    await world.chat1.expect_no_message(within=0.2)  # no new message in the group



async def test_the_qr_screen_is_kept_fresh_across_a_restart(world: World) -> None:
    event_id = await create_event(world.e2e)
    await world.leader.send(f"/qr {event_id}")
    before = await world.leader.next_message()
    assert before.photo and "本消息自动更新到" in (before.text or "")
    await world.bot.stop()  # a restart (a deploy, a crash) with the projector on
    world.bot = await world.e2e.start_bot()
    # the code on screen may have expired meanwhile: a current one comes at once, in place
    edits = before.edit_count
    after = await world.leader.wait_for(lambda m: m == before and m.edit_count > edits,
                                        timeout=5)
    assert QR_LINK.search(after.text or "") and after.button_texts == ["🔄 刷新", "⏹ 停止自动更新"]
    assert [m for m in world.leader.messages if m.photo] == [before] and not before.deleted
    [screen] = world.e2e.db("SELECT event_id, message_id FROM qr_screens")
    assert screen == {"event_id": event_id, "message_id": before.message_id}

    _, stopped = await press_newest_qr(world.leader, "⏹ 停止自动更新")
    assert stopped is not None and "已停止自动更新" in (stopped.text or "")
    assert world.e2e.db("SELECT chat_id FROM qr_screens") == []
    world.leader.skip_pending()
    await world.bot.stop()
    world.bot = await world.e2e.start_bot()
    await world.leader.expect_no_message(within=2.0)  # stopped stays stopped

async def test_group_button_answers_with_a_popup(world: World) -> None:
    event_id = await create_event(world.e2e)
    posted = await announcement(world.chat1, event_id)

    answer = await world.zhang.press(posted, "签到")
    assert answer is not None and "签到成功" in (answer.text or "")
    at = TIME.search(answer.text or "")
    assert at
    again = await world.zhang.press(posted, "签到")
    assert again is not None and f"您已于{at.group(0)}签到" in (again.text or "")

    stranger = await world.stranger.press(posted, "签到")
    unlinked = await world.zhou.press(posted, "签到")  # 周八 is on the roster, never linked
    other_group = await world.qian.press(posted, "签到")
    assert stranger is not None and "请先在私聊中发送 /start 完成绑定" in (stranger.text or "")
    assert unlinked is not None and "请先在私聊中发送 /start 完成绑定" in (unlinked.text or "")
    assert other_group is not None and "不是您所在活动组的" in (other_group.text or "")

    await world.chat1.wait_for(
        lambda m: m == posted and f"已签到1 / 应到{GROUP_1_EXPECTED}" in (m.text or ""),
        timeout=10,
    )
    assert list(world.checkins(event_id)) == ["张三"]
    assert world.checkins(event_id)["张三"]["method"] == "button"
    assert world.chat1.skip_pending() == []  # popups only, never a message in the group

    started = await create_event(world.e2e, "已开始的会议", starts_in=timedelta(minutes=-20))
    late = await world.li.press(await announcement(world.chat1, started), "签到")
    assert late is not None and "签到成功（晚于开始时间）" in (late.text or "")
    assert world.checkins(started)["李四"]["late"] == 1
    over = await create_event(world.e2e, "上午的会议", starts_in=timedelta(hours=-3),
                              length=timedelta(hours=2))
    await world.li.start(await link_payload(world.e2e, over))
    await expect(world.li, "活动已经结束，不能再签到")
    assert world.checkins(over) == {}


async def test_expired_forged_and_other_event_tokens(world: World) -> None:
    e2e = world.e2e
    ours = await create_event(e2e)
    theirs = await create_event(e2e, "第二组视察调研", groups="第二活动组", kind="inspection")
    later = await create_event(e2e, "下午的会议", starts_in=timedelta(hours=3), kind="meeting")

    # each member's replies come at most about one a second: spread over three of them
    await world.zhang.start(await link_payload(e2e, ours, steps_ago=4))  # a photo from before
    await world.li.start(await link_payload(e2e, theirs))  # another group's event
    await world.wang.start((await link_payload(e2e, ours))[:-4] + "AAAA")  # forged
    await expect(world.zhang, "已过期", "最新的二维码")
    await expect(world.li, "不是您所在活动组的")
    await expect(world.wang, "签到码或签到链接不正确")
    await world.zhang.send(f"/checkin {await code(e2e, theirs)}")
    await world.li.send(f"/checkin {await code(e2e, ours, steps_ago=5)}")
    await world.wang.start(await link_payload(e2e, later))  # opens an hour before the start
    await expect(world.zhang, "不是您所在活动组的")
    await expect(world.li, "已过期")
    await expect(world.wang, "签到尚未开始", "以后签到")
    await world.stranger.start(await link_payload(e2e, ours))
    await expect(world.stranger, "您还没有绑定账号")
    assert e2e.db("SELECT * FROM checkins") == []

    await world.zhang.start(await link_payload(e2e, ours))
    await expect(world.zhang, "签到成功")
    assert list(world.checkins(ours)) == ["张三"]


async def test_code_typed_in_the_group_is_deleted(world: World) -> None:
    event_id = await create_event(world.e2e)
    await announcement(world.chat1, event_id)
    typed = await world.zhang.send(f"/checkin {await code(world.e2e, event_id)}",
                                   chat=world.chat1)
    warning = await world.chat1.next_message()
    assert "已删除群聊中的签到码" in (warning.text or "")
    assert world.e2e.server.chats[world.chat1.id].by_id[typed.message_id].deleted
    assert world.e2e.db("SELECT * FROM checkins") == []


async def test_live_location_inside_and_outside_the_radius(world: World) -> None:
    e2e = world.e2e
    lat, lon = VENUE
    event_id = await create_event(e2e, "现场视察", policy="venue", venue=(lat, lon, 200),
                                  kind="inspection")
    posted = await announcement(world.chat1, event_id)
    assert "200米内共享实时位置" in (posted.text or "")

    # venue-verified: no 签到 button that would refuse everyone; what works is said instead
    assert posted.button_texts == ["请假"]
    assert "到场后请扫描屏幕上的二维码，或私聊我发送屏幕上的六位签到码" in (posted.text or "")

    await world.zhang.start(await link_payload(e2e, event_id))
    await expect(world.zhang, "还差一步", "共享实时位置")
    await world.zhang.share_location(lat, lon)  # a plain location can be picked anywhere
    await expect(world.zhang, "需要共享“实时位置”")
    await world.zhang.share_location(lat + 0.009, lon, live_period=900)  # about 1 km north
    far = await expect(world.zhang, "超出签到范围（200米）")
    assert re.search(r"约(9\d\d|10\d\d)米", far.text or ""), far.text
    assert e2e.db("SELECT * FROM checkins") == []
    await world.zhang.share_location(lat + 0.0005, lon, live_period=900)  # 55 m away
    await expect(world.zhang, "签到成功")

    await world.li.send(f"/checkin {await code(e2e, event_id)}")  # the code asks too
    await expect(world.li, "还差一步")
    await world.li.share_location(lat, lon + 0.0004, live_period=900)
    await expect(world.li, "签到成功")
    assert {n: r["method"] for n, r in world.checkins(event_id).items()} == {
        "张三": "qr", "李四": "code"
    }


async def test_a_bare_code_or_the_word_checkin_in_private(world: World) -> None:
    """Six digits alone are /checkin CODE; 签到 alone asks which event, with buttons."""
    e2e = world.e2e
    event_id = await create_event(e2e, "读书分享会")
    venue_id = await create_event(e2e, "现场协商会", policy="venue")
    await announcement(world.chat1, event_id)
    await world.zhang.send(await code(e2e, event_id))
    await expect(world.zhang, "读书分享会", "签到成功")
    assert world.checkins(event_id)["张三"]["method"] == "code"
    await world.li.send("１２３４５６")  # a wrong code, in full-width digits: refused as one
    await expect(world.li, "签到码或签到链接不正确")

    await world.li.send("签到")
    which = await expect(world.li, "您在参加哪个活动", "现场协商会", "屏幕上的二维码")
    assert which.button_texts == ["读书分享会"]  # the venue-verified one: by its code only
    answer = await world.li.press(which, "读书分享会")
    assert answer is not None
    await world.li.wait_for(lambda m: m == which and "签到成功" in (m.text or ""))
    assert world.checkins(event_id)["李四"]["method"] == "button"
    assert "李四" not in world.checkins(venue_id)
    await world.stranger.send("签到")
    await expect(world.stranger, "您还没有绑定账号")
    await world.qian.send("签到")  # 第二活动组: nothing open for them
    await expect(world.qian, "现在没有可以签到的活动")


async def _view(leader: Phone, command: str) -> str:
    await leader.send(command)
    return (await leader.next_message()).text or ""


async def test_leader_marks_present_and_sees_who_is_missing(world: World) -> None:
    e2e = world.e2e
    event_id = await create_event(e2e)
    posted = await announcement(world.chat1, event_id)
    await world.zhang.press(posted, "签到")

    await world.leader.send(f"/attendance {event_id}")
    view = await world.leader.next_message()
    body = view.text or ""
    assert f"应到{GROUP_1_EXPECTED}人 · 已签到1" in body
    assert "已签到（1）：张三" in body
    assert re.search(r"未签到（4）：.*周八", body), body
    assert "✅ 周八" in view.button_texts

    answer = await world.leader.press(view, "✅ 周八")  # 周八 came without a phone
    assert answer is not None and "已为周八签到" in (answer.text or "")
    await world.leader.wait_for(lambda m: m == view and "未签到（3）" in (m.text or ""))
    await world.staff.send(f"/markpresent {event_id} 138-0000-0013")
    await expect(world.staff, "已为王五签到")
    await world.leader.send(f"/markpresent {event_id} 13800000021")  # 钱七: another group
    await expect(world.leader, "不归您管理")

    rows = world.checkins(event_id)
    assert rows["周八"]["method"] == rows["王五"]["method"] == "staff"
    assert rows["周八"]["marked_by"] == world.member_id(world.leader)
    assert rows["王五"]["marked_by"] == world.member_id(world.staff)
    assert "钱七" not in rows
    marked = e2e.db("SELECT actor_tg_id FROM audit_log WHERE action = 'member_marked_present' "
                    "ORDER BY id")
    assert [r["actor_tg_id"] for r in marked] == [world.leader.id, world.staff.id]
    await world.chat1.wait_for(
        lambda m: m == posted and f"已签到3 / 应到{GROUP_1_EXPECTED}" in (m.text or ""),
        timeout=10,
    )


async def test_mark_present_buttons_show_names_as_typed(world: World) -> None:
    """Button labels are plain text: a name with <, > or & shows as it is (issue 13, item 3)."""
    await asyncio.to_thread(write_db, world.e2e.db_path,  # off the bot's loop: see write_db
                            "UPDATE members SET name = ? WHERE phone = ?",
                            ("周<八>&", "13800000014"))
    event_id = await create_event(world.e2e)
    await world.leader.send(f"/attendance {event_id}")
    view = await world.leader.next_message()
    assert "✅ 周<八>&" in view.button_texts
    assert not any("&lt;" in label or "&amp;" in label for label in view.button_texts)
