"""The outbound gates: at most N per window, interactive before bulk, 429 pauses and retries;
on a clock the test moves by hand, Telegram's group limit of 20 a minute holds the 21st message
until the minute has passed while other chats go on."""

import asyncio
import heapq
import itertools
import time
from collections import defaultdict

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


# -- Telegram's limits on a clock moved by hand -------------------------------------------------
class MovedClock:
    """Monotonic time that stands still until the test moves it; a gate waiting on it wakes
    when the clock reaches the end of its wait, and not before."""

    def __init__(self) -> None:
        self.now = 10_000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), woken))
        await woken

    async def advance_to(self, moment: float) -> None:
        """Move on to `moment`, waking each sleeper at its own time, in order, and letting
        what it starts run before the clock moves on."""
        await _settle()
        while self._sleepers and self._sleepers[0][0] <= moment:
            at, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            if not woken.done():
                woken.set_result(None)
            await _settle()
        self.now = max(self.now, moment)
        await _settle()


async def _settle() -> None:
    """Let every task that can run, run (no real time passes; the clock does not move)."""
    for _ in range(50):
        await asyncio.sleep(0)


GROUP, OTHER_GROUP, PRIVATE = -1001, -1002, 42


async def test_the_21st_message_into_a_group_waits_out_the_minute() -> None:
    clock = MovedClock()
    limiter = PriorityRateLimiter(clock=clock, sleep=clock.sleep)  # Telegram's limits
    sent: dict[int, list[float]] = defaultdict(list)

    def post(chat_id: int, count: int) -> list[asyncio.Task[object]]:
        async def send() -> bool:
            sent[chat_id].append(clock.now)
            return True

        return [
            asyncio.create_task(limiter.process_request(
                send, (), {}, "sendMessage", {"chat_id": chat_id},
                {"priority": Priority.BULK},
            ))
            for _ in range(count)
        ]

    start = clock.now
    tasks = post(GROUP, 25)
    await clock.advance_to(start + 5)
    assert len(sent[GROUP]) == 20  # twenty go out at once (the overall 30/s spaces them)
    # while the group waits, another group and a private chat go on
    tasks += post(OTHER_GROUP, 5) + post(PRIVATE, 3)
    await clock.advance_to(start + 10)
    assert len(sent[OTHER_GROUP]) == 5 and len(sent[PRIVATE]) == 3
    tasks += post(PRIVATE, 3)
    await clock.advance_to(start + 20)
    assert len(sent[PRIVATE]) == 6
    # the minute has passed since the first of the twenty: the 21st is held still
    await clock.advance_to(sent[GROUP][0] + 60)
    assert len(sent[GROUP]) == 20
    # past the gate's window (a minute and a margin) the other five go
    await clock.advance_to(start + 70)
    assert len(sent[GROUP]) == 25
    await asyncio.gather(*tasks)
    times = sent[GROUP]
    assert all(times[i + 20] - times[i] >= 60 for i in range(len(times) - 20))
