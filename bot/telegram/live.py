"""Messages that show a live figure (an announcement's "已签到 N / 应到 M") kept up to date
without flooding the chat.

Telegram allows about 20 messages a minute into one group, edits included, while 80 people
may press 签到 within seconds. Each press only marks the message stale; one task per message
re-renders it from the database and edits it, at most once per `min_interval`, so any number
of presses between two edits cost one edit and the last edit always shows the final state.
The marks live in memory only: whoever owns the messages redraws them after a start (the
announcer does, for the announcements of events not over).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.telegram.ratelimit import Priority, seconds_of

log = logging.getLogger(__name__)

# The message's text and keyboard now; None when it should no longer be edited.
Rendered = tuple[str, InlineKeyboardMarkup | None] | None
Renderer = Callable[[], Awaitable[Rendered]]

# Three seconds between edits of one message uses at most a third of a group's budget of
# 20 messages a minute, leaving the rest for announcements and replies.
DEFAULT_MIN_INTERVAL = 3.0
_MAX_FAILURES = 3


@dataclass
class _Slot:
    render: Renderer
    stale: bool = True
    last_edit: float = float("-inf")
    last_text: str | None = None
    task: asyncio.Task[None] | None = None


class LiveMessages:
    """Coalesces edits per message: touch() is cheap and never waits for Telegram."""

    def __init__(self, bot: ExtBot[Any], min_interval: float = DEFAULT_MIN_INTERVAL) -> None:
        self.bot = bot
        self.min_interval = min_interval
        self._slots: dict[tuple[int, int], _Slot] = {}
        self.edits = 0  # edits sent, for the log and the benchmarks

    def touch(self, chat_id: int, message_id: int, render: Renderer) -> None:
        """The message's figures changed: edit it soon with what `render` returns then."""
        key = (chat_id, message_id)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot(render)
        slot.render = render
        slot.stale = True
        if slot.task is None:
            slot.task = asyncio.create_task(self._keep_fresh(key, slot))

    async def _keep_fresh(self, key: tuple[int, int], slot: _Slot) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        try:
            while slot.stale:
                await asyncio.sleep(max(0.0, slot.last_edit + self.min_interval - loop.time()))
                slot.stale = False
                rendered = await slot.render()
                if rendered is None:
                    break
                text, markup = rendered
                if text == slot.last_text:
                    continue
                try:
                    await self._edit(key, text, markup)
                    slot.last_text = text
                    failures = 0
                except RetryAfter as exc:
                    slot.stale = True
                    await asyncio.sleep(seconds_of(exc.retry_after))
                except TelegramError as exc:
                    failures += 1
                    log.warning("live message %s not updated: %s", key, exc.message)
                    slot.stale = failures < _MAX_FAILURES
                slot.last_edit = loop.time()
        except Exception:
            log.exception("live message %s: rendering failed", key)
        finally:
            slot.task = None

    async def _edit(
        self, key: tuple[int, int], text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        chat_id, message_id = key
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=markup,
                rate_limit_args={"priority": Priority.BULK},
            )
            self.edits += 1
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def flush(self) -> None:
        """Wait until every stale message was edited (at shutdown, under a timeout)."""
        tasks = [slot.task for slot in self._slots.values() if slot.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
