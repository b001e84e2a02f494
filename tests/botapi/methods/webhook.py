"""setWebhook, deleteWebhook, getWebhookInfo and the delivery of updates by webhook.

Delivery keeps up to ``max_connections`` requests in flight but one update of a queue at a
time (a chat's messages, a user's callback queries: :func:`webhook_queue`), so each queue
arrives in order, as from the real Bot API server.  A failed delivery is retried with
back-off (0.1 s doubling to 2 s) and shown in getWebhookInfo.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from ..spec import bad_request
from .updates import DEFAULT_UPDATES, set_allowed

if TYPE_CHECKING:
    from ..server import BotApiServer


_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    retry_at: dict[int, float] = field(default_factory=dict)
    attempts: dict[int, int] = field(default_factory=dict)


@dataclass
class Described:
    """A successful result that also carries Telegram's ``description`` (setWebhook)."""

    result: Any
    description: str


def webhook_queue(update: dict[str, Any]) -> tuple[str, Any]:
    """The queue an update waits in for webhook delivery: one update of a queue at a time, so
    each queue's updates arrive in order, and different queues in parallel. As the Bot API
    server keys them (telegram-bot-api, Client::add_update's webhook_queue_id): messages (new
    and edited) by chat, callback queries by the user who pressed, the bot's own membership by
    chat, other members' membership changes and join requests by user."""
    kind = next((k for k in update if k != "update_id"), "")
    value = update.get(kind)
    if not isinstance(value, dict):
        return ("update", update.get("update_id"))
    sender = value.get("from")
    user_id = sender.get("id") if isinstance(sender, dict) else None
    if kind in (
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "shipping_query",
        "pre_checkout_query",
        "chat_member",
        "chat_join_request",
    ):
        return (kind, user_id)
    chat = value.get("chat")
    if isinstance(chat, dict) and "id" in chat:
        return (kind if kind == "my_chat_member" else "chat", chat["id"])
    return (kind, user_id)


async def set_webhook(server: BotApiServer, params: dict[str, Any]) -> Described:
    url = params["url"]
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        server._pending.clear()
    if "allowed_updates" in params:
        set_allowed(server, params["allowed_updates"])
    same = server.webhook is not None and server.webhook.url == url
    await stop_webhook(server)
    server.webhook = Webhook(
        url=url,
        secret_token=secret,
        max_connections=params.get("max_connections", 40),
        ip_address=params.get("ip_address"),
    )
    server.webhook.task = asyncio.get_running_loop().create_task(
        webhook_loop(server, server.webhook)
    )
    server._notify()
    return Described(True, "Webhook is already set" if same else "Webhook was set")


async def delete_webhook(server: BotApiServer, params: dict[str, Any]) -> Described:
    return Described(True, await remove_webhook(server, params))


async def remove_webhook(server: BotApiServer, params: dict[str, Any]) -> str:
    if params.get("drop_pending_updates") in (True, "true", "True", "1"):
        server._pending.clear()
    if server.webhook is None:
        return "Webhook is already deleted"
    await stop_webhook(server)
    return "Webhook was deleted"


async def stop_webhook(server: BotApiServer) -> None:
    hook, server.webhook = server.webhook, None
    if hook is not None and hook.task is not None:
        hook.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await hook.task


async def webhook_loop(server: BotApiServer, hook: Webhook) -> None:
    """Deliver pending updates: up to ``max_connections`` requests in flight, one update
    each, but one update of a queue at a time (so each queue's updates arrive in order;
    see webhook_queue: a chat's messages, a user's callback queries)."""
    timeout = aiohttp.ClientTimeout(total=server.webhook_timeout)
    in_flight: dict[int, asyncio.Task[None]] = {}
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            while server.webhook is hook:
                now = time.monotonic()
                blocked: set[Any] = set()
                next_retry = now + 1.0
                for update in list(server._pending):
                    if len(in_flight) >= max(1, hook.max_connections):
                        break
                    update_id = update["update_id"]
                    key = webhook_queue(update)
                    busy = update_id in in_flight or key in blocked
                    retry_at = hook.retry_at.get(update_id, 0.0)
                    blocked.add(key)
                    if busy or retry_at > now:
                        next_retry = min(next_retry, retry_at) if retry_at > now else next_retry
                        continue
                    in_flight[update_id] = asyncio.create_task(
                        deliver(server, session, hook, update, in_flight)
                    )
                await server._wait_change(max(0.01, next_retry - now))
        finally:
            for task in in_flight.values():
                task.cancel()
            await asyncio.gather(*in_flight.values(), return_exceptions=True)


async def deliver(
    server: BotApiServer,
    session: aiohttp.ClientSession,
    hook: Webhook,
    update: dict[str, Any],
    in_flight: dict[int, asyncio.Task[None]],
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if (hook.secret_token) else {}
    update_id = update["update_id"]
    error: str | None = None
    try:
        # `latency` is a round trip, as for a call: half of it on the way to the bot, half
        # for its answer to come back; the connection carries one update at a time.
        if server.latency > 0:
            await asyncio.sleep(server.latency / 2)
        server.handed_out.setdefault(update_id, time.monotonic())
        url = server.webhook_proxy or hook.url
        async with session.post(url, json=update, headers=headers) as resp:
            await resp.read()
            if not 200 <= resp.status < 300:
                error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
        if server.latency > 0:
            await asyncio.sleep(server.latency / 2)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        error = f"Connection failed: {exc.__class__.__name__}"
    finally:
        in_flight.pop(update_id, None)
    if error is None:
        server._delivered_ids.add(update_id)
        server._pending = [u for u in server._pending if u["update_id"] != update_id]
        hook.retry_at.pop(update_id, None)
        hook.attempts.pop(update_id, None)
    else:
        attempts = hook.attempts.get(update_id, 0) + 1
        hook.attempts[update_id] = attempts
        hook.retry_at[update_id] = time.monotonic() + min(0.05 * 2**attempts, 2.0)
        hook.last_error_date = int(server.now())
        hook.last_error_message = error
    server._notify()


async def get_webhook_info(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(server._pending),
    }
    hook = server.webhook
    if hook is not None:
        info.update(
            url=hook.url,
            max_connections=hook.max_connections,
            ip_address=hook.ip_address or "127.0.0.1",
        )
        if server.allowed_updates != DEFAULT_UPDATES:
            info["allowed_updates"] = sorted(server.allowed_updates)
        if hook.last_error_date:
            info.update(
                last_error_date=hook.last_error_date,
                last_error_message=hook.last_error_message,
            )
    return info
