"""Configuration: a TOML file read with tomllib into pydantic models, with env overrides."""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.texts import say
from domain.clock import OFFSET_ENV, Clock

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
            raise ValueError(say("cli_config.webhook_needs_url"))
        return self


class StorageConfig(_Section):
    path: Path = Path("liaison.db")


class CommitteeConfig(_Section):
    name: str = "政协委员会"
    timezone: str = "Asia/Shanghai"
    # The office's language: what the command line (liaison-bot) speaks; --lang overrides it.
    language: Literal["zh", "en"] = "zh"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(say("cli_config.unknown_zone", zone=value)) from exc
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


class LevelConfig(_Section):
    """A level at which a report can be adopted (采用), its names and its points. `code` is what
    the review stores (e.g. city, province, national; a county committee adds county below
    city). The levels are listed from the committee's own upwards: a report counts at the
    highest one it was adopted at."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,11}$")
    zh: str = Field(min_length=1, max_length=12)
    en: str = Field(min_length=1, max_length=24)
    points: float = Field(ge=-100, le=100)

    def name(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


def level_name(levels: Sequence[LevelConfig], code: str, language: str) -> str:
    """The name of the level `code` as the committee's config gives it (市级, 省级, 全国…); a code
    no longer in the config reads as itself."""
    return next((level.name(language) for level in levels if level.code == code), code)


def highest_level(levels: Sequence[LevelConfig], codes: Iterable[str | None]) -> str | None:
    """The highest of the levels `codes` in the config's order (a code no longer in the config
    ranks lowest)."""
    rank = {level.code: index for index, level in enumerate(levels)}
    present = [code for code in codes if code is not None]
    return max(present, key=lambda code: rank.get(code, -1), default=None)


class PointsConfig(_Section):
    """Points per item of the duty record (履职实绩); a negative value takes points away."""

    attended: float = Field(default=2.0, ge=-100, le=100)  # an event checked in at (on time)
    late: float = Field(default=1.0, ge=-100, le=100)  # an event checked in at, late
    absent: float = Field(default=0.0, ge=-100, le=100)  # expected, no check-in, no leave
    report_submitted: float = Field(default=1.0, ge=-100, le=100)  # as first author
    report_coauthored: float = Field(default=0.5, ge=-100, le=100)
    leader_instruction: float = Field(default=5.0, ge=-100, le=100)  # 领导批示 on a report
    proposal: float = Field(default=3.0, ge=-100, le=100)  # per proposal filed
    reading_note: float = Field(default=1.0, ge=-100, le=100)  # 读书心得 shared


class MinimumsConfig(_Section):
    """The yearly minimums; a member below them (pro-rated through the year) is nudged."""

    activities: int = Field(default=3, ge=0, le=366)  # events attended
    proposals: int = Field(default=1, ge=0, le=99)  # proposals filed
    reports: int = Field(default=1, ge=0, le=999)  # reports submitted as first author


class SupervisionConfig(_Section):
    """督导提醒: on the first working day of each of these months, at this time."""

    enabled: bool = True
    months: list[int] = Field(default_factory=lambda: [3, 6, 9, 12])
    at: str = Field(default="09:30", pattern=_CLOCK)
    # the bot down at that time: the run still happens if it is back within this many days
    catch_up_days: int = Field(default=7, ge=0, le=31)

    @field_validator("months")
    @classmethod
    def _months(cls, months: list[int]) -> list[int]:
        if not months or any(not 1 <= m <= 12 for m in months) or len(set(months)) != len(months):
            raise ValueError(say("cli_config.bad_months"))
        return sorted(months)


class DigestConfig(_Section):
    """The weekly digest in each bound group chat (staff switch it off per group)."""

    enabled: bool = True
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    at: str = Field(default="09:00", pattern=_CLOCK)


MAX_GRADE_CHOICES = 10  # buttons under a member's record, a drop-down list in the template


class GradesConfig(_Section):
    """The grades staff may give (评议) for 作风表现 and 群众满意度, best first: the choices of
    `duty grade`, the grades import and template, and the staff's buttons under a member's
    record."""

    conduct: list[str] = Field(default_factory=lambda: ["优秀", "良好", "一般", "较差"])
    satisfaction: list[str] = Field(default_factory=lambda: ["满意", "基本满意", "不满意"])

    @field_validator("conduct", "satisfaction")
    @classmethod
    def _choices(cls, grades: list[str]) -> list[str]:
        # as a spreadsheet's cell is read (full-width letters and digits made plain), and fit
        # for the template's drop-down list (no commas, no quotes)
        found = [unicodedata.normalize("NFKC", grade).strip() for grade in grades]
        if not 1 <= len(found) <= MAX_GRADE_CHOICES \
                or any(not g or len(g) > 20 or set(g) & set(',"') for g in found) \
                or len({g.casefold() for g in found}) != len(found):
            raise ValueError(say("cli_config.bad_grades", count=MAX_GRADE_CHOICES))
        return found


def _default_levels() -> list[LevelConfig]:
    return [
        LevelConfig(code="city", zh="市级", en="city", points=3.0),
        LevelConfig(code="province", zh="省级", en="provincial", points=5.0),
        LevelConfig(code="national", zh="全国", en="national", points=10.0),
    ]


class DutyRecordConfig(_Section):
    # the /stats chart's font file (relative to the config file); empty: Noto Sans SC of the
    # project's dependencies, else a Chinese font of the system (bot/duty_record/chart.py)
    chart_font: str = Field(default="", max_length=1000)
    points: PointsConfig = PointsConfig()
    minimums: MinimumsConfig = MinimumsConfig()
    levels: list[LevelConfig] = Field(default_factory=_default_levels)
    supervision: SupervisionConfig = SupervisionConfig()
    digest: DigestConfig = DigestConfig()
    grades: GradesConfig = GradesConfig()
    # The first day of the duty record (a TOML date, 2026-01-01): nothing before it is due or
    # judged, its year's minimums are pro-rated from it. Unset: the day the bot first started,
    # which the bot stores then and keeps (bot/duty_record/record_start.py).
    record_starts: date | None = Field(default=None, ge=date(2000, 1, 1))

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: list[LevelConfig]) -> list[LevelConfig]:
        codes = [level.code for level in levels]
        if not levels or len(set(codes)) != len(codes):
            raise ValueError(say("cli_config.bad_levels"))
        return levels

    def level(self, code: str) -> LevelConfig | None:
        return next((level for level in self.levels if level.code == code), None)


class Config(_Section):
    telegram: TelegramConfig = TelegramConfig()
    storage: StorageConfig = StorageConfig()
    committee: CommitteeConfig = CommitteeConfig()
    admins: AdminsConfig = AdminsConfig()
    limits: LimitsConfig = LimitsConfig()
    reports: ReportsConfig = ReportsConfig()
    attendance: AttendanceConfig = AttendanceConfig()
    reminders: RemindersConfig = RemindersConfig()
    duty_record: DutyRecordConfig = DutyRecordConfig()
    # The one clock of the process (domain/clock.py): the system's, or moved by the offset in
    # $LIAISON_BOT_CLOCK_OFFSET; not a key of the file.
    _clock: Clock = PrivateAttr(default_factory=Clock)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.committee.timezone)

    @property
    def clock(self) -> Clock:
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = clock

    def token_value(self) -> str:
        if self.telegram.token is None or not self.telegram.token.get_secret_value().strip():
            raise ConfigError(say("cli_config.no_token", env=TOKEN_ENV))
        token = self.telegram.token.get_secret_value().strip()
        if not _TOKEN_FORM.fullmatch(token):  # the token itself is never shown
            raise ConfigError(say("cli_config.bad_token", env=TOKEN_ENV))
        return token


def config_path(explicit: str | Path | None = None) -> Path:
    """The config file to read: the argument, else $LIAISON_BOT_CONFIG, else ./config.toml."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)


