"""What every handler is given: the typed Context, the services and the application state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from telegram.ext import Application, CallbackContext, ExtBot
from telegram.request import BaseRequest

from bot.attendance.export import AttendanceExporter
from bot.attendance.screens import QrScreens
from bot.attendance.service import AttendanceService
from bot.core.auth import Actor
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
from bot.telegram.live import LiveMessages
from bot.telegram.sender import Sender
from domain.clock import Clock

if TYPE_CHECKING:
    from handlers.shared.capability import Registry


@dataclass
class Services:
    """Everything the handlers use, opened when the bot starts and closed when it stops: the
    config and services only (the database and repositories stay below them)."""

    config: Config
    members: MemberDirectory
    settings: UserSettings
    registration: RegistrationService
    codec: CallbackCodec
    sender: Sender
    live: LiveMessages
    reports: ReportService
    report_export: ReportExporter
    attendance: AttendanceService
    attendance_export: AttendanceExporter
    qr_screens: QrScreens
    reminders: ReminderService
    duty_record: DutyRecordService
    duty_export: DutyExporter
    supervision: SupervisionService
    digest: DigestService

    @property
    def clock(self) -> Clock:
        """The one clock (domain/clock.py): every "now" of a handler or job."""
        return self.config.clock

    def today(self) -> date:
        """Today in the committee's zone, by the one clock."""
        return self.config.clock.today(self.config.zone)


T = TypeVar("T")


class AppState:
    """The application's state between updates (PTB's bot_data), with typed attributes.

    `config`, `updates_request` and `registry` are set when the application is built;
    `services` while the bot runs (between attach and detach); a capability keeps its own
    state as a typed `part`.
    """

    config: Config
    updates_request: BaseRequest  # the poller's own connection (getUpdates)
    registry: Registry  # every capability's commands, buttons, flows, deep links, exports
    _services: Services | None = None

    def __init__(self) -> None:
        self._parts: dict[type[Any], Any] = {}

    def part(self, kind: type[T]) -> T:
        """A capability's own state between updates, made with `kind()` on first use."""
        if kind not in self._parts:
            self._parts[kind] = kind()
        part: T = self._parts[kind]
        return part

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are not open (the bot is not running)")
        return self._services

    @property
    def has_services(self) -> bool:
        return self._services is not None

    def open(self, services: Services) -> None:
        self._services = services

    def close(self) -> Services | None:
        services, self._services = self._services, None
        return services


class Context(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], AppState]):
    """PTB context with typed access to the services and the person behind the update."""

    actor: Actor
    lang: str

    @property
    def state(self) -> AppState:
        return self.application.bot_data

    @property
    def services(self) -> Services:
        return self.application.bot_data.services


LiaisonApplication = Application[
    ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], AppState, Any
]
