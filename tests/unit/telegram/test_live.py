"""Live messages: a burst of changes costs a few edits and ends on the final figure."""

import asyncio

from telegram.ext import ExtBot

from bot.telegram.live import LiveMessages, Rendered
from bot.telegram.ratelimit import PriorityRateLimiter
from tests.botapi import BotApiServer


async def test_burst_is_coalesced_and_ends_on_the_final_count(server: BotApiServer) -> None:
    leader = server.add_user("Leader")
    group = server.add_group("一组", members=[leader], admins=[leader])
    await group.add_bot(by=leader, as_admin=True)
    bot = ExtBot(server.token, base_url=server.base_url, rate_limiter=PriorityRateLimiter())
    count = 0

    async def render() -> Rendered:
        return f"已签到 {count} / 应到 200", None

    async with bot:
        sent = await bot.send_message(group.id, "已签到 0 / 应到 200")
        live = LiveMessages(bot, min_interval=0.25)
        for _ in range(200):
            count += 1
            live.touch(group.id, sent.message_id, render)
            await asyncio.sleep(0.005)  # 200 presses over about a second
        await live.flush()
    edits = server.calls_for("editMessageText", chat_id=group.id)
    assert 2 <= len(edits) <= 1.5 / 0.25 + 2
    assert live.edits == len(edits)
    await group.wait_for(lambda m: m.text == "已签到 200 / 应到 200", timeout=2)


async def test_nothing_to_change_sends_nothing(server: BotApiServer) -> None:
    alice = server.add_user("Alice")
    await alice.start()
    bot = ExtBot(server.token, base_url=server.base_url, rate_limiter=PriorityRateLimiter())

    async def same() -> Rendered:
        return "fixed", None

    async def gone() -> Rendered:
        return None

    async with bot:
        sent = await bot.send_message(alice.chat_id, "fixed")
        live = LiveMessages(bot, min_interval=0.01)
        live.touch(alice.chat_id, sent.message_id, same)  # Telegram: "message is not modified"
        await live.flush()
        live.touch(alice.chat_id, sent.message_id, same)  # known to be shown already: no call
        live.touch(alice.chat_id, sent.message_id, gone)
        await live.flush()
    assert len(server.calls_for("editMessageText")) == 1
    assert live.edits == 0
