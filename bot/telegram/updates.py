"""Receiving updates: each one is stored before Telegram is told it arrived, and handled after.

Stock PTB confirms a batch with the next getUpdates, before its updates are handled, so a
crash loses them. Confirming only what was handled keeps them, but getUpdates then hands out
at most 100 updates past the oldest unfinished one, and a crowd at a venue waits in that window.
Here each batch is written to the `update_inbox` table as it came (one transaction) and then
confirmed at once (webhook requests, one update each and many at once, are written together:
those that arrive while a transaction is being written share the next); what is not handled
when the bot stops is handled at the next start, and an update delivered twice is handled
once. Updates are taken in as JSON and parsed by the task that handles them, so taking in a
batch costs little time on the event loop. Updates of different users run concurrently; those
of one user (or one chat, when there is no user) in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest

from bot.core.controls import without_controls
from bot.telegram.ratelimit import seconds_of
from storage.inbox import UpdateInbox

log = logging.getLogger(__name__)

RawUpdate = dict[str, Any]  # an Update object as the Bot API sends it

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
_ALLOWED_JSON = json.dumps(ALLOWED_UPDATES)
_MAX_BACKOFF = 60.0
_BATCH = 100  # getUpdates' largest limit
_MARK_EVERY = 0.25  # seconds: handled updates are marked in the inbox together
_KEEP_HANDLED = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours
_PURGE_EVERY = 3600.0  # seconds
# An update left unhandled by a stopped run is tried again at most this many times.
MAX_REPLAYS = 3


def ordering_key(raw: RawUpdate) -> int:
    """Updates with the same key are handled one after another: the user's id, else the
    chat's (what PTB calls effective_user and effective_chat)."""
    for value in raw.values():
        if not isinstance(value, dict):
            continue
        user = value.get("from")
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            return int(user["id"])
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return int(raw["update_id"])


_TYPED_IN = ("message", "edited_message")  # what people send, where their text is
_TYPED_FIELDS = ("text", "caption")


def cleaned(raw: RawUpdate) -> RawUpdate:
    """The update with control characters in the text (or caption) people typed replaced by
    spaces: whatever a handler keeps of it is clean (see bot.core.controls)."""
    changed: RawUpdate = {}
    for kind in _TYPED_IN:
        message = raw.get(kind)
        if not isinstance(message, dict):
            continue
        fields = {
            name: without_controls(value) for name in _TYPED_FIELDS
            if isinstance(value := message.get(name), str)
        }
        if any(fields[name] != message[name] for name in fields):
            changed[kind] = {**message, **fields}
    return {**raw, **changed} if changed else raw


