"""Attendance, end to end: small things members type in private chat (#19 item 6).

A code typed with full-width digits after /checkin checks in; /leave after checking in says
at once that no leave is needed (no reason is asked for); 请假 and 帮助 typed as words are
/leave and /help, unless a guided conversation is waiting for an answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.e2e.attendance_world import (
    World,
    announcement,
    code,
    create_event,
    expect,
    make_world,
)
from tests.e2e.harness import E2E

FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
async def world(e2e: E2E) -> AsyncIterator[World]:
    made = await make_world(e2e)
    try:
        yield made
    finally:
        await made.bot.stop()


def open_conversations(world: World) -> list[str]:
    return [str(r["kind"]) for r in world.e2e.db("SELECT kind FROM conversations")]


async def test_full_width_code_and_leave_after_checking_in(world: World) -> None:
    e2e = world.e2e
    event_id = await create_event(e2e, "读书分享会")
    await announcement(world.chat1, event_id)
    typed = (await code(e2e, event_id)).translate(FULL_WIDTH_DIGITS)
    await world.zhang.send(f"/checkin {typed}")
    await expect(world.zhang, "读书分享会", "签到成功")
    assert world.checkins(event_id)["张三"]["method"] == "code"

    await world.zhang.send(f"/leave {event_id}")
    await expect(world.zhang, "您已经签到了，无需请假")
    assert open_conversations(world) == []  # no reason is waited for
    await world.zhang.send("家中有事")
    await expect(world.zhang, "未能识别您的消息")
    assert e2e.db("SELECT id FROM leave_requests") == []


async def test_the_words_leave_and_help_in_private(world: World) -> None:
    event_id = await create_event(world.e2e, starts_in=timedelta(hours=3))
    await announcement(world.chat1, event_id)
    wang = world.wang
    answers = {}
    for command, word in (("/leave", "请假"), ("/help", "帮助")):
        await wang.send(command)
        by_command = await expect(wang)
        await wang.send(f" {word} ")
        by_word = await expect(wang)
        assert (by_word.text, by_word.button_texts) == (by_command.text, by_command.button_texts)
        answers[word] = by_word
    assert f"请假（活动编号{event_id}）" in answers["请假"].button_texts
    assert "/report" in (answers["帮助"].text or "")

    # inside a guided conversation the word is its answer: here, the reason for leave
    await wang.send(f"/leave {event_id}")
    await expect(wang, "请输入请假事由")
    await wang.send("请假")
    await expect(wang, "的请假申请", "请等候组长审批")
    await world.stranger.send("请假")  # not bound: told to bind, as /leave tells them
    await expect(world.stranger, "您还没有绑定账号")
