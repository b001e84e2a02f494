"""The bot's job queue: a repeating job never runs alongside itself, and saying so is not a
warning.

With PTB's JobQueue a run that outlasts its interval (a reminders tick during a slow Bot API, a
QR refresh waiting on a 429) makes APScheduler skip the next run and log a WARNING
"Execution of job … skipped: maximum number of running instances reached (1)" each time: the
log fills with a harmless event. Here each repeating job lets the scheduler start a run while
one is still going, and that run returns at once (noted at DEBUG): still one run at a time,
and APScheduler's other warnings (a run missed by more than its grace time, a failed job) are
left as they are.
"""

from __future__ import annotations

import datetime as dtm
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram.ext import CallbackContext, Job, JobQueue

log = logging.getLogger(__name__)

# Runs of one job APScheduler may have started at once: the one going on, and the ones that
# return at once because of it (one each time the scheduler wakes while it goes on). More than
# needed, so that the scheduler's own refusal (the WARNING) never comes.
_STARTED_AT_ONCE = 10

CCT = TypeVar("CCT", bound="CallbackContext[Any, Any, Any, Any]")
JobCallback = Callable[[CCT], Coroutine[Any, Any, Any]]


class NonOverlappingJobQueue(JobQueue[CCT]):
    """A JobQueue whose repeating jobs skip a run, quietly, while the previous one goes on."""

    def run_repeating(
        self,
        callback: JobCallback[CCT],
        interval: float | dtm.timedelta,
        first: float | dtm.timedelta | dtm.datetime | dtm.time | None = None,
        last: float | dtm.timedelta | dtm.datetime | dtm.time | None = None,
        data: object | None = None,
        name: str | None = None,
        chat_id: int | None = None,
        user_id: int | None = None,
        job_kwargs: dict[str, Any] | None = None,
    ) -> Job[CCT]:
        return super().run_repeating(
            _one_at_a_time(callback, name or callback.__name__), interval, first=first,
            last=last, data=data, name=name, chat_id=chat_id, user_id=user_id,
            job_kwargs={"max_instances": _STARTED_AT_ONCE, **(job_kwargs or {})},
        )


def _one_at_a_time(callback: JobCallback[CCT], name: str) -> JobCallback[CCT]:
    running = False

    @functools.wraps(callback)
    async def alone(context: CCT) -> Any:
        nonlocal running
        if running:
            log.debug("job %s: the previous run is still going; this one is skipped", name)
            return None
        running = True
        try:
            return await callback(context)
        finally:
            running = False

    return alone

