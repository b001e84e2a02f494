"""A proposal window end to end: staff open it in chat, every member gets the announcement
with the 已提交N件 buttons, one reports "filed 2" by the button and is not reminded at the next
reminder while the others are; forged and other people's buttons are refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.e2e.harness import E2E, ZONE, wait_until
from tests.e2e.reminders.helpers import crowd_with_staff

TITLE = "十四届五次会议提案征集"


async def test_staff_open_a_window_and_only_members_who_have_not_filed_are_reminded(
    e2e: E2E,
) -> None:
    # a Monday of an ordinary fortnight: today, the deadline ten days on and the countdown
    # days before it are working days in the published calendar
    e2e.travel("2027-03-08 10:00")
    phones, staff = await crowd_with_staff(e2e, 3)
    first, second, third = phones.values()
    # the announcement goes out as soon as the window opens
    e2e.configure("reminders", check_every_seconds=0.5, quiet_start="00:00",
                  quiet_end="00:00", proposals_at="00:00")
    today = e2e.now().astimezone(ZONE).date()
    deadline = today + timedelta(days=10)
    bot = await e2e.start_bot()
    try:
        # a member cannot open a window
        await first.send("/proposals new")
        refused = await first.wait_for(lambda m: "只有机关工作人员" in (m.text or ""))
        assert "/proposals" in (refused.text or "")

        await staff.send("/proposals new")
        await staff.wait_for(lambda m: "标题" in (m.text or ""))
        await staff.send(TITLE)
        opens = await staff.wait_for(lambda m: "从哪天开始" in (m.text or ""))
        await staff.press(opens, next(b for b in opens.button_texts if b.startswith("今天")))
        await staff.wait_for(lambda m: "截止日期是哪天" in (m.text or ""))
        await staff.send(f"{deadline.month}月{deadline.day}日")
        preview = await staff.wait_for(lambda m: "请核对" in (m.text or ""))
        assert TITLE in (preview.text or "")
        await staff.press(preview, "✅ 发布")
        stored = e2e.server.chats[staff.id].by_id[preview.message_id]
        await wait_until(e2e.server, lambda: "已发起提案征集" in str(stored.data.get("text")),
                         "the preview says the window is open", timeout=5)

        # every member gets the announcement with the buttons; staff do not
        announcements = {}
        for phone in (first, second, third):
            announcements[phone.id] = await phone.wait_for(
                lambda m: "【提案征集】" in (m.text or "") and TITLE in (m.text or ""),
                timeout=15)
            assert announcements[phone.id].button_texts == ["已提交1件", "2件", "3件", "其他"]
        windows = e2e.db("SELECT * FROM proposal_windows")
        assert [(w["title"], w["opens_on"], w["deadline"], w["status"]) for w in windows] == [
            (TITLE, today.isoformat(), deadline.isoformat(), "open")]

        # the first reports two by the button; a forged button and another's are refused
        answer = await first.press(announcements[first.id], "2件")
        assert answer is not None and "已填报" in (answer.text or "")
        genuine = announcements[first.id].button("2件")["callback_data"]
        forged = genuine.replace(":2:", ":9:")
        answer = await second.press_data(announcements[second.id], forged)
        assert answer is not None and "按钮已失效" in (answer.text or "")
        answer = await second.press_data(announcements[second.id], genuine)
        assert answer is not None and "不是给您的" in (answer.text or "")
        filings = e2e.db("SELECT member_id, count, source FROM proposal_filings")
        assert [(f["count"], f["source"]) for f in filings] == [(2, "chat")]
        await first.send("/proposals")
        card = await first.wait_for(lambda m: "您已填报提交提案2件" in (m.text or ""))
        assert TITLE in (card.text or "")

        # the next reminder falls due: only the two who have not filed get it
        upcoming = e2e.db("SELECT key FROM reminder_occurrences WHERE key LIKE 'proposal:%' "
                          "AND status = 'due' ORDER BY due_at")
        assert upcoming, "no countdown reminder planned"
        key = upcoming[0]["key"]
        # time passes to it: the bot, started again a few seconds before, sees it fall due
        [row] = e2e.db("SELECT due_at FROM reminder_occurrences WHERE key = ?", (key,))
        due = datetime.fromisoformat(row["due_at"])
        await e2e.wait_until_handled()  # everything handled before the restart
        await bot.stop()
        e2e.travel(due - timedelta(seconds=3))
        bot = await e2e.start_bot()
        for phone in (second, third):
            reminder = await phone.wait_for(lambda m: "【提案征集提醒】" in (m.text or ""),
                                            timeout=15)
            assert "还有" in (reminder.text or "")
            assert datetime.fromtimestamp(reminder.date, ZONE) >= due  # not before it is due
            assert reminder.button_texts == ["已提交1件", "2件", "3件", "其他"]
        def occurrence() -> list[dict[str, object]]:
            return e2e.db("SELECT recipients, status FROM reminder_occurrences WHERE key = ?",
                          (key,))

        await wait_until(e2e.server, lambda: occurrence()[0]["status"] == "sent",
                         "the reminder is sent", timeout=10)
        assert occurrence() == [{"recipients": 2, "status": "sent"}]
        texts = [c.params.get("text", "") for c in
                 e2e.server.calls_for("sendMessage", chat_id=first.id)]
        assert not any("【提案征集提醒】" in str(t) for t in texts)

        # staff see who has not filed, by group
        await staff.send("/proposals missing")
        listed = await staff.wait_for(lambda m: "尚未填报" in (m.text or ""))
        assert "第一活动组（2位）" in (listed.text or "")
    finally:
        await bot.stop()
