"""The outbound gates: at most N per window, interactive before bulk, 429 pauses and retries."""

import asyncio
import itertools
import time

from telegram.error import RetryAfter

from bot.telegram.ratelimit import Priority, PriorityGate, PriorityRateLimiter


async def test_window_is_respected() -> None:
    gate = PriorityGate(count=5, period=0.3)
    stamps: list[float] = []

    async def take() -> None:
        await gate.acquire(Priority.BULK)
        stamps.append(time.monotonic())

    await asyncio.gather(*(take() for _ in range(12)))
    stamps.sort()
    for i in range(len(stamps) - 5):
        assert stamps[i + 5] - stamps[i] >= 0.29  # never six inside one window


async def test_spacing_spreads_a_window_evenly() -> None:
    gate = PriorityGate(count=10, period=0.2, spacing=0.02)
    stamps: list[float] = []

    async def take() -> None:
        await gate.acquire(Priority.BULK)
        stamps.append(time.monotonic())

    await asyncio.gather(*(take() for _ in range(25)))
    stamps.sort()
    # not a burst of ten, then a wait: one every 20 ms, the lateness of waking not added up
    assert all(b - a >= 0.009 for a, b in itertools.pairwise(stamps))
    assert stamps[-1] - stamps[0] < 24 * 0.02 + 0.1


async def test_interactive_goes_before_waiting_bulk() -> None:
    gate = PriorityGate(count=1, period=0.05)
    order: list[str] = []

    async def take(label: str, priority: Priority) -> None:
        await gate.acquire(priority)
        order.append(label)

    await gate.acquire(Priority.BULK)  # use up the window
    tasks = [asyncio.create_task(take(f"bulk{i}", Priority.BULK)) for i in range(3)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(take("reply", Priority.INTERACTIVE)))
    await asyncio.gather(*tasks)
    assert order[0] == "reply"
    assert order[1:] == ["bulk0", "bulk1", "bulk2"]


async def test_group_limit_and_retry_after() -> None:
    limiter = PriorityRateLimiter(
        messages_per_second=100, group_messages_per_minute=20, private_messages_per_second=50
    )
    calls: list[float] = []
    failures = {"left": 1}

    async def send() -> bool:
        calls.append(time.monotonic())
        if failures["left"]:
            failures["left"] -= 1
            raise RetryAfter(1)
        return True

    started = time.monotonic()
    result = await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert result is True
    assert len(calls) == 2
    assert calls[1] - started >= 0.95  # waited retry_after before trying again

    # 20 into one group go at once; the 21st would wait a minute
    group_calls: list[float] = []

    async def send_group() -> bool:
        group_calls.append(time.monotonic())
        return True

    tasks = [
        asyncio.create_task(
            limiter.process_request(send_group, (), {}, "sendMessage", {"chat_id": -100}, None)
        )
        for _ in range(21)
    ]
    await asyncio.sleep(0.3)
    assert len(group_calls) == 20
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_getters_are_not_gated() -> None:
    limiter = PriorityRateLimiter(messages_per_second=1)
    count = 0

    async def answer() -> bool:
        nonlocal count
        count += 1
        return True

    await asyncio.gather(
        *(
            limiter.process_request(answer, (), {}, "answerCallbackQuery", {}, None)
            for _ in range(50)
        )
    )
    assert count == 50
