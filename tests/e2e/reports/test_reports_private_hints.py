"""Public-opinion reports, end to end: what a member is told around writing (#19 item 6).

/cancel while writing says the draft is kept and /report resumes it; a photo sent in private
chat outside /report gets a hint where photos belong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.botapi import BotApiServer, Limits
from tests.e2e.harness import E2E, ErrorLog, InProcessBot
from tests.e2e.reports.test_reports import BOT_LIMITS, PNG, bind_all, expect, text_of


@pytest.fixture
def limits() -> Limits:
    return Limits.off()


@pytest.fixture
def e2e(server: BotApiServer, tmp_path: Path, error_log: ErrorLog) -> E2E:
    return E2E(server, tmp_path, limits=BOT_LIMITS)


async def test_cancel_while_writing_says_the_draft_is_kept(e2e: E2E, bot: InProcessBot) -> None:
    people = await bind_all(e2e)
    zhang = people["张三"]
    await zhang.send("/report")
    await expect(zhang, "标题")
    await zhang.send("关于加装电梯的建议")
    await expect(zhang, "类别")
    await zhang.send("/cancel")
    kept = await expect(zhang, "已退出", "草稿已保存", "/report")
    assert "取消" not in text_of(kept)
    assert [r["title"] for r in e2e.db("SELECT title FROM reports")] == ["关于加装电梯的建议"]
    await zhang.send("/report")  # resumes it
    await expect(zhang, "关于加装电梯的建议")

    await zhang.send("/cancel")
    await zhang.next_message()
    await zhang.send("/cancel")  # nothing under way any more
    await expect(zhang, "当前没有进行中的操作")


async def test_a_photo_outside_report_gets_a_hint(e2e: E2E, bot: InProcessBot) -> None:
    people = await bind_all(e2e)
    zhang = people["张三"]
    await zhang.send_photo(PNG)
    hint = await expect(zhang, "/report", "社情民意信息")
    assert "未能识别" not in text_of(hint)
    assert e2e.db("SELECT id FROM reports") == []
    await zhang.send("/lang en")
    await zhang.next_message()
    await zhang.send_photo(PNG)
    await expect(zhang, "/report", "report")
