"""The check-in writer: group commit of check-ins, one transaction per batch.

Every check-in that arrives while a batch is being written joins the next batch, and each
caller's await returns after its batch has committed. Whether a check-in counts (window, policy,
location, already checked in) is decided inside that transaction, so it cannot race with a
duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence

from bot.attendance.outcomes import CheckInResult
from bot.attendance.rules import AttendanceRules, CheckInRequest, judge_check_in
from domain.models import CheckIn
from storage.attendance import AttendanceRepository
from storage.db import Database

log = logging.getLogger(__name__)

# Check-ins written in one transaction at most.
MAX_BATCH = 500

_Pending = tuple[CheckInRequest, "asyncio.Future[CheckInResult]"]


class CheckInWriter:
    """Group commit of check-ins: one transaction per batch of those that arrived together.

    `submit` queues a check-in and returns once the transaction holding it has committed. The
    first caller starts a drain task; everything queued while a batch is being written forms
    the next batch. A batch that fails is retried one check-in at a time, so one bad check-in
    fails alone.
    """

    def __init__(self, db: Database, rules: AttendanceRules, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.rules = rules
        self.max_batch = max_batch
        self._queue: deque[_Pending] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self.batches = 0  # transactions written, for the benchmark's report

    async def submit(self, request: CheckInRequest) -> CheckInResult:
        future: asyncio.Future[CheckInResult] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain(), name="check-in writer")
        return await future

    async def wait_idle(self) -> None:
        """Return once every queued check-in has been written."""
        while self._drainer is not None:
            await asyncio.shield(self._drainer)

    async def _drain(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._queue:
                size = min(self.max_batch, len(self._queue))
                batch = [self._queue.popleft() for _ in range(size)]
                await self._write(batch)
                batch = []
        finally:
            self._drainer = None
            stranded = batch + list(self._queue)
            self._queue.clear()
            for _, future in stranded:
                if not future.done():
                    future.set_exception(RuntimeError("the check-in writer stopped"))

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            results = await self._write_batch([request for request, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                log.exception("check-in not written")
                if not batch[0][1].done():
                    batch[0][1].set_exception(exc)
                return
            log.warning("a batch of %d check-ins failed; writing them one by one", len(batch))
            for pending in batch:
                await self._write([pending])
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # the caller may have given up waiting
                future.set_result(result)

    async def _write_batch(self, requests: Sequence[CheckInRequest]) -> list[CheckInResult]:
        results: list[CheckInResult] = []
        async with self.db.transaction() as conn:
            events = await AttendanceRepository.events_in(conn, {r.event_id for r in requests})
            earlier = await AttendanceRepository.existing_checkins(
                conn, events.keys(), {r.member.id for r in requests}
            )
            new: list[CheckIn] = []
            actors: list[int | None] = []
            for request in requests:
                key = (request.event_id, request.member.id)
                result = judge_check_in(
                    request, events.get(request.event_id), earlier.get(key), self.rules
                )
                if result.checkin is not None and result.recorded:
                    earlier[key] = result.checkin  # a duplicate later in this batch is ALREADY
                    new.append(result.checkin)
                    actors.append(request.actor_tg_id)
                results.append(result)
            if new:
                stored = await AttendanceRepository.insert_checkins(conn, new, actors)
                if stored != len(new):
                    raise RuntimeError(f"{len(new) - stored} check-ins were stored meanwhile")
        self.batches += 1
        return results
