"""The update queue and long polling: emit, confirm (``offset``), ``allowed_updates``, getUpdates.

An update is produced only if its kind is allowed (Telegram's default leaves out
``chat_member`` and ``message_reaction(_count)``), stays in ``server._pending`` until an
``offset`` past it confirms it, and is delivered again until then.  A newer getUpdates
ends a waiting one with 409, as Telegram does when two bot instances poll.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import TYPE_CHECKING, Any

from ..spec import ApiError

if TYPE_CHECKING:
    from ..server import BotApiServer


DEFAULT_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "guest_message",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
        "managed_bot",
    }
)  # Telegram's default: everything except chat_member, message_reaction(_count)


def emit(server: BotApiServer, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    if kind not in server.allowed_updates:
        return None
    update = {"update_id": next(server._update_ids), kind: copy.deepcopy(payload)}
    server._pending.append(update)
    server.update_log.append(update)
    server._notify()
    return update


def set_allowed(server: BotApiServer, kinds: list[str]) -> None:
    server.allowed_updates = frozenset(kinds) if kinds else DEFAULT_UPDATES


def confirm(server: BotApiServer, offset: int) -> None:
    if offset > 0:
        server._pending = [u for u in server._pending if u["update_id"] >= offset]
    elif offset < 0:
        server._pending = server._pending[offset:]


def kind_of(update: dict[str, Any]) -> str:
    return next(k for k in update if k != "update_id")


async def get_updates(server: BotApiServer, params: dict[str, Any]) -> list[dict[str, Any]]:
    if server.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is "
            "active; use deleteWebhook to delete the webhook first",
        )
    limit = min(100, max(1, params.get("limit", 100)))
    timeout = min(server._limits.max_long_poll_timeout, max(0, params.get("timeout", 0)))
    if "allowed_updates" in params:
        set_allowed(server, params["allowed_updates"])
    confirm(server, params.get("offset", 0))
    server._poll_generation += 1
    generation = server._poll_generation
    server._notify()  # wakes (and thereby terminates) an older long poll
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        server._pending = [u for u in server._pending if kind_of(u) in server.allowed_updates]
        batch = server._pending[:limit]
        remaining = deadline - loop.time()
        if batch or remaining <= 0 or server._closing:
            server._delivered_ids.update(u["update_id"] for u in batch)
            handed = time.monotonic()
            for u in batch:
                server.handed_out.setdefault(u["update_id"], handed)
            if batch:
                server._notify()
            return copy.deepcopy(batch)
        await server._wait_change(remaining)
        if server._poll_generation != generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make "
                "sure that only one bot instance is running",
            )
        if server.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
