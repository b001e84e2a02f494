"""What staff are told about a reminder, through the real bot at chosen instants: a notice
saved with 立即发送 in quiet hours says the same thing in the preview, the answer to 保存, the
list, its card, 👀 and `liaison-bot reminders list` (issue #18, item 11); a reminder that could
not reach someone is quoted to staff by what it is and when it went out, never as it was
written for one member (item 14)."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.botapi import Limits, Phone
from tests.e2e.attendance_world import expect
from tests.e2e.harness import E2E, local
from tests.e2e.reminders.test_reminders_chat import new_draft, open_schedule, press_on

STAFF_PHONE = "13900000099"
STAFF_NAME = "孙工"
FIRST = ["13800000001", "13800000002", "13800000003"]
WAIT = 30.0


@pytest.fixture
def limits() -> Limits:
    """Staff get many messages in a row; flood limits are under test elsewhere."""
    return Limits.off()


async def office(e2e: E2E) -> tuple[list[Phone], Phone]:
    """Three members of 第一活动组 and a staff member, all bound; quiet hours as shipped
    (22:00–07:30); the loop looks every half second."""
    rows = [(f"委员{i}", n, "", "第一活动组", "member") for i, n in enumerate(FIRST, 1)]
    await e2e.import_roster([*rows, (STAFF_NAME, STAFF_PHONE, "", "", "staff")])
    e2e.configure("reminders", check_every_seconds=0.5)
    phones = {n: e2e.user(f"M{n[-2:]}", n) for n in [*FIRST, STAFF_PHONE]}
    e2e.bind_in_db(phones)
    for phone in phones.values():
        phone.user.started = True
    staff = phones.pop(STAFF_PHONE)
    return list(phones.values()), staff


WAITING = "将于明早07:30发出（夜间免打扰）"


async def test_a_notice_saved_in_quiet_hours_says_one_thing_everywhere(e2e: E2E) -> None:
    e2e.travel("2027-03-09 22:56")  # a Tuesday evening, in quiet hours
    members, staff = await office(e2e)
    title = "明日会议通知"
    bot = await e2e.start_bot()
    try:
        await new_draft(staff, "📢 通知（发一次）", title)
        await press_on(staff, "发给谁", "全体委员")
        day = await expect(staff, "哪天发送")
        await staff.press(day, "立即发送")
        await press_on(staff, "是否带“收到”按钮", "带“收到”按钮")
        preview = await expect(staff, "请核对后保存", title)
        assert "夜间免打扰" in (preview.text or "") and "明早07:30" in (preview.text or ""), \
            preview.text
        await staff.press(preview, "保存")
        saved = await staff.wait_for(lambda m: m == preview and "已保存" in (m.text or ""))
        assert WAITING in (saved.text or ""), saved.text

        await asyncio.sleep(4)  # past the moment 立即发送 asked for; the loop has looked
        staff.skip_pending()
        await staff.send("/reminders")
        listing = await expect(staff, "提醒与通知（共1条）", title)
        assert WAITING in (listing.text or ""), listing.text
        assert "（已发送）" not in (listing.text or "")
        assert "下次发送：无" not in (listing.text or "")
        await open_schedule(staff, listing, title)
        card = await staff.wait_for(lambda m: m == listing and "确认收到情况" in m.button_texts)
        assert WAITING in (card.text or ""), card.text
        await staff.press(card, "确认收到情况")
        acks = await staff.wait_for(lambda m: m == listing and "收到情况" in (m.text or "")
                                    and "确认收到情况" not in m.button_texts)
        assert WAITING in (acks.text or ""), acks.text

        result = await e2e.cli("reminders", "list")
        assert result.returncode == 0, result.output
        assert "下次发送：2027-03-10 07:30" in result.stdout, result.stdout
        assert e2e.db("SELECT * FROM deliveries WHERE key LIKE 'occ:%'") == []  # nobody yet
        assert all(title not in (m.text or "") for p in members for m in p.messages)
    finally:
        await bot.stop()


async def test_staff_are_told_who_missed_a_reminder_by_its_title_and_time(e2e: E2E) -> None:
    e2e.travel("2027-03-09 17:59:30")
    members, staff = await office(e2e)
    event = "一季度委员视察活动"
    created = await e2e.cli("events", "create", "--type", "meeting", "--title", event,
                            "--start", "2027-03-10 09:00", "--end", "11:00",
                            "--place", "市政协三楼会议室", "--groups", "第一活动组")
    assert created.returncode == 0 and re.search(r"活动编号\d+", created.stdout), created.output
    await members[2].block_bot()
    bot = await e2e.start_bot()
    try:
        told = await staff.wait_for(lambda m: "未能送达" in (m.text or ""), timeout=WAIT)
        words = told.text or ""
        assert STAFF_NAME not in words and "委员，" not in words, words
        assert f"“{event}”" in words and "3月9日（周二）18:00" in words, words
        assert e2e.now() >= local("2027-03-09 18:00")

        staff.skip_pending()
        await staff.send("/reminders")
        listing = await expect(staff, "提醒")
        await staff.press(listing, "📋 发送记录")
        log = await staff.wait_for(lambda m: m == listing and "最近的发送记录" in (m.text or ""))
        words = log.text or ""
        assert "【活动提醒】委员，" not in words and f"“{event}”" in words, words
    finally:
        await bot.stop()
