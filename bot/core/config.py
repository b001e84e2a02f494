"""Configuration: a TOML file read with tomllib into pydantic models, with env overrides."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

TOKEN_ENV = "LIAISON_BOT_TOKEN"  # noqa: S105 (a variable name, not a secret)
CONFIG_ENV = "LIAISON_BOT_CONFIG"
DEFAULT_CONFIG_PATH = Path("config.toml")
# What @BotFather hands out: the bot's numeric id, a colon, letters, digits, _ and -.
_TOKEN_FORM = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,200}")


class ConfigError(Exception):
    """A configuration problem, described in one line for the operator."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookConfig(_Section):
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    url_path: str = "telegram"
    public_url: str = ""
    secret_token: SecretStr | None = None
    # Connections Telegram may open to post updates (1–100; its default is 40). Each carries
    # one update a round trip: 40 at 100 ms let a crowd in at about 400 a second (popup p95
    # 4.2 s for 2,000 presses in benchmarks/checkin_burst), slower than long polling.
    max_connections: int = Field(default=100, ge=1, le=100)


class TelegramConfig(_Section):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: int = Field(default=30, ge=0, le=50)
    request_timeout: float = Field(default=20.0, gt=0)
    webhook: WebhookConfig = WebhookConfig()

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramConfig:
        if self.mode == "webhook" and not self.webhook.public_url.startswith("https://"):
            raise ValueError("mode = \"webhook\" needs webhook.public_url (https://…)")
        return self


class StorageConfig(_Section):
    path: Path = Path("liaison.db")


class CommitteeConfig(_Section):
    name: str = "政协委员会"
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class AdminsConfig(_Section):
    telegram_user_ids: list[int] = Field(default_factory=list)


class LimitsConfig(_Section):
    """Outbound limits, after Telegram's published ones."""

    messages_per_second: float = Field(default=30.0, gt=0)
    group_messages_per_minute: int = Field(default=20, gt=0)
    private_messages_per_second: float = Field(default=1.0, gt=0)
    # Updates handled at once (different users'; each user's in order). A handler holds its
    # slot through its Bot API calls (the popup's answer: a round trip to Telegram), so the
    # updates handled a second are at most this / the round trip: 64 slots at 100 ms took a
    # crowd in at about 500 a second, slower than getUpdates delivers it (benchmarks/
    # checkin_burst). 256 is the HTTP transport's connections; more would wait for those.
    max_concurrent_updates: int = Field(default=256, ge=1, le=256)


class ReportsConfig(_Section):
    """Public-opinion reports (社情民意信息)."""

    # Submitted reports untouched this many days are listed to staff in the daily nudge,
    stale_days: int = Field(default=3, ge=1, le=60)
    # at this local time of day (HH:MM, committee zone).
    nudge_time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # Staff may undo a move for this many minutes after making it (0: no undo).
    undo_minutes: int = Field(default=10, ge=0, le=1440)
    # Staff who review hear of each new or resubmitted report: "immediate" (one message per
    # report), "batched" (one list every notice_every_minutes) or "off".
    new_report_notice: Literal["immediate", "batched", "off"] = "batched"
    notice_every_minutes: int = Field(default=60, ge=5, le=1440)


class AttendanceConfig(_Section):
    """Attendance: the check-in window, lateness, and how often new events are announced."""

    # Check-in opens this many minutes before an event starts (and closes at its end);
    checkin_opens_minutes: int = Field(default=60, ge=0, le=24 * 60)
    # a check-in later than the start plus this many minutes is recorded as late.
    late_after_minutes: int = Field(default=15, ge=0, le=24 * 60)
    # Every this many seconds the bot posts the announcements still missing (events created
    # from the command line, groups bound after the event was created).
    announce_every_seconds: float = Field(default=30.0, ge=0.5, le=3600)
    # `/qr` keeps its message fresh (a new code every 30 s) for at most this many hours.
    qr_refresh_hours: float = Field(default=2.0, gt=0, le=24)


_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


