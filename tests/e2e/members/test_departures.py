"""Departures, end to end: a member deactivated with `liaison-bot members deactivate` can no
longer act in the bot, whatever they send or press, and is told why and whom to ask."""

from __future__ import annotations

from tests.e2e.harness import E2E, InProcessBot, bind, snapshot

ROSTER = [
    ("张三", "13800000001", "经济界", "第一活动组", "member"),
    ("钱七", "13800000005", "医卫界", "第一活动组", "member"),
    ("王五", "13800000003", "", "", "staff"),
]
DEPARTED = "您已不在委员名册中"


async def test_a_deactivated_member_cannot_act(e2e: E2E, bot: InProcessBot) -> None:
    await e2e.import_roster(ROSTER)
    qian, wang = e2e.user("Qian", "13800000005"), e2e.user("Wang", "13800000003")
    await bind(qian)
    await bind(wang)

    result = await e2e.cli("members", "deactivate", "13800000005")
    assert result.returncode == 0, result.output
    assert result.stdout == "钱七（13800000005）：已停用\n"
    before = snapshot(e2e.db_path)

    for said in ("/help", "/start", "/report", "/myreports", "你好"):
        await qian.send(said)
        answer = await qian.next_message()
        assert DEPARTED in (answer.text or ""), (said, answer.text)
        assert "联系政协机关" in (answer.text or "")
    await qian.share_contact()
    assert DEPARTED in ((await qian.next_message()).text or "")
    assert snapshot(e2e.db_path) == before

    # the English client is told in English
    result = await e2e.cli("members", "deactivate", "13800000003", "--lang", "en")
    assert result.returncode == 0, result.output
    assert result.stdout == "王五 (13800000003): deactivated\n"
    wang.language_code = "en"
    await wang.send("/review")
    assert "no longer on the roster" in ((await wang.next_message()).text or "")
