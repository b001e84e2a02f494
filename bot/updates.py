"""Receiving updates: long polling that confirms an update only after it was handled.

Stock PTB confirms a batch with the next getUpdates, before its updates are handled, so a
crash loses them. Here the offset sent to the Bot API is the lowest update id still being
handled, so anything unfinished is delivered again after a restart. Updates of different
users run concurrently; those of one user (or one chat, when there is no user) in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.ratelimit import seconds_of

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
_MAX_BACKOFF = 60.0
_BATCH = 100  # getUpdates' largest limit
_REFETCH_PAUSE = 0.2  # seconds; the longest a newer update waits to be seen meanwhile


def ordering_key(update: Update) -> int:
    """Updates with the same key are handled one after another."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.update_id


class UpdateDispatcher:
    """Runs updates concurrently across keys, in order within a key, at most N at once."""

    def __init__(self, handle: Callable[[Update], Awaitable[None]], max_concurrent: int) -> None:
        self._handle = handle
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tails: dict[int, asyncio.Task[None]] = {}
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.done: set[int] = set()

    def known(self, update_id: int) -> bool:
        return update_id in self.in_flight or update_id in self.done

    def submit(self, update: Update) -> None:
        key = ordering_key(update)
        previous = self._tails.get(key)
        task = asyncio.create_task(self._run(update, previous), name=f"update-{update.update_id}")
        self._tails[key] = task
        self.in_flight[update.update_id] = task
        update_id = update.update_id
        task.add_done_callback(lambda done: self._finished(done, key, update_id))

    async def _run(self, update: Update, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        async with self._slots:
            try:
                await self._handle(update)
            except Exception:  # the handler's own error handling failed too: log, go on
                log.exception("update %s was not handled", update.update_id)

    def _finished(self, task: asyncio.Task[None], key: int, update_id: int) -> None:
        self.in_flight.pop(update_id, None)
        if not task.cancelled():
            self.done.add(update_id)
        if self._tails.get(key) is task:
            del self._tails[key]

    def offset(self, high_water: int) -> int:
        """The getUpdates offset: confirms exactly the updates that are finished."""
        lowest = min(self.in_flight, default=high_water + 1)
        self.done = {u for u in self.done if u >= lowest}
        return lowest

    async def wait_oldest(self, within: float | None = None) -> None:
        """Until the lowest update still in flight is done (only that moves the offset), or
        `within` seconds."""
        if self.in_flight:
            await asyncio.wait([self.in_flight[min(self.in_flight)]], timeout=within)

    async def drain(self, seconds: float) -> None:
        if self.in_flight:
            await asyncio.wait(list(self.in_flight.values()), timeout=seconds)


class Poller:
    """The long-polling loop; back-off on network trouble is logged once per step."""

    def __init__(
        self, bot: Bot, dispatcher: UpdateDispatcher, poll_timeout: int, request_timeout: float
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.poll_timeout = poll_timeout
        self.request_timeout = request_timeout
        self.high_water = -1
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def _fetch(self, offset: int | None, wait: int) -> tuple[Update, ...]:
        return await self.bot.get_updates(
            offset=offset,
            timeout=wait,
            limit=_BATCH,
            allowed_updates=ALLOWED_UPDATES,
            read_timeout=wait + self.request_timeout,
        )

    async def run(self) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            offset = self.dispatcher.offset(self.high_water) if self.high_water >= 0 else None
            fetch = asyncio.ensure_future(self._fetch(offset, self.poll_timeout))
            stop = asyncio.ensure_future(self._stopping.wait())
            await asyncio.wait([fetch, stop], return_when=asyncio.FIRST_COMPLETED)
            if not fetch.done():
                fetch.cancel()
                await asyncio.gather(fetch, return_exceptions=True)
                break
            stop.cancel()
            try:
                updates = fetch.result()
            except InvalidToken:
                log.error("the Bot API refused the token; stopping")
                raise
            except RetryAfter as exc:
                await self._sleep(seconds_of(exc.retry_after))
                continue
            except (NetworkError, TimedOut, Conflict) as exc:
                backoff = min(_MAX_BACKOFF, backoff * 2 or 1.0)
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await self._sleep(backoff)
                continue
            if backoff:
                log.info("getUpdates works again")
                backoff = 0.0
            fresh = [u for u in updates if not self.dispatcher.known(u.update_id)]
            for update in fresh:
                self.high_water = max(self.high_water, update.update_id)
                self.dispatcher.submit(update)
            known = len(updates) - len(fresh)
            if not fresh and len(updates) >= _BATCH:
                # A full batch of updates still being handled: nothing newer can be seen
                # before the oldest is confirmed.
                await self.dispatcher.wait_oldest()
            elif known and known >= len(fresh):
                # Mostly updates already being handled came back: asking again at once would
                # fetch and parse them again for little news. Pause briefly, or until the
                # oldest is done and the offset moves.
                await self.dispatcher.wait_oldest(within=_REFETCH_PAUSE)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def confirm_finished(self) -> None:
        """After the last updates were handled, tell the Bot API so (offset, no wait)."""
        if self.high_water < 0:
            return
        try:
            await self.bot.get_updates(
                offset=self.dispatcher.offset(self.high_water), timeout=0, limit=1,
                allowed_updates=ALLOWED_UPDATES,
            )
        except Exception as exc:  # shutting down: the next start re-reads what was missed
            log.warning("could not confirm the last updates: %s", exc)