class ThemedDayConfig(_Section):
    """A monthly themed day (委员阅读日, 委员建言日) that the bot reminds members of; seeded once
    into the schedules, where staff change or pause it afterwards."""

    enabled: bool = True
    day: str = "1st thu"  # cron day field: '1st thu', 'last fri', '15'
    at: str = Field(default="09:00", pattern=_CLOCK)
    holiday_policy: Literal["next", "previous", "skip", "keep"] = "next"
    # 建言日 only: the category its 写社情民意信息 button suggests (economy, livelihood,
    # governance, ecology, culture_education, health, rule_of_law, other)
    category: Literal[
        "economy", "livelihood", "governance", "ecology", "culture_education", "health",
        "rule_of_law", "other",
    ] = "other"


class EventRemindersConfig(_Section):
    """Reminders before and after each event, to the members expected."""

    evening_at: str = Field(default="18:00", pattern=_CLOCK)  # the evening before
    hours_before: float = Field(default=1.0, ge=0, le=24)  # 0: none
    not_checked_in_after_minutes: int = Field(default=30, ge=0, le=24 * 60)  # 0: none
    # event types (reading, advice, inspection, consultation, meeting, study, other) that get
    # no "not checked in yet" reminder
    no_checkin_reminder_for: list[str] = Field(default_factory=list)


class RemindersConfig(_Section):
    check_every_seconds: float = Field(default=30.0, ge=0.5, le=3600)  # how often due are read
    grace_hours: float = Field(default=6.0, ge=0, le=72)  # down at a due time: still delivered
    quiet_start: str = Field(default="22:00", pattern=_CLOCK)
    quiet_end: str = Field(default="07:30", pattern=_CLOCK)
    events: EventRemindersConfig = EventRemindersConfig()
    # proposal windows: the announcement on the opening day and the countdown, at this time
    proposals_at: str = Field(default="09:00", pattern=_CLOCK)
    reading_day: ThemedDayConfig = ThemedDayConfig(day="1st thu")
    advice_day: ThemedDayConfig = ThemedDayConfig(day="3rd thu")


class Config(_Section):
    telegram: TelegramConfig = TelegramConfig()
    storage: StorageConfig = StorageConfig()
    committee: CommitteeConfig = CommitteeConfig()
    admins: AdminsConfig = AdminsConfig()
    limits: LimitsConfig = LimitsConfig()
    reports: ReportsConfig = ReportsConfig()
    attendance: AttendanceConfig = AttendanceConfig()
    reminders: RemindersConfig = RemindersConfig()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.committee.timezone)

    def token_value(self) -> str:
        if self.telegram.token is None or not self.telegram.token.get_secret_value().strip():
            raise ConfigError(
                "no bot token: ask @BotFather in Telegram for one (/newbot), then put it in "
                f"[telegram] token of the config file or in the {TOKEN_ENV} environment variable"
            )
        token = self.telegram.token.get_secret_value().strip()
        if not _TOKEN_FORM.fullmatch(token):  # the token itself is never shown
            raise ConfigError(
                "the bot token is malformed: a token from @BotFather looks like "
                "123456789:AAH… (digits, a colon, then letters, digits, _ and -); check "
                f"[telegram] token of the config file or the {TOKEN_ENV} environment variable"
            )
        return token


def config_path(explicit: str | Path | None = None) -> Path:
    """The config file to read: the argument, else $LIAISON_BOT_CONFIG, else ./config.toml."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"unknown key {key}"
    return f"key {key}: {first['msg']}"


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate the config; relative storage paths are taken from the file's folder.

    There are no silent defaults: without the file, the bot and the command line would each
    make a database wherever they happen to run, and never see each other's data.
    """
    file = config_path(path)
    if not file.is_file():
        raise ConfigError(
            f"no config file {file.resolve()} (looked for --config, else ${CONFIG_ENV}, else "
            "config.toml in the current folder); copy config.example.toml there and fill it in"
        )
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{file}: {_describe(exc)}") from exc
    env_token = os.environ.get(TOKEN_ENV)
    if env_token:
        config.telegram.token = SecretStr(env_token)
    if not config.storage.path.is_absolute():
        config.storage.path = (file.parent / config.storage.path).resolve()
    return config
