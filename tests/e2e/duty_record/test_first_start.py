"""A new office's first start inside a supervision catch-up window: a fresh database, seven
members and their leader who have done nothing the bot could see, the real bot started for the
first time on Wednesday 4 March 2026, two days after March's check was due (Monday 2 March
09:30, caught up for 7 days). Nobody is nudged for the months before the bot was in use, /me
for last year says there is no record of it, and June's check counts only what is due from the
first start on."""

from __future__ import annotations

import asyncio

from tests.e2e.duty_record.helpers import crowd, received, wait_run_done
from tests.e2e.harness import E2E

MEMBERS = 7  # and their leader: 8 assessed, as the office that found the fault had
NUDGE = "【督导提醒】"


async def test_a_first_start_in_a_catch_up_window_nudges_nobody(e2e: E2E) -> None:
    e2e.travel("2026-03-04 10:00")
    phones, leader, staff = await crowd(e2e, MEMBERS)
    e2e.configure("duty_record", record_starts=None)  # the day of the first start
    e2e.configure("duty_record.supervision", enabled=True, months=[3, 6], at="09:30",
                  catch_up_days=7)
    bot = await e2e.start_bot()
    await asyncio.sleep(3.0)  # the duty loop ticks every 0.5 s from 1 s after the start
    member = next(iter(phones.values()))
    await member.send("/me 2025")
    answer = await member.next_message()
    await bot.stop()

    assert received(e2e, NUDGE) == {}, "nudged about months the bot never saw"
    assert e2e.db("SELECT * FROM duty_runs") == []
    assert answer.text is not None and answer.text.startswith("2025年没有履职档案"), answer.text
    assert "2026年3月4日" in answer.text or "3月4日" in answer.text
    (stored,) = e2e.db("SELECT value FROM committee_settings WHERE name = 'first_started_at'")
    assert stored["value"].startswith("2026-03-04T02:00")  # 10:00 in Shanghai

    # June's check, the first after the start: 4 March to 1 June is 90 days, 3 × 90/365 → 1
    # activity due (from 1 January it would be 2), one proposal, one report
    e2e.travel("2026-06-01 10:00")
    bot = await e2e.start_bot()
    await wait_run_done(e2e, "supervision:2026-Q2")
    await bot.stop()
    nudged = received(e2e, NUDGE, "委员，您好")
    assert set(nudged) == {p.id for p in [*phones.values(), leader]}
    text = next(str(c.params["text"]) for c in e2e.server.calls_for("sendMessage", ok=True)
                if "委员，您好" in str(c.params.get("text", "")))
    assert text.startswith("📢 【督导提醒】") and "截至6月1日（周一）" in text, text
    assert "活动还差1次" in text and "活动还差2次" not in text, text
    (summary,) = [str(c.params["text"]) for c in e2e.server.calls_for("sendMessage", ok=True)
                  if "孙工，您好" in str(c.params.get("text", ""))]
    assert f"合计：{MEMBERS + 1}位委员，{MEMBERS + 1}位未达到进度要求" in summary
    assert received(e2e, "【督导提醒】孙工，您好") == {staff.id: 1}
