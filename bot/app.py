"""Wiring: build the PTB Application with its services, rate limiter and handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    ContextTypes,
    Defaults,
    ExtBot,
)

from bot.attendance import AttendanceService, rules_from_config
from bot.auth import Actor
from bot.callbacks import CallbackCodec
from bot.config import Config
from bot.http import AiohttpRequest
from bot.live import LiveMessages
from bot.ratelimit import PriorityRateLimiter
from bot.registration import RegistrationService
from bot.report_export import ReportExporter
from bot.reports import ReportService
from bot.secrets_store import server_secret
from bot.sender import Sender
from storage.db import Database
from storage.deliveries import DeliveryRepository
from storage.members import MemberRepository
from storage.screens import QrScreenRepository
from storage.settings import SettingsRepository

log = logging.getLogger(__name__)

# At shutdown, live messages (counts in group announcements) get this long for a last edit.
_FLUSH_SECONDS = 5.0
# HTTP connections to the Bot API for everything but getUpdates (PTB's default is 256): 32
# calls in flight at 100 ms each already allow 320 calls a second, ten times what Telegram
# lets a bot send (answers to button presses are not counted).
_HTTP_CONNECTIONS = 256


@dataclass
class Services:
    """Everything the handlers use, opened by attach_services() and closed by detach_services()."""

    config: Config
    db: Database
    members: MemberRepository
    settings: SettingsRepository
    registration: RegistrationService
    codec: CallbackCodec
    sender: Sender
    live: LiveMessages
    reports: ReportService
    report_export: ReportExporter
    attendance: AttendanceService
    qr_screens: QrScreenRepository


class Context(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB context with typed access to the services and the person behind the update."""

    actor: Actor
    lang: str

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services


LiaisonApplication = Application[
    ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]


async def open_services(config: Config, bot: ExtBot[Any]) -> Services:
    db = Database(config.storage.path)
    await db.open()
    members = MemberRepository(db)
    codec = CallbackCodec(await server_secret(db, "callback"))
    return Services(
        config=config,
        db=db,
        members=members,
        settings=SettingsRepository(db),
        registration=RegistrationService(db, members),
        codec=codec,
        sender=Sender(bot, DeliveryRepository(db)),
        live=LiveMessages(bot),
        reports=ReportService(db, members, config.zone),
        report_export=ReportExporter(db, config.zone),
        attendance=AttendanceService(
            db, members, config.zone, rules=rules_from_config(config.attendance)
        ),
        qr_screens=QrScreenRepository(db),
    )


async def attach_services(application: LiaisonApplication) -> None:
    """Open the database and services; run after initialize(), before the first update."""
    config: Config = application.bot_data["config"]
    application.bot_data["services"] = await open_services(config, application.bot)


async def detach_services(application: LiaisonApplication) -> None:
    services: Services | None = application.bot_data.pop("services", None)
    if services is not None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_FLUSH_SECONDS):
                await services.live.flush()
        await services.attendance.close()  # check-ins already queued are written
        await services.db.close()


def build_application(config: Config) -> LiaisonApplication:
    """The application, wired but not started: no network or database until initialize().

    PTB calls post_init hooks only from run_polling/run_webhook, which this bot does not use
    (see bot/runner.py); services are attached by the runner with attach_services().
    """
    from handlers import register_handlers

    timeout = config.telegram.request_timeout
    limits = config.limits
    updates_request = AiohttpRequest(connections=1, timeout=timeout)
    application: LiaisonApplication = (
        ApplicationBuilder()
        .token(config.token_value())
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=config.zone))
        .context_types(ContextTypes(context=Context))
        .rate_limiter(
            PriorityRateLimiter(
                messages_per_second=limits.messages_per_second,
                group_messages_per_minute=limits.group_messages_per_minute,
                private_messages_per_second=limits.private_messages_per_second,
            )
        )
        .request(AiohttpRequest(connections=_HTTP_CONNECTIONS, timeout=timeout))
        # opened and closed with the bot; used by the poller (bot/updates.py), not by PTB
        .get_updates_request(updates_request)
        .updater(None)
        .build()
    )
    application.bot_data["config"] = config
    application.bot_data["updates_request"] = updates_request
    register_handlers(application)
    return application
