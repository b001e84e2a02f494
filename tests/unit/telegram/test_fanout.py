"""The one fan-out of scheduled sends (bot/telegram/fanout.py): never more than PARALLEL pushes
in flight, over all its runs; a push refused with 429 tried again after the wait; and a stop
that lets the pushes in flight finish and starts no other."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.telegram.fanout import PARALLEL, RETRY_AFTER_SECONDS, FanOut, Push, Stopping
from bot.telegram.sender import Delivery, Sender
from storage.db import Database
from storage.deliveries import DeliveryRepository


@dataclass
class Pushes:
    """Stand-in pushes that count how many are in flight; each waits for `release`."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0
    most_in_flight: int = 0
    started: int = 0
    finished: int = 0

    def make(self, count: int) -> list[Push]:
        return [self._push for _ in range(count)]

    async def _push(self) -> Delivery:
        self.started += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.release.wait()
            await asyncio.sleep(0)
        finally:
            self.in_flight -= 1
        self.finished += 1
        return Delivery.SENT


async def until(condition: Callable[[], bool]) -> None:
    """Let the event loop run until `condition` holds (a few thousand turns at most)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("never came true")


async def test_no_more_than_parallel_pushes_are_in_flight_over_all_runs() -> None:
    fanout, pushes = FanOut(), Pushes()
    runs = [asyncio.create_task(fanout.push_all(pushes.make(3 * PARALLEL))) for _ in range(2)]
    await until(lambda: pushes.in_flight == PARALLEL)
    for _ in range(10):  # the others wait, however long the ones in flight take
        await asyncio.sleep(0)
    assert pushes.started == PARALLEL
    pushes.release.set()
    totals = await asyncio.gather(*runs)
    assert totals == [Counter({Delivery.SENT: 3 * PARALLEL})] * 2
    assert pushes.most_in_flight == PARALLEL


@dataclass(frozen=True)
class SentMessage:
    message_id: int


@dataclass
class FloodedBot:
    """Stands in for the ExtBot: the first send is refused with 429 (past the rate limiter's
    own retries), the next ones arrive."""

    calls: int = 0

    async def send_message(self, chat_id: int, text: str, **_: Any) -> SentMessage:
        self.calls += 1
        if self.calls == 1:
            raise RetryAfter(3)
        return SentMessage(self.calls)


async def test_a_push_refused_with_429_is_sent_after_the_wait(db: Database) -> None:
    bot = FloodedBot()
    sender = Sender(cast(ExtBot[Any], bot), DeliveryRepository(db))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    fanout = FanOut(sleep=sleep)
    total = await fanout.push_all([partial(sender.push, "reminder:1", 42, "hello")])
    assert total == {Delivery.SENT: 1}  # counted by its last try
    assert waits == [RETRY_AFTER_SECONDS[0]] and bot.calls == 2
    rows = await db.fetch_all("SELECT status, attempts FROM deliveries WHERE key = 'reminder:1'")
    assert [(row["status"], row["attempts"]) for row in rows] == [("sent", 2)]


async def test_a_stop_lets_the_pushes_in_flight_finish_and_starts_no_other() -> None:
    fanout, pushes = FanOut(), Pushes()
    ended: list[Counter[Delivery]] = []

    async def run() -> None:
        ended.append(await fanout.push_all(pushes.make(3 * PARALLEL)))

    fanout.start("run:1", run())
    await until(lambda: pushes.in_flight == PARALLEL)
    stopping = asyncio.create_task(fanout.stop())
    await until(fanout.stopping.is_set)
    assert not stopping.done()  # it waits for the pushes in flight
    pushes.release.set()
    await stopping
    assert pushes.finished == pushes.started == PARALLEL  # the rest were never started
    assert ended == [] and not fanout.running("run:1")  # the run ended with Stopping


async def test_a_stop_cancels_what_has_not_finished_when_the_drain_is_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fanout, pushes = FanOut(drain_seconds=0.05), Pushes()
    fanout.start("run:1", fanout.push_all(pushes.make(2 * PARALLEL)))
    await until(lambda: pushes.in_flight == PARALLEL)
    await fanout.stop()  # the pushes in flight are never released
    assert pushes.started == PARALLEL and pushes.finished == 0 and pushes.in_flight == 0
    assert not fanout.running("run:1")
    assert "failed" not in caplog.text  # a stop is no failure


async def test_a_run_started_once_per_key_and_its_stopping_is_no_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fanout = FanOut()

    async def stopped() -> None:
        raise Stopping

    async def broken() -> None:
        raise ValueError("broken")

    fanout.start("a", stopped())
    fanout.start("b", broken())
    assert fanout.running("a") and fanout.running("b")
    await until(lambda: not fanout.running("a") and not fanout.running("b"))
    await asyncio.sleep(0)
    assert "fan-out failed" in caplog.text and "broken" in caplog.text
    assert caplog.text.count("failed") == 1
