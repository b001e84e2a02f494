"""Wiring: build the PTB Application with its services, rate limiter and handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults, ExtBot

from bot.attendance.export import AttendanceExporter
from bot.attendance.screens import QrScreens
from bot.attendance.service import AttendanceService, rules_from_config
from bot.core.config import Config
from bot.core.user_settings import UserSettings
from bot.duty_record.digest import DigestService
from bot.duty_record.export import DutyExporter
from bot.duty_record.service import DutyRecordService
from bot.duty_record.supervision import SupervisionService
from bot.members.directory import MemberDirectory
from bot.members.registration import RegistrationService
from bot.reminders.service import ReminderService
from bot.reports.export import ReportExporter
from bot.reports.service import ReportService
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.http import AiohttpRequest
from bot.telegram.jobs import NonOverlappingJobQueue
from bot.telegram.live import LiveMessages
from bot.telegram.ratelimit import PriorityRateLimiter
from bot.telegram.sender import Sender
from handlers import attendance, duty_record, members, reminders, reports
from handlers.shared.capability import Registry
from handlers.shared.context import AppState, Context, LiaisonApplication, Services
from handlers.shared.router import EXPORT, register_handlers
from storage.conversations import SettingsRepository
from storage.db import Database
from storage.deliveries import DeliveryRepository
from storage.members import MemberRepository
from storage.screens import QrScreenRepository
from storage.secrets import server_secret

log = logging.getLogger(__name__)

# The bot's capabilities, in menu order (/export is listed after the reports' commands).
CAPABILITIES = (
    members.CAPABILITY, reports.CAPABILITY, EXPORT, attendance.CAPABILITY, reminders.CAPABILITY,
    duty_record.CAPABILITY,
)

# At shutdown, live messages (counts in group announcements) get this long for a last edit.
_FLUSH_SECONDS = 5.0
# HTTP connections to the Bot API for everything but getUpdates (PTB's default is 256): 32
# calls in flight at 100 ms each already allow 320 calls a second, ten times what Telegram
# lets a bot send (answers to button presses are not counted).
_HTTP_CONNECTIONS = 256


async def open_services(config: Config, bot: ExtBot[Any], db: Database) -> Services:
    """The one place every service is built (the composition root of the chat side): each once,
    on the open database `db`, which stays here, below them."""
    members = MemberRepository(db)
    codec = CallbackCodec(await server_secret(db, "callback"))
    attendance = AttendanceService(
        db, members, config.zone, rules=rules_from_config(config.attendance)
    )
    reminders = ReminderService(db, config.zone, config.reminders)
    duty_record = DutyRecordService(db, members, config.zone, config.duty_record)
    return Services(
        config=config,
        members=MemberDirectory(members),
        settings=UserSettings(SettingsRepository(db)),
        registration=RegistrationService(db, members),
        codec=codec,
        sender=Sender(bot, DeliveryRepository(db)),
        live=LiveMessages(bot),
        reports=ReportService(db, members, config.zone,
                              levels=config.duty_record.levels),
        report_export=ReportExporter(db, config.zone, config.duty_record.levels),
        attendance=attendance,
        attendance_export=AttendanceExporter(db, attendance),
        qr_screens=QrScreens(QrScreenRepository(db)),
        reminders=reminders,
        duty_record=duty_record,
        duty_export=DutyExporter(duty_record),
        supervision=SupervisionService(duty_record, reminders),
        digest=DigestService(duty_record, reminders),
    )


async def attach_services(application: LiaisonApplication, db: Database) -> None:
    """Build the services on the open database `db`; run after initialize(), before the first
    update. The first start is kept as the duty record's start (unless the config names one)."""
    state = application.bot_data
    services = await open_services(state.config, application.bot, db)
    await services.reminders.seed()
    start = await services.duty_record.note_first_start()
    log.info("duty record starts %s (%s)", start.day, start.source.value)
    state.open(services)


async def detach_services(application: LiaisonApplication) -> None:
    """Stop what the services run (the caller closes the database afterwards)."""
    # every capability's stops at once (the fan-outs under way drain; the next start resumes)
    stops = application.bot_data.registry.stops
    await asyncio.gather(*(stop(application) for stop in stops))
    services = application.bot_data.close()
    if services is not None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_FLUSH_SECONDS):
                await services.live.flush()
        await services.attendance.close()  # check-ins already queued are written


def build_application(config: Config) -> LiaisonApplication:
    """The application, wired but not started: no network or database until initialize().

    PTB calls post_init hooks only from run_polling/run_webhook, which this bot does not use
    (see liaison/runner.py); services are attached by the runner with attach_services().
    """
    timeout = config.telegram.request_timeout
    limits = config.limits
    updates_request = AiohttpRequest(connections=1, timeout=timeout)
    application: LiaisonApplication = (
        ApplicationBuilder()
        .token(config.token_value())
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=config.zone))
        .context_types(ContextTypes(context=Context, bot_data=AppState))
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
        # a repeating job whose run outlasts its interval skips a run quietly (no WARNING)
        .job_queue(NonOverlappingJobQueue())
        .build()
    )
    application.bot_data.config = config
    application.bot_data.updates_request = updates_request
    register_handlers(application, Registry(CAPABILITIES))
    return application
