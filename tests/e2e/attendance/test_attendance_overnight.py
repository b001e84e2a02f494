"""Attendance, end to end, late in the evening: an event that ends after midnight, its end
typed as a time alone (issue 18, item 9), in /newevent, /editevent and `events create`; the
example shown for the end is always one that is accepted."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from tests.botapi import Limits, MessageView
from tests.e2e.attendance_world import ZONE, World, announcement, expect, make_world
from tests.e2e.harness import E2E

INSTANT = "2027-03-09 22:50"  # a Tuesday evening
EXAMPLE = re.compile(r"例如：(.+?)[。（]")


@pytest.fixture
def limits() -> Limits:
    """A conversation sends a member many messages in a row: flood limits are not under test."""
    return Limits.off()


@pytest.fixture
async def world(e2e: E2E) -> AsyncIterator[World]:
    e2e.travel(INSTANT)
    e2e.configure("limits", private_messages_per_second=100.0)
    made = await make_world(e2e, bind_chat2=False)
    try:
        yield made
    finally:
        await made.bot.stop()


def example_in(message: MessageView) -> str:
    found = EXAMPLE.search(message.text or "")
    assert found, message.text
    return found.group(1)


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(ZONE)


async def test_an_end_after_midnight_typed_as_a_time_is_the_next_day(world: World) -> None:
    staff, e2e = world.staff, world.e2e
    await staff.send("/newevent")
    await staff.press(await expect(staff, "第1步"), "会议")
    await expect(staff, "第2步")
    await staff.send("夜间专题协商会")
    await expect(staff, "第3步")
    await staff.send("今天23:10")
    asked = await expect(staff, "第4步")
    assert example_in(asked) == "01:10"  # two hours on: after midnight
    await staff.send("今天 00:30")  # a day typed with it: before the start, refused as ever
    refused = await expect(staff, "结束时间要晚于开始时间")
    assert example_in(refused) == "01:10"
    await staff.send("22:00")  # a time alone that would make it last 23 hours: refused
    refused = await expect(staff, "结束时间要晚于开始时间")
    assert example_in(refused) == "01:10"
    await staff.send("25:00")
    await expect(staff, "未能识别这个时间", "01:10")
    await staff.send("明天 23:30")  # over a day: asked about, as before
    long = await expect(staff, "确实要这么长吗")
    await staff.press(long, "重新输入结束时间")
    await expect(staff, "第4步", "01:10")
    await staff.send(example_in(asked))  # the example itself: the next day
    await expect(staff, "第5步")
    await staff.send("政协大楼 201 室")
    await expect(staff, "第6步")
    await staff.tap("跳过")
    await expect(staff, "不使用定位签到")
    await staff.press(await expect(staff, "第7步"), "开放签到（群内按钮、扫码、签到码）")
    groups = await expect(staff, "第8步")
    await staff.press(groups, "⬜ 第一活动组")
    await staff.wait_for(lambda m: m == groups and "☑️ 第一活动组" in m.button_texts)
    await staff.press(groups, "完成")
    preview = await expect(staff, "请核对", "3月9日（周二）23:10至3月10日（周三）01:10")
    await staff.press(preview, "✅ 发布")
    await staff.wait_for(lambda m: m == preview and "活动已发布" in (m.text or ""))

    [event] = e2e.db("SELECT * FROM events")
    assert (local(event["starts_at"]), local(event["ends_at"])) == (
        datetime(2027, 3, 9, 23, 10, tzinfo=ZONE), datetime(2027, 3, 10, 1, 10, tzinfo=ZONE))
    posted = await announcement(world.chat1, event["id"])
    assert "3月9日（周二）23:10至3月10日（周三）01:10" in (posted.text or "")

    # Its time changed: the end it has, typed as a time alone, is the example and is taken.
    await staff.send(f"/editevent {event['id']}")
    await staff.press(await expect(staff, "要改什么"), "时间")
    await expect(staff, "请输入新的开始时间")
    await staff.send("今天23:40")
    asked = await expect(staff, "几点结束")
    assert example_in(asked) == "01:10"
    await staff.send(example_in(asked))
    await expect(staff, "已修改活动", "3月9日（周二）23:40至3月10日（周三）01:10")
    [event] = e2e.db("SELECT * FROM events")
    assert local(event["ends_at"]) == datetime(2027, 3, 10, 1, 10, tzinfo=ZONE)
    # Moved to the next morning: 01:10 would be before the start; the example is one that fits.
    await staff.send(f"/editevent {event['id']}")
    await staff.press(await expect(staff, "要改什么"), "时间")
    await expect(staff, "请输入新的开始时间")
    await staff.send("明天 9:00")
    asked = await expect(staff, "几点结束")
    assert example_in(asked) == "11:00"
    await staff.send(example_in(asked))
    await expect(staff, "已修改活动", "3月10日（周三）09:00至11:00")

    # The command line reads --end the same way.
    created = await e2e.cli(
        "events", "create", "--type", "会议", "--title", "夜间调度会", "--start",
        "2027-03-09 23:17", "--end", "00:17", "--groups", "第一活动组",
    )
    assert created.returncode == 0, created.output
    assert re.search(r"已创建：活动编号2\s+2027-03-09 23:17至2027-03-10 00:17\s+会议",
                     created.stdout)
    refused_cli = await e2e.cli(
        "events", "create", "--type", "会议", "--title", "x", "--start", "2027-03-09 23:17",
        "--end", "2027-03-09 00:17", "--groups", "第一活动组",
    )
    assert refused_cli.returncode == 2 and "结束时间要晚于开始时间" in refused_cli.output
