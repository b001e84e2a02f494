"""The one path for pushes (reminders, announcements, notices): recorded per recipient,
sent at bulk priority through the rate limiter, never twice for the same key and chat. Many
at once go through the fan-out (bot/telegram/fanout.py)."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut
from telegram.ext import ExtBot

from bot.telegram.ratelimit import Priority
from storage.deliveries import Claim, DeliveryRepository

log = logging.getLogger(__name__)

# After this many failed attempts a delivery is given up (a recipient who blocked the bot
# or a chat that is gone is given up at once).
MAX_ATTEMPTS = 3


class Delivery(StrEnum):
    SENT = "sent"
    ALREADY_DONE = "already_done"  # sent before, refused for good, or tried enough
    BLOCKED = "blocked"  # the recipient blocked the bot (403): unreachable until they return
    REFUSED = "refused"  # the chat is gone or the message is wrong (400): retrying won't help
    FAILED = "failed"  # a server error (5xx): nothing was sent, worth another try later
    UNCONFIRMED = "unconfirmed"  # timed out: it has most likely arrived; never sent again


class Sender:
    """Push messages so that each (key, chat) is delivered at most once and is on record."""

    def __init__(self, bot: ExtBot[Any], deliveries: DeliveryRepository) -> None:
        self.bot = bot
        self.deliveries = deliveries

    async def push(
        self,
        key: str,
        chat_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        once: bool = False,
    ) -> Delivery:
        """Send `text` to `chat_id` unless (key, chat) is done. With `once`, at most once even
        across a crash: a try that was in flight when the bot stopped is not made again but
        recorded as unconfirmed (it may have arrived); a definite failure (5xx) is retried."""
        claim = await self.deliveries.claim(key, chat_id, MAX_ATTEMPTS, once=once)
        if claim is Claim.INTERRUPTED:
            log.warning("push %s to %s was in flight when the bot stopped; not sent again",
                        key, chat_id)
            return Delivery.UNCONFIRMED
        if claim is not Claim.GO:
            return Delivery.ALREADY_DONE
        try:
            message = await self.bot.send_message(
                chat_id, text, reply_markup=reply_markup,
                rate_limit_args={"priority": Priority.BULK},
            )
        except Forbidden as exc:
            await self.deliveries.finish(key, chat_id, "blocked", error=exc.message)
            return Delivery.BLOCKED
        except TimedOut as exc:
            # The Bot API has no idempotency key: a send that timed out has usually been
            # delivered, and sending it again would make it arrive twice.
            await self.deliveries.finish(
                key, chat_id, "failed", error=f"timed out: {exc.message}", final=True
            )
            log.warning("push %s to %s timed out; not sent again", key, chat_id)
            return Delivery.UNCONFIRMED
        except BadRequest as exc:  # the chat is gone or the text is wrong: retrying won't help
            await self.deliveries.finish(key, chat_id, "blocked", error=exc.message)
            log.warning("push %s to %s refused: %s", key, chat_id, exc.message)
            return Delivery.REFUSED
        except TelegramError as exc:
            await self.deliveries.finish(key, chat_id, "failed", error=exc.message)
            log.warning("push %s to %s failed: %s", key, chat_id, exc.message)
            return Delivery.FAILED
        await self.deliveries.finish(key, chat_id, "sent", message_id=message.message_id)
        return Delivery.SENT