class UpdateDispatcher:
    """Runs updates concurrently across keys, in order within a key, at most N at once.

    `on_handled` is called with the id of every update whose handling ran to its end (not for
    those cancelled at shutdown)."""

    def __init__(
        self,
        handle: Callable[[RawUpdate], Awaitable[None]],
        max_concurrent: int,
        on_handled: Callable[[int], None] | None = None,
    ) -> None:
        self._handle = handle
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tails: dict[int, asyncio.Task[None]] = {}
        self._on_handled = on_handled
        self._room = asyncio.Event()
        self.in_flight: dict[int, asyncio.Task[None]] = {}

    def known(self, update_id: int) -> bool:
        return update_id in self.in_flight

    def submit(
        self, raw: RawUpdate, before: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Handle `raw` in its turn; `before` (if given) is awaited as its handling begins."""
        update_id = int(raw["update_id"])
        key = ordering_key(raw)
        previous = self._tails.get(key)
        task = asyncio.create_task(self._run(raw, previous, before), name=f"update-{update_id}")
        self._tails[key] = task
        self.in_flight[update_id] = task
        task.add_done_callback(lambda done: self._finished(done, key, update_id))

    async def _run(
        self, raw: RawUpdate, previous: asyncio.Task[None] | None,
        before: Callable[[], Awaitable[None]] | None,
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        async with self._slots:
            try:
                if before is not None:
                    await before()
                await self._handle(raw)
            except Exception:  # the handler's own error handling failed too: log, go on
                log.exception("update %s was not handled", raw.get("update_id"))

    def _finished(self, task: asyncio.Task[None], key: int, update_id: int) -> None:
        self.in_flight.pop(update_id, None)
        self._room.set()
        if self._tails.get(key) is task:
            del self._tails[key]
        if not task.cancelled() and self._on_handled is not None:
            self._on_handled(update_id)

    async def wait_for_room(self, limit: int) -> None:
        """Until fewer than `limit` updates are in flight."""
        while len(self.in_flight) >= limit:
            self._room.clear()
            await self._room.wait()

    async def drain(self, seconds: float) -> None:
        if self.in_flight:
            await asyncio.wait(list(self.in_flight.values()), timeout=seconds)


class Intake:
    """Stores received updates in the inbox, then hands the new ones to the dispatcher; marks
    them handled when they are (a few at a time), and hands over what an earlier run left."""

    def __init__(self, inbox: UpdateInbox) -> None:
        self.inbox = inbox
        self.dispatcher: UpdateDispatcher | None = None
        self._handled: set[int] = set()
        self._wake = asyncio.Event()
        self._marker: asyncio.Task[None] | None = None
        self._queue: list[tuple[list[RawUpdate], asyncio.Future[None]]] = []  # to be stored
        self._storer: asyncio.Task[None] | None = None

    def start(self, dispatcher: UpdateDispatcher) -> None:
        self.dispatcher = dispatcher
        self._marker = asyncio.create_task(self._mark_handled())

    def handled(self, update_id: int) -> None:
        self._handled.add(update_id)
        self._wake.set()

    async def replay(self) -> int:
        """Hand over the updates stored by an earlier run and never handled; returns how many.

        Each such try is counted as it begins; an update tried MAX_REPLAYS times already was
        being handled every time the bot stopped (it may well be what stops it) and is set
        aside: logged, shown by `doctor`, not tried again."""
        assert self.dispatcher is not None
        await self.inbox.purge(self.inbox.db.clock() - _KEEP_HANDLED)
        for poison in await self.inbox.set_aside_tried(MAX_REPLAYS):
            log.error(
                "update %s set aside: the bot stopped each of the %d times it was being "
                "handled (received %s): %s", poison.update_id, poison.attempts + 1,
                poison.received_at.isoformat(timespec="seconds"), poison.body[:500],
            )
        left = await self.inbox.pending()
        for update_id, body in left:
            try:
                self.dispatcher.submit(json.loads(body), partial(self._count, update_id))
            except (ValueError, KeyError, TypeError) as exc:  # not an update as stored
                log.error("stored update %s cannot be read (%s); skipped", update_id, exc)
                self.handled(update_id)
        if left:
            log.info("handling %d updates received before the last stop", len(left))
        return len(left)

    async def _count(self, update_id: int) -> None:
        try:
            await self.inbox.count_attempt(update_id)
        except Exception as exc:  # uncounted, it is tried again once more at worst
            log.warning("could not count the try of update %s: %s", update_id, exc)

    async def receive(self, updates: Sequence[RawUpdate]) -> None:
        """Store the updates not seen before, then start handling them. Returns once they are
        stored; raises when they could not be: the caller must not confirm them to Telegram
        then. Updates received while a batch is being stored (webhook requests come many at
        once) are stored together in the next transaction."""
        assert self.dispatcher is not None
        fresh = [u for u in updates if not self.dispatcher.known(u["update_id"])]
        if not fresh:
            return
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((fresh, stored))
        if self._storer is None:
            self._storer = asyncio.create_task(self._store_queued(), name="update inbox")
        await stored

    async def _store_queued(self) -> None:
        batch: list[tuple[list[RawUpdate], asyncio.Future[None]]] = []
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                await self._store(batch)
                batch = []
        finally:
            self._storer = None
            stranded = batch + self._queue
            self._queue = []
            for _, stored in stranded:
                if not stored.done():
                    stored.set_exception(RuntimeError("the update inbox stopped"))

    async def _store(self, batch: list[tuple[list[RawUpdate], asyncio.Future[None]]]) -> None:
        """One transaction for the updates of `batch` (each id once), then handling begins in
        the order they came; each caller's future is settled."""
        assert self.dispatcher is not None
        by_id: dict[int, RawUpdate] = {}
        for updates, _ in batch:
            for update in updates:
                by_id.setdefault(update["update_id"], update)
        marks, self._handled = self._handled, set()
        try:
            new = set(await self.inbox.store(
                [(update_id, json.dumps(u)) for update_id, u in by_id.items()],
                handled=marks,
            ))
        except BaseException as exc:
            self._handled |= marks
            for _, stored in batch:
                if not stored.done():
                    stored.set_exception(exc if isinstance(exc, Exception)
                                         else RuntimeError("the update inbox stopped"))
            if not isinstance(exc, Exception):
                raise
            return
        for update_id, update in by_id.items():
            if update_id in new and not self.dispatcher.known(update_id):
                self.dispatcher.submit(update)
        for _, stored in batch:
            if not stored.done():
                stored.set_result(None)

    async def _mark_handled(self) -> None:
        loop = asyncio.get_running_loop()
        purged_at = loop.time()
        while True:
            await self._wake.wait()
            await asyncio.sleep(_MARK_EVERY)
            self._wake.clear()
            await self._flush()
            if loop.time() - purged_at > _PURGE_EVERY:
                purged_at = loop.time()
                try:
                    await self.inbox.purge(self.inbox.db.clock() - _KEEP_HANDLED)
                except Exception as exc:  # the next hour's try
                    log.warning("could not purge old updates: %s", exc)

    async def _flush(self) -> None:
        marks, self._handled = self._handled, set()
        try:
            await self.inbox.mark_handled(marks)
        except BaseException as exc:  # kept for the next try (or the last one, at close)
            self._handled |= marks
            if not isinstance(exc, Exception):
                raise
            log.warning("could not mark %d updates handled: %s", len(marks), exc)

    async def close(self) -> None:
        """Stop marking in the background; mark what was handled so far."""
        if self._marker is not None:
            self._marker.cancel()
            await asyncio.gather(self._marker, return_exceptions=True)
        await self._flush()


class Poller:
    """The long-polling loop; back-off on network trouble is logged once per step.

    getUpdates goes through `request` (PTB's transport, which turns Telegram's errors into
    PTB's exceptions) rather than Bot.get_updates, to keep the updates as JSON; its parameters
    go in the query string, as the Bot API allows."""

    def __init__(
        self, request: BaseRequest, base_url: str, intake: Intake, poll_timeout: int,
        request_timeout: float, backlog: int,
    ) -> None:
        self.request = request
        self.url = base_url + "/getUpdates"
        self.intake = intake
        self.poll_timeout = poll_timeout
        self.request_timeout = request_timeout
        self.backlog = backlog  # updates in flight before the poller stops fetching more
        self.high_water = -1  # the newest update stored
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def _get_updates(self, wait: int, limit: int = _BATCH) -> list[RawUpdate]:
        parameters = {"timeout": wait, "limit": limit, "allowed_updates": _ALLOWED_JSON}
        if self.high_water >= 0:
            parameters["offset"] = self.high_water + 1  # confirms every update stored
        result = await self.request.post(
            f"{self.url}?{urlencode(parameters)}", read_timeout=wait + self.request_timeout
        )
        if not isinstance(result, list):
            raise NetworkError(f"getUpdates answered {type(result).__name__}, not a list")
        return result

    async def run(self) -> None:
        assert self.intake.dispatcher is not None
        backoff = 0.0
        while not self._stopping.is_set():
            await self.intake.dispatcher.wait_for_room(self.backlog)
            fetch = asyncio.ensure_future(self._get_updates(self.poll_timeout))
            stop = asyncio.ensure_future(self._stopping.wait())
            await asyncio.wait([fetch, stop], return_when=asyncio.FIRST_COMPLETED)
            if not fetch.done():
                fetch.cancel()
                await asyncio.gather(fetch, return_exceptions=True)
                break
            stop.cancel()
            try:
                updates = fetch.result()
                await self.intake.receive(updates)
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
            except Exception as exc:  # the database: the updates stay unconfirmed, try again
                backoff = min(_MAX_BACKOFF, backoff * 2 or 1.0)
                log.warning("could not store updates (%s); retrying in %.0f s", exc, backoff)
                await self._sleep(backoff)
                continue
            if backoff:
                log.info("receiving updates works again")
                backoff = 0.0
            self.high_water = max([self.high_water] + [u["update_id"] for u in updates])

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def confirm_received(self) -> None:
        """When stopping, tell the Bot API that the last batch was stored (offset, no wait)."""
        if self.high_water < 0:
            return
        try:
            await self._get_updates(0, limit=1)
        except Exception as exc:  # shutting down: the next start finds them stored already
            log.warning("could not confirm the last updates: %s", exc)
