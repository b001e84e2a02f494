"""`liaison-bot run`: start the application, receive updates until SIGTERM/SIGINT, stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram.error import InvalidToken, NetworkError

from bot.app import LiaisonApplication, attach_services, build_application, detach_services
from bot.config import Config
from bot.updates import Poller, UpdateDispatcher

log = logging.getLogger(__name__)

_DRAIN_SECONDS = 10.0
_MAX_BACKOFF = 60.0


async def _initialize(application: LiaisonApplication, stopping: asyncio.Event) -> bool:
    """initialize() (getMe, database) with back-off while the Bot API is unreachable."""
    backoff = 1.0
    while not stopping.is_set():
        try:
            await application.initialize()
            return True
        except InvalidToken:
            raise
        except NetworkError as exc:
            log.warning("Bot API unreachable (%s); retrying in %.0f s", exc, backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=backoff)
            backoff = min(_MAX_BACKOFF, backoff * 2)
    return False


async def _poll(
    config: Config,
    application: LiaisonApplication,
    dispatcher: UpdateDispatcher,
    stopping: asyncio.Event,
) -> None:
    poller = Poller(
        application.bot, dispatcher, config.telegram.poll_timeout,
        config.telegram.request_timeout,
    )
    await application.bot.delete_webhook()
    log.info("bot @%s is running (long polling)", application.bot.username)
    polling = asyncio.create_task(poller.run())
    stop_wait = asyncio.create_task(stopping.wait())
    await asyncio.wait([polling, stop_wait], return_when=asyncio.FIRST_COMPLETED)
    poller.stop()
    stop_wait.cancel()
    await asyncio.gather(polling, return_exceptions=True)
    await dispatcher.drain(_DRAIN_SECONDS)
    await poller.confirm_finished()
    if not polling.cancelled() and polling.exception() is not None:
        raise polling.exception()  # type: ignore[misc]


async def _serve_webhook(
    config: Config,
    application: LiaisonApplication,
    dispatcher: UpdateDispatcher,
    stopping: asyncio.Event,
) -> None:
    from bot.webhook import WebhookServer

    server = WebhookServer(config, application.bot, dispatcher)
    await server.start()
    log.info("bot @%s is running (webhook)", application.bot.username)
    try:
        await stopping.wait()
    finally:
        await server.stop()
        await dispatcher.drain(_DRAIN_SECONDS)


async def run_bot(config: Config, stopping: asyncio.Event | None = None) -> None:
    """Run until `stopping` is set (or a termination signal arrives)."""
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stopping.set)
    application = build_application(config)
    if not await _initialize(application, stopping):
        return
    try:
        await attach_services(application)
        await application.start()
        from handlers.menus import publish_command_menus

        menus = asyncio.create_task(publish_command_menus(application))
        dispatcher = UpdateDispatcher(
            application.process_update, config.limits.max_concurrent_updates
        )
        if config.telegram.mode == "webhook":
            await _serve_webhook(config, application, dispatcher, stopping)
        else:
            await _poll(config, application, dispatcher, stopping)
        menus.cancel()
        await asyncio.gather(menus, return_exceptions=True)
    finally:
        if application.running:
            await application.stop()
        await detach_services(application)  # before shutdown: a last edit needs the bot
        await application.shutdown()
        log.info("bot stopped")
