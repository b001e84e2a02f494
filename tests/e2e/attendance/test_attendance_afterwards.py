"""Attendance, end to end, after an event's end (issue 18, item 8): a leader or staff member
marks a member present, late or on leave afterwards (事后补记) from /attendance or with
/markpresent; the marks are audited, labelled as made afterwards, and count in the member's
duty record (/me). Members still cannot check in after the end, and only a leader of the
member's group or staff may mark."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.botapi import Limits
from tests.e2e.attendance_world import (
    World,
    announcement,
    create_event,
    expect,
    link_payload,
    make_world,
)
from tests.e2e.harness import E2E

INSTANT = "2027-03-09 09:00"  # a Tuesday morning; the event runs 09:10 to 10:10
AFTER = "2027-03-09 10:30"  # twenty minutes after its end
TITLE = "三月委员阅读日"


@pytest.fixture
def limits() -> Limits:
    """Several commands in a row from one person: flood limits are not under test."""
    return Limits.off()


@pytest.fixture
async def world(e2e: E2E) -> AsyncIterator[World]:
    e2e.travel(INSTANT)
    made = await make_world(e2e, bind_chat2=False)
    try:
        yield made
    finally:
        await made.bot.stop()


async def ended_event(world: World) -> int:
    """The event, 张三 checked in at it by the group's button, and the bot started again
    twenty minutes after its end."""
    e2e = world.e2e
    event_id = await create_event(e2e, TITLE, starts_in=timedelta(minutes=10),
                                  length=timedelta(hours=1))
    posted = await announcement(world.chat1, event_id)
    checked = await world.zhang.press(posted, "签到")
    assert checked is not None and "签到成功" in (checked.text or "")
    await world.bot.stop()
    e2e.travel(AFTER)
    world.bot = await e2e.start_bot()  # the fixture stops it
    return event_id


def marks_audited(world: World) -> list[tuple[int | None, str, str, str]]:
    """(who, which event, status, source) of every mark afterwards in the audit log."""
    rows = world.e2e.db("SELECT actor_tg_id, subject, detail FROM audit_log "
                        "WHERE action = 'attendance_mark_afterwards' ORDER BY id")
    details = [json.loads(row["detail"]) for row in rows]
    return [(row["actor_tg_id"], row["subject"], detail["status"], detail["source"])
            for row, detail in zip(rows, details, strict=True)]


async def test_a_leader_marks_members_after_the_end_and_their_record_counts_it(
    world: World,
) -> None:
    e2e, leader = world.e2e, world.leader
    event_id = await ended_event(world)

    await leader.send(f"/attendance {event_id}")
    view = await leader.next_message()
    body = view.text or ""
    assert "已签到（1）：张三 09:00" in body
    assert "未签到（4）" in body and "点下方委员姓名，事后补记已签到、迟到或请假" in body
    assert "✏️ 周八" in view.button_texts

    await leader.press(view, "✏️ 周八")  # 周八 came, without a phone: nobody checked him in
    asked = await leader.wait_for(lambda m: m == view and "请选择为周八事后补记的出勤情况"
                                  in (m.text or ""))
    assert asked.button_texts == ["✅ 已签到", "⏰ 迟到", "📝 请假", "↩️ 返回名单"]
    answer = await leader.press(asked, "✅ 已签到")
    assert answer is not None and answer.text == "已为周八事后补记：已签到。"
    marked = await leader.wait_for(lambda m: m == view and "未签到（3）" in (m.text or ""))
    assert "✅ 已签到（2）：周八（事后补记）、张三 09:00" in (marked.text or "")
    assert "✏️ 周八" not in marked.button_texts

    await leader.send(f"/markpresent {event_id} 138-0000-0013 迟到")
    await expect(leader, "已为王五事后补记：迟到。")
    await leader.send(f"/markpresent {event_id} 13800000012 请假")
    await expect(leader, "已为李四事后补记：请假。")
    await leader.send(f"/markpresent {event_id} 13800000013 迟到")  # again: nothing new
    await expect(leader, "王五已记为迟到，无需补记。")

    await leader.send(f"/attendance {event_id}")
    body = (await leader.next_message()).text or ""
    assert "应到5人 · 已签到3（迟到1）· 请假1 · 待审批0 · 未签到1" in body
    assert "⏰ 迟到（1）：王五（事后补记）" in body
    assert "📝 请假（1）：李四（事后补记）" in body
    assert "未签到（1）：李组长" in body

    # stored where every reader looks, made now, by the leader, and audited as such
    rows = world.checkins(event_id)
    assert rows["张三"]["method"] == "button"
    leader_id = world.member_id(leader)
    for name, late in (("周八", 0), ("王五", 1)):
        assert (rows[name]["method"], rows[name]["late"], rows[name]["marked_by"]) == (
            "staff", late, leader_id)
        assert str(rows[name]["at"]).startswith("2027-03-09T02:3")  # 10:3x in Shanghai
    [leave] = e2e.db("SELECT m.name, l.status, l.decided_by FROM leave_requests l "
                     "JOIN members m ON m.id = l.member_id WHERE l.event_id = ?", (event_id,))
    assert leave == {"name": "李四", "status": "approved", "decided_by": leader_id}
    subject = f"event:{event_id}"
    assert marks_audited(world) == [(leader.id, subject, "present", "chat"),
                                    (leader.id, subject, "late", "chat"),
                                    (leader.id, subject, "leave", "chat")]

    # the member's own record counts it: no longer absent
    wang = world.wang
    await wang.send("/me")
    record = await wang.wait_for(lambda m: "履职档案" in (m.text or ""))
    assert "参加活动：1/" in (record.text or "")
    await wang.press(record, "活动")
    events = await wang.wait_for(lambda m: m == record and TITLE in (m.text or ""))
    assert f"3月9日“{TITLE}”：已签到（晚于开始时间）" in (events.text or "")


async def test_only_a_leader_of_the_group_or_staff_marks_afterwards(world: World) -> None:
    e2e, leader = world.e2e, world.leader
    event_id = await ended_event(world)

    # a member: refused with the reason, and cannot check in after the end either
    await world.li.send(f"/markpresent {event_id} 13800000014")
    await expect(world.li, "只有组长或机关工作人员可以管理活动。")
    await world.li.start(await link_payload(e2e, event_id))
    await expect(world.li, "活动已经结束，不能再签到。如您确已到场，请联系现场工作人员。")
    # the leader of another group
    await world.leader2.send(f"/markpresent {event_id} 13800000014 迟到")
    await expect(world.leader2, "这个活动不归您管理。")
    # nobody records their own leave
    await leader.send(f"/markpresent {event_id} 13800000001 请假")
    await expect(leader, "不能为自己补记请假，请联系机关工作人员补记。")
    # a check-in on record is not turned into leave
    await leader.send(f"/markpresent {event_id} 13800000011 请假")
    await expect(leader, "张三已记为已签到，已有的签到不再更改。")
    assert list(world.checkins(event_id)) == ["张三"]
    assert e2e.db("SELECT * FROM leave_requests") == []
    assert marks_audited(world) == []

    # staff mark anyone of the groups expected
    await world.staff.send(f"/markpresent {event_id} 13800000014")
    await expect(world.staff, "已为周八事后补记：已签到。")
    assert world.checkins(event_id)["周八"]["marked_by"] == world.member_id(world.staff)
    assert marks_audited(world) == [(world.staff.id, f"event:{event_id}", "present", "chat")]
