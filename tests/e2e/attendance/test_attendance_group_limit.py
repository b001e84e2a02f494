"""Telegram's limit of 20 messages a minute into one group, end to end: 24 events for one group
are created within seconds, so the bot has more than 20 announcements to post into its chat
within a minute. With the test server enforcing Telegram's limits (and the bot on its product
defaults), not one call is refused with 429: twenty messages go at once and the rest wait
until the minute has passed.

This takes a little over a minute: both the bot's window and the server's are a minute long
whatever the count, so a smaller count on both sides would not make it shorter; the test keeps
Telegram's 20 on both.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.e2e.attendance_world import create_event, crowd, crowd_chat
from tests.e2e.harness import E2E, wait_until

EVENTS = 24
GROUP_PER_MINUTE = 20  # Telegram's, the server's Limits() and the bot's [limits] default


@pytest.mark.timeout(240)
async def test_more_than_20_announcements_into_one_group_spread_over_the_minute(
    e2e: E2E,
) -> None:
    server = e2e.server
    assert server.limits.flood_control and server.limits.group_per_minute == GROUP_PER_MINUTE
    phones = await crowd(e2e, 3)
    bot = await e2e.start_bot()
    try:
        chat = await crowd_chat(e2e, phones)
        loop = asyncio.get_running_loop()
        started = loop.time()
        for number in range(1, EVENTS + 1):
            await create_event(e2e, f"第{number}次读书会", starts_in=timedelta(hours=3 * number))
        assert loop.time() - started < 20  # all of them wanted in the chat within a minute

        def announcements() -> int:
            return sum("活动通知（活动编号" in str(c.params.get("text", ""))
                       for c in server.calls_for("sendMessage", chat_id=chat.id, ok=True))

        await wait_until(server, lambda: announcements() == EVENTS,
                         f"all {EVENTS} announcements are posted", timeout=150)
    finally:
        await bot.stop()

    flooded = [(c.method, c.chat_id, c.description) for c in server.calls if c.error_code == 429]
    assert flooded == []
    refused = [(c.method, c.description) for c in server.calls
               if c.chat_id == chat.id and not c.ok]
    assert refused == []
    into_chat = sorted(c.time for c in server.calls
                       if c.chat_id == chat.id and c.ok
                       and c.method.lower().startswith(("send", "edit")))
    assert len(into_chat) > GROUP_PER_MINUTE
    assert server.max_calls_in_window(60, chat_id=chat.id) <= GROUP_PER_MINUTE
    # the first twenty at once, the rest only once the minute since the first has passed
    assert into_chat[GROUP_PER_MINUTE - 1] - into_chat[0] < 10
    assert into_chat[GROUP_PER_MINUTE] - into_chat[0] >= 60
    print(f"{len(into_chat)} messages into the group over "
          f"{into_chat[-1] - into_chat[0]:.1f} s, at most "
          f"{server.max_calls_in_window(60, chat_id=chat.id)} in any minute, no 429")
