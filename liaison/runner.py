"""`liaison-bot run`: start the application, receive updates until SIGTERM/SIGINT, stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.core.config import Config
from bot.telegram.updates import Intake, Poller, RawUpdate, UpdateDispatcher, cleaned
from liaison.app import LiaisonApplication, attach_services, build_application, detach_services
from storage.db import Database
from storage.inbox import UpdateInbox

log = logging.getLogger(__name__)

_DRAIN_SECONDS = 10.0  # for updates being handled at a stop; the rest wait for the next start
_BACKLOG = 5000  # updates received and not yet handled before the poller waits for room
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


def _handler(application: LiaisonApplication) -> Callable[[RawUpdate], Awaitable[None]]:
    """An update as received (JSON), cleaned of control characters and parsed by the task
    handling it, then through PTB."""

    async def handle(raw: RawUpdate) -> None:
        await application.process_update(Update.de_json(cleaned(raw), application.bot))

    return handle


async def _poll(
    config: Config,
    application: LiaisonApplication,
    intake: Intake,
    stopping: asyncio.Event,
) -> None:
    poller = Poller(
        application.bot_data.updates_request, application.bot.base_url, intake,
        config.telegram.poll_timeout, config.telegram.request_timeout, backlog=_BACKLOG,
    )
    await application.bot.delete_webhook()
    log.info("bot @%s is running (long polling)", application.bot.username)
    polling = asyncio.create_task(poller.run())
    stop_wait = asyncio.create_task(stopping.wait())
    await asyncio.wait([polling, stop_wait], return_when=asyncio.FIRST_COMPLETED)
    poller.stop()
    stop_wait.cancel()
    await asyncio.gather(polling, return_exceptions=True)
    await poller.confirm_received()
    if not polling.cancelled() and polling.exception() is not None:
        raise polling.exception()  # type: ignore[misc]


async def _serve_webhook(
    config: Config,
    application: LiaisonApplication,
    intake: Intake,
    stopping: asyncio.Event,
) -> None:
    from bot.telegram.webhook import WebhookServer

    server = WebhookServer(config, application.bot, intake)
    await server.start()
    log.info("bot @%s is running (webhook)", application.bot.username)
    try:
        await stopping.wait()
    finally:
        await server.stop()


async def run_bot(config: Config, stopping: asyncio.Event | None = None) -> None:
    """Run until `stopping` is set (or a termination signal arrives)."""
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stopping.set)
    application = build_application(config)
    initialized = False
    try:
        initialized = await _initialize(application, stopping)
    finally:
        if not initialized:
            # initialize() opened the HTTP sessions before getMe failed, and
            # application.shutdown() does nothing for an application never initialized.
            await application.bot.shutdown()
    if not initialized:
        log.info("bot stopped before the Bot API could be reached")
        return
    db = Database(config.storage.path, config.clock)  # below the services: kept here, not in them
    try:
        await db.open()
        await attach_services(application, db)
        await application.start()
        from handlers.shared.menus import publish_command_menus

        menus = asyncio.create_task(publish_command_menus(application))
        intake = Intake(UpdateInbox(db))
        dispatcher = UpdateDispatcher(
            _handler(application), config.limits.max_concurrent_updates, intake.handled
        )
        intake.start(dispatcher)
        try:
            await intake.replay()
            if config.telegram.mode == "webhook":
                await _serve_webhook(config, application, intake, stopping)
            else:
                await _poll(config, application, intake, stopping)
            await dispatcher.drain(_DRAIN_SECONDS)
        finally:
            await intake.close()
        menus.cancel()
        await asyncio.gather(menus, return_exceptions=True)
    finally:
        if application.running:
            jobs = application.job_queue
            if jobs is not None and jobs.scheduler.running:
                # No job starts while stop() waits for the running ones: one started then
                # would be cancelled by the scheduler's shutdown and go on alone, past the
                # closing of the database.
                jobs.scheduler.pause()
            await application.stop()
        await detach_services(application)  # before shutdown: a last edit needs the bot
        await db.close()
        await application.shutdown()
        log.info("bot stopped")
