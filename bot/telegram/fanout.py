"""The one fan-out of scheduled sends (a reminder's occurrence, the supervision reminder, the
weekly digest, the notices of a changed event): many pushes through the one sender, at most
PARALLEL in flight at once, those that failed for a passing reason tried again, and one way
to stop that every user of it shares.

- **In flight.** One bound per `FanOut`, over all its runs: the rate limiter sets the real
  pace (30 messages per 1.05 s), and at about 0.15 s a push (a 100 ms call and its records)
  five keep it busy; ten leave room for a slower network or database
  (benchmarks/reminder_fanout: 0.94 of 30/s with 10, where the limiter's ceiling is 0.95).
  After a SIGKILL only the pushes in flight can have gone out unrecorded: at most PARALLEL
  (the README's "at most 10, the pushes at once").
- **Retries.** A 429 is waited out by the rate limiter (it pauses the chat for
  `retry_after` and calls again); a push that still fails for a passing reason (a 5xx, or
  429s past the limiter's retries) ends as `Delivery.FAILED` and is tried again after each
  of RETRY_AFTER_SECONDS; the result counts it by its last try.
- **Stop.** `stop()` lets no new push start (the run raises `Stopping`), gives the pushes in
  flight DRAIN_SECONDS to finish and be recorded, then cancels what is left; the runs are
  resumed at the next start from the deliveries on record.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.telegram.ratelimit import Sleep
from bot.telegram.sender import Delivery

log = logging.getLogger(__name__)

# Pushes in flight at once, over all runs of one fan-out (see the module's docstring).
PARALLEL = 10
# Waits before the second and third try of pushes that failed for a passing reason.
RETRY_AFTER_SECONDS = (2.0, 10.0)
# At a stop no new push starts and those in flight get this long to finish (an HTTP call is
# bounded by [telegram] request_timeout): a clean stop leaves none unrecorded.
DRAIN_SECONDS = 12.0

# One push: a send through the sender (its key and chat decided), and what it ended as.
Push = Callable[[], Awaitable[Delivery]]


class Stopping(Exception):
    """The bot is stopping: the run ends here and is resumed at the next start."""


@dataclass
class FanOut:
    """The pushes of one user (a capability's scheduled runs), bounded together, and its runs
    in the background: one per key, each started once, all drained by `stop()`."""

    name: str = "fan-out"  # in the log, when a run fails
    sleep: Sleep = asyncio.sleep
    drain_seconds: float = DRAIN_SECONDS
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(PARALLEL))
    _runs: dict[Hashable, asyncio.Task[Any]] = field(default_factory=dict)

    async def push_all(self, pushes: Sequence[Push]) -> Counter[Delivery]:
        """Every push, those that failed tried again; what each ended as (by its last try).
        Once stopping, no push starts: those in flight finish, then Stopping is raised."""
        ended = await self._each(pushes)
        for wait in RETRY_AFTER_SECONDS:
            failed = [p for p, d in zip(pushes, ended, strict=True) if d is Delivery.FAILED]
            if not failed:
                break
            await self.sleep(wait)
            again = iter(await self._each(failed))
            ended = [next(again) if d is Delivery.FAILED else d for d in ended]
        return Counter(ended)

    async def _each(self, pushes: Sequence[Push]) -> list[Delivery]:
        ended = await asyncio.gather(*(self._one(p) for p in pushes), return_exceptions=True)
        for result in ended:
            if isinstance(result, BaseException):
                raise result
        return [d for d in ended if isinstance(d, Delivery)]

    async def _one(self, push: Push) -> Delivery:
        async with self._slots:
            if self.stopping.is_set():
                raise Stopping
            return await push()

    def running(self, key: Hashable) -> bool:
        """A run under `key` is under way (it is not started twice)."""
        return key in self._runs

    def start(self, key: Hashable, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` in the background under `key`, until it ends or `stop()`."""
        task = asyncio.create_task(work, name=f"{self.name} {key}")
        self._runs[key] = task
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        """A run ended (done, failed, stopped or cancelled): it may be started again."""
        for key, running in list(self._runs.items()):
            if running is task:
                del self._runs[key]
        if not task.cancelled() and not isinstance(task.exception(), Stopping | None):
            log.error("%s failed", self.name, exc_info=task.exception())

    async def stop(self) -> None:
        """No new push starts; the runs get `drain_seconds` to finish the pushes in flight
        (and end with Stopping), then what is left is cancelled."""
        self.stopping.set()
        runs = list(self._runs.values())
        if runs:
            await asyncio.wait(runs, timeout=self.drain_seconds)
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
