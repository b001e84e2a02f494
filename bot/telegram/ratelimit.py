"""The outbound rate limiter every Bot API call passes through: Telegram's limits, by priority.

Interactive replies (answers to what a user just did) go before bulk pushes (reminders,
announcements): each gate serves its waiters by priority, then first come first served.
Limits: all chats together per second (granted evenly spaced, not in bursts), one group per
minute, one private chat per second. A 429 from the server pauses that chat for
`retry_after` seconds and the call is retried.

The gates read monotonic time and wait through the `clock` and `sleep` they are given
(`time.monotonic` and `asyncio.sleep` unless told otherwise), so a test can move time by hand
and watch a minute's window pass without waiting a minute.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from storage.db import refuse_inside_write_transaction

log = logging.getLogger(__name__)


class Priority(IntEnum):
    """Lower goes first."""

    INTERACTIVE = 0
    BULK = 1


# Methods that put or change a message in a chat; everything else passes ungated.
_COUNTED_PREFIXES = ("send", "edit", "copy", "forward", "stop")
_MAX_RETRIES = 5
# Telegram counts a call when it arrives, the gates when it leaves; calls sent at exactly the
# limit arrive bunched by network jitter and some are refused with 429 (in the check-in burst
# benchmark, 153 of 1,153 confirmations at 30 per 1.0 s). The gates count over windows this much
# longer than Telegram's.
_WINDOW_MARGIN = 1.05

# Monotonic seconds, and a wait of so many of them.
MonotonicClock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def seconds_of(period: float | timedelta) -> float:
    """A duration from PTB (seconds or timedelta) in seconds."""
    return period.total_seconds() if isinstance(period, timedelta) else float(period)


def _counts(endpoint: str) -> bool:
    return endpoint.lower().startswith(_COUNTED_PREFIXES) and endpoint != "sendChatAction"


class PriorityGate:
    """At most `count` grants in any `period` seconds, and `spacing` seconds at least between
    two; waiters served lowest priority first."""

    def __init__(
        self, count: int, period: float, spacing: float = 0.0, *,
        clock: MonotonicClock = time.monotonic, sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.count = count
        self.period = period
        self.spacing = spacing
        self._clock = clock
        self._sleep = sleep
        self._last = float("-inf")
        self._granted: deque[float] = deque()
        self._paused_until = 0.0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None

    @property
    def idle(self) -> bool:
        self._expire(self._clock())
        return not self._waiters and not self._granted

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _expire(self, now: float) -> None:
        while self._granted and self._granted[0] <= now - self.period:
            self._granted.popleft()

    async def acquire(self, priority: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve())
        await future

    async def _serve(self) -> None:
        while self._waiters:
            now = self._clock()
            self._expire(now)
            if now < self._paused_until:
                await self._sleep(self._paused_until - now)
                continue
            if len(self._granted) >= self.count:
                await self._sleep(max(self._granted[0] + self.period - now, 0.001))
                continue
            if now < self._last + self.spacing:
                await self._sleep(self._last + self.spacing - now)
                continue
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                self._granted.append(now)
                # on a grid: the event loop's lateness in waking is not added to each spacing
                self._last = max(now - self.spacing / 2, self._last + self.spacing)
                future.set_result(None)


class PriorityRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """PTB rate limiter: global, per-group and per-private-chat gates, priority-ordered."""

    def __init__(
        self,
        messages_per_second: float = 30.0,
        group_messages_per_minute: int = 20,
        private_messages_per_second: float = 1.0,
        *,
        clock: MonotonicClock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        count = max(1, int(messages_per_second))
        # evenly spaced: a window's worth granted at once arrives as a burst whose spread
        # varies, and the next burst's first calls then land inside Telegram's window
        self._global = PriorityGate(count, _WINDOW_MARGIN, spacing=_WINDOW_MARGIN / count,
                                    clock=clock, sleep=sleep)
        self._group_count = group_messages_per_minute
        # a private chat: one a second on average, in bursts of up to three
        self._private_count = 3
        self._private_period = _WINDOW_MARGIN * 3.0 / private_messages_per_second
        self._chats: dict[int | str, PriorityGate] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _chat_gate(self, chat_id: int | str) -> PriorityGate:
        gate = self._chats.get(chat_id)
        if gate is None:
            if len(self._chats) > 10_000:
                self._chats = {k: g for k, g in self._chats.items() if not g.idle}
            is_group = isinstance(chat_id, str) or chat_id < 0
            gate = (
                PriorityGate(self._group_count, _WINDOW_MARGIN * 60.0,
                             clock=self._clock, sleep=self._sleep)
                if is_group
                else PriorityGate(self._private_count, self._private_period,
                                  clock=self._clock, sleep=self._sleep)
            )
            self._chats[chat_id] = gate
        return gate

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        # Every Bot API call but getUpdates comes through here (ExtBot sends them so) before
        # any wait: none may wait on a gate or the network while its task holds the database's
        # write lock. Refused here, and not in the transport below, where PTB would turn the
        # error into a NetworkError that callers take for Telegram being away.
        refuse_inside_write_transaction(f"the Bot API call {endpoint}")
        priority = int((rate_limit_args or {}).get("priority", Priority.INTERACTIVE))
        chat_id = data.get("chat_id")
        counted = _counts(endpoint) and chat_id is not None
        for attempt in range(_MAX_RETRIES + 1):
            if counted:
                assert chat_id is not None
                await self._chat_gate(chat_id).acquire(priority)
                await self._global.acquire(priority)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = seconds_of(exc.retry_after)
                if attempt == _MAX_RETRIES:
                    raise
                log.warning("flood limit on %s, waiting %.0f s", endpoint, seconds)
                if counted:
                    assert chat_id is not None
                    self._chat_gate(chat_id).pause(float(seconds))
                else:
                    await self._sleep(float(seconds))
        raise AssertionError("unreachable")
