"""Webhook mode: an aiohttp endpoint that answers Telegram only after the update was handled.

Telegram resends an update until it gets 200, so replying after handling keeps the same
guarantee as long polling here: nothing acknowledged is lost by a crash.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web
from telegram import Bot, Update

from bot.config import Config
from bot.updates import ALLOWED_UPDATES, UpdateDispatcher

log = logging.getLogger(__name__)

_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


class WebhookServer:
    """Receives updates over HTTPS (behind a proxy) and hands them to the dispatcher."""

    def __init__(self, config: Config, bot: Bot, dispatcher: UpdateDispatcher) -> None:
        self.config = config
        self.bot = bot
        self.dispatcher = dispatcher
        secret = config.telegram.webhook.secret_token
        self.secret = secret.get_secret_value() if secret else ""
        self._runner: web.AppRunner | None = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(_SECRET_HEADER, "")
        if self.secret and not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), self.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        if not self.dispatcher.known(update.update_id):
            self.dispatcher.submit(update)
        task = self.dispatcher.in_flight.get(update.update_id)
        if task is not None:
            await asyncio.wait([task])
        return web.Response(status=200)

    async def start(self) -> None:
        hook = self.config.telegram.webhook
        app = web.Application(client_max_size=1 << 20)
        app.router.add_post("/" + hook.url_path.strip("/"), self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, hook.listen, hook.port).start()
        url = hook.public_url.rstrip("/") + "/" + hook.url_path.strip("/")
        await self.bot.set_webhook(
            url, allowed_updates=ALLOWED_UPDATES, secret_token=self.secret or None,
            max_connections=40,
        )
        log.info("webhook listening on %s:%s, registered as %s", hook.listen, hook.port, url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