def _describe(file: Path, error: ValidationError) -> str:
    """The first problem pydantic found, in one line naming the file and the key. Our own
    validators' words are catalog text already; pydantic's own detail stays as it is."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or say("cli_config.top_level")
    if first["type"] == "extra_forbidden":
        return say("cli_config.unknown_key", path=file, key=key)
    cause = first.get("ctx", {}).get("error")
    detail = str(cause) if first["type"] == "value_error" and cause else first["msg"]
    return say("cli_config.bad_value", path=file, key=key, detail=detail)


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate the config; relative paths (storage, chart font) are taken from the
    file's folder.

    There are no silent defaults: without the file, the bot and the command line would each
    make a database wherever they happen to run, and never see each other's data.
    """
    file = config_path(path)
    if not file.is_file():
        raise ConfigError(say("cli_config.no_file", path=file.resolve(), env=CONFIG_ENV))
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(say("cli_config.not_toml", path=file, error=exc)) from exc
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(file, exc)) from exc
    try:
        config.clock = Clock.from_environment(os.environ)
    except ValueError as exc:
        offset = os.environ.get(OFFSET_ENV, "").strip()
        raise ConfigError(say("cli_config.bad_clock_offset", name=OFFSET_ENV,
                               value=offset)) from exc
    env_token = os.environ.get(TOKEN_ENV)
    if env_token:
        config.telegram.token = SecretStr(env_token)
    if not config.storage.path.is_absolute():
        config.storage.path = (file.parent / config.storage.path).resolve()
    chart_font = Path(config.duty_record.chart_font).expanduser()
    if config.duty_record.chart_font and not chart_font.is_absolute():
        config.duty_record.chart_font = str((file.parent / chart_font).resolve())
    return config
