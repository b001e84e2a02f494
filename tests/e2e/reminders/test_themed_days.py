"""The themed days' reminders lead somewhere: 委员阅读日's button collects a reading note (stored
for the duty record), 委员建言日's opens a report with the day's suggested category."""

from __future__ import annotations

from domain.reminder_models import ReminderKind
from tests.e2e.harness import E2E
from tests.e2e.reminders.helpers import crowd_with_staff, make_notice, wait_sent


async def test_a_reading_note_from_the_reading_day(e2e: E2E) -> None:
    phones, _ = await crowd_with_staff(e2e, 3)
    bot = await e2e.start_bot()
    try:
        schedule = await make_notice(e2e, "委员阅读日", kind=ReminderKind.READING_DAY)
        await wait_sent(e2e, schedule)
        member = next(iter(phones.values()))
        reminder = await member.wait_for(lambda m: "委员阅读日" in (m.text or ""), timeout=5)
        await member.press(reminder, "📖 分享读书心得")
        await member.wait_for(lambda m: "书名" in (m.text or ""), timeout=5)
        await member.send("乡土中国" + "长" * 60)  # too long: asked again, nothing stored
        await member.wait_for(lambda m: "超过了60字" in (m.text or ""), timeout=5)
        await member.send("乡土中国")
        await member.wait_for(lambda m: "1000字以内" in (m.text or ""), timeout=5)
        await member.send("费孝通先生对差序格局的分析，对理解基层治理很有启发。")
        thanks = await member.wait_for(lambda m: "感谢您分享" in (m.text or ""), timeout=5)
        assert "《乡土中国》" in (thanks.text or "")
        notes = e2e.db("SELECT m.telegram_user_id, n.book, n.note FROM reading_notes n "
                       "JOIN members m ON m.id = n.member_id")
        assert notes == [{"telegram_user_id": member.id, "book": "乡土中国",
                          "note": "费孝通先生对差序格局的分析，对理解基层治理很有启发。"}]
        # the conversation is over: a further text is not taken as another note
        await member.send("还有一点想法")
        await member.wait_for(lambda m: "未能识别" in (m.text or "") or "/help" in (m.text or ""),
                              timeout=5)
        assert len(e2e.db("SELECT id FROM reading_notes")) == 1
    finally:
        await bot.stop()


async def test_the_advice_day_opens_a_report_in_its_category(e2e: E2E) -> None:
    phones, _ = await crowd_with_staff(e2e, 2)
    e2e.configure("reminders.advice_day", category="ecology")
    bot = await e2e.start_bot()
    try:
        schedule = await make_notice(e2e, "委员建言日", kind=ReminderKind.ADVICE_DAY)
        await wait_sent(e2e, schedule)
        member = next(iter(phones.values()))
        reminder = await member.wait_for(lambda m: "委员建言日" in (m.text or ""), timeout=5)
        buttons = (reminder.reply_markup or {}).get("inline_keyboard", [])
        url = buttons[0][0]["url"]
        assert url.endswith("?start=rpt_ecology")
        await member.start("rpt_ecology")  # what the button opens
        await member.wait_for(lambda m: "生态环境" in (m.text or ""), timeout=5)
        await member.wait_for(lambda m: "标题" in (m.text or ""), timeout=5)
        await member.send("河道垃圾清理建议")
        # the category is set: the next step is the text, not the category buttons
        await member.wait_for(lambda m: "正文" in (m.text or "") or "文字" in (m.text or ""),
                              timeout=5)
        rows = e2e.db("SELECT title, category, status FROM reports")
        assert rows == [{"title": "河道垃圾清理建议", "category": "ecology", "status": "draft"}]
        await member.start("rpt_nonsense")  # a forged link: a clear answer, nothing started
        await member.wait_for(lambda m: "链接" in (m.text or ""), timeout=5)
        assert len(e2e.db("SELECT id FROM reports")) == 1
    finally:
        await bot.stop()
