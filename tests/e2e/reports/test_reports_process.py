"""Public-opinion reports, end to end, across restarts.

The real `liaison-bot run` in a subprocess is killed with SIGKILL in the middle of writing (after
the text, before submit): restarted, the member resumes the draft with everything typed so far.
Killed right after a status change was confirmed: the change and its audit row are there, and
the author is told once. The daily nudge lists reports untouched for N days to every staff
member, once a day, however often the bot restarts.
"""

from __future__ import annotations

import signal
from datetime import datetime, time

import pytest

from tests.botapi import Limits
from tests.e2e.harness import E2E, ZONE, bot_config, write_config
from tests.e2e.reports.test_reports import (
    BOT_LIMITS,
    TEXT_1,
    TEXT_2,
    bind_all,
    expect,
    open_report,
    press,
    report_row,
    submit,
    text_of,
    write_report,
)


@pytest.fixture
def limits() -> Limits:
    return Limits.off()


@pytest.fixture
def bot_limits() -> dict[str, object]:
    return dict(BOT_LIMITS)


async def test_sigkill_while_writing_then_the_draft_resumes(e2e: E2E) -> None:
    process = e2e.bot_process()
    await process.start()
    people = await bind_all(e2e)
    zhang = people["张三"]
    await zhang.send("/report")
    await expect(zhang, "标题")
    await zhang.send("关于农贸市场改造的建议")
    categories = await expect(zhang, "类别")
    await press(zhang, categories, "社会治理")
    await expect(zhang, "正文")
    await zhang.send(TEXT_1)
    await expect(zhang, "已记下", f"{len(TEXT_1)}字")
    await zhang.send(TEXT_2)
    await expect(zhang, "已记下")  # the member saw it saved…
    assert await process.kill() == -signal.SIGKILL  # …and the bot dies at once

    await process.start()
    await zhang.send("/report")
    # the last text may come again (it was not yet confirmed to Telegram): said "saved" again
    offer = await zhang.wait_for(lambda m: "继续写" in text_of(m), timeout=10)
    assert "关于农贸市场改造的建议" in text_of(offer)
    zhang.skip_pending()
    await press(zhang, offer, "✏️ 继续写这份草稿")
    so_far = await expect(zhang, "继续写草稿", "关于农贸市场改造的建议", "社会治理", TEXT_1,
                          TEXT_2)
    assert text_of(so_far).count(TEXT_2) == 1  # a message delivered again is not added twice
    prompt = await expect(zhang, "正文已有", "继续发送")
    await zhang.send("请相关部门统筹安排。")
    saved = await expect(zhang, "已记下")
    await press(zhang, saved, "✅ 正文完成")
    await press(zhang, await expect(zhang, "照片或文件"), "跳过")
    await press(zhang, await expect(zhang, "联名反映人"), "跳过")
    number = await submit(zhang, await expect(zhang, "预览", TEXT_1, TEXT_2))
    row = report_row(e2e, number)
    assert row["body"] == f"{TEXT_1}\n{TEXT_2}\n请相关部门统筹安排。"
    assert (row["title"], row["category"]) == ("关于农贸市场改造的建议", "governance")
    assert prompt.buttons == [["✅ 正文完成"]]
    assert await process.terminate() == 0
    assert process.log_problems() == []


async def test_sigkill_after_a_confirmed_status_change_keeps_it(e2e: E2E) -> None:
    process = e2e.bot_process()
    await process.start()
    people = await bind_all(e2e)
    zhang, wang = people["张三"], people["王五"]
    number = await submit(zhang, await write_report(zhang, "关于路灯维修的建议", [TEXT_1]))
    card = await open_report(wang, number)
    await press(wang, card, "受理")
    await expect(wang, f"{number}已改为：已受理")  # confirmed to the staff member…
    assert await process.kill() == -signal.SIGKILL  # …and the bot dies at once

    row = report_row(e2e, number)
    assert row["status"] == "accepted"
    [move] = e2e.db("SELECT * FROM report_moves WHERE to_status = 'accepted'")
    assert (move["from_status"], move["actor_tg_id"]) == ("submitted", wang.id)
    [audit] = e2e.db("SELECT actor_tg_id, detail FROM audit_log WHERE action = 'report_move'")
    assert audit["actor_tg_id"] == wang.id and '"to": "accepted"' in str(audit["detail"])
    await expect(zhang, number, "已受理")

    await process.start()
    await wang.send("/review")
    await expect(wang, "已受理1", wait=10)
    await zhang.expect_no_message(within=0.5)  # the author was told once
    assert len(e2e.db("SELECT id FROM report_moves WHERE to_status = 'accepted'")) == 1
    assert await process.terminate() == 0
    assert process.log_problems() == []


async def test_daily_nudge_lists_stale_reports_to_staff_once_a_day(e2e: E2E) -> None:
    # The nudge is what this test is about: it is not passed over as a background push.
    e2e.server.background_pushes.clear()
    sections = bot_config(e2e.server, e2e.db_path, [e2e.admin.id], limits=BOT_LIMITS)
    sections["reports"] = {"stale_days": 2, "nudge_time": "09:00"}
    write_config(e2e.config_path, sections)
    # Monday: one report submitted (it is stale by Thursday), the nudge of the day goes out
    # with nothing stale to list, so nothing is sent
    e2e.travel("2027-03-08 10:00")
    bot = await e2e.start_bot()
    people = await bind_all(e2e)
    zhang, wang, zhao, qian = people["张三"], people["王五"], people["赵六"], people["钱七"]
    old = await submit(zhang, await write_report(zhang, "关于积水点整治的建议", [TEXT_1]))
    await e2e.wait_until_handled()
    await bot.stop()

    # Thursday (the second: no reading day), just before 09:00: a fresh report; at 09:00
    # staff get the list of the old one
    e2e.travel("2027-03-11 08:59:40")
    bot = await e2e.start_bot()
    fresh = await submit(zhang, await write_report(zhang, "关于公厕的建议", [TEXT_2]))
    assert not [m for m in wang.messages if "未处理" in text_of(m)]  # not before 09:00
    for staff in (wang, zhao, qian):
        nudge = await staff.wait_for(lambda m: "未处理" in text_of(m), timeout=40)
        assert "1篇" in text_of(nudge) and "超过2天" in text_of(nudge)
        assert old in text_of(nudge) and "关于积水点整治的建议" in text_of(nudge)
        assert fresh not in text_of(nudge)
        sent_at = datetime.fromtimestamp(nudge.date, ZONE)  # Telegram's date, the bot's clock
        assert sent_at.date().isoformat() == "2027-03-11" and sent_at.time() >= time(9, 0)
    await e2e.wait_until_handled()  # everything handled before the restart
    await bot.stop()

    bot = await e2e.start_bot()  # another start the same day: no second nudge
    wang.skip_pending()
    await wang.send("/review")
    await expect(wang, "待处理2篇")
    await wang.expect_no_message(within=2.0)  # the look after start has run by now
    await e2e.wait_until_handled()  # everything handled before the restart
    await bot.stop()
    sent = e2e.db("SELECT chat_id, status FROM deliveries WHERE key = ?",
                  ("report_nudge:2027-03-11",))
    assert {(d["chat_id"], d["status"]) for d in sent} >= {
        (wang.id, "sent"), (zhao.id, "sent"), (qian.id, "sent")
    }
    assert zhang.id not in {d["chat_id"] for d in sent}
    assert not e2e.db("SELECT key FROM deliveries WHERE key = 'report_nudge:2027-03-08'")
    for staff in (wang, zhao, qian):
        assert len([m for m in staff.messages if "未处理" in text_of(m)]) == 1
