"""Webhook mode: an aiohttp endpoint that answers Telegram once the update is stored.

Telegram resends an update until it gets 200; the update is in the inbox before the 200 goes
out (see bot/telegram/updates.py), so nothing acknowledged is lost by a crash.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Bot

from bot.core.config import Config
from bot.telegram.updates import ALLOWED_UPDATES, Intake

log = logging.getLogger(__name__)

_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


class WebhookServer:
    """Receives updates over HTTPS (behind a proxy) and hands them to the dispatcher."""

    def __init__(self, config: Config, bot: Bot, intake: Intake) -> None:
        self.config = config
        self.bot = bot
        self.intake = intake
        secret = config.telegram.webhook.secret_token
        self.secret = secret.get_secret_value() if secret else ""
        self._runner: web.AppRunner | None = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(_SECRET_HEADER, "")
        if self.secret and not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403)
        try:
            update = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
        if not isinstance(update, dict) or type(update.get("update_id")) is not int:
            return web.Response(status=400)
        try:
            await self.intake.receive([update])
        except Exception as exc:  # not stored: Telegram is to send it again
            log.warning("could not store update %s: %s", update["update_id"], exc)
            return web.Response(status=500)
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
            max_connections=hook.max_connections,
        )
        log.info("webhook listening on %s:%s, registered as %s", hook.listen, hook.port, url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
