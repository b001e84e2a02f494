"""Where the duty record starts, Telegram-free: [duty_record] record_starts when configured,
else the day the bot first started (the instant stored at that start, read in the committee's
zone, and kept ever after). The bot knows nothing of the time before it: nothing before the
start is due (bot/duty_record/rules.py) or judged by supervision, and a year before it has no
record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from enum import StrEnum

from storage.conversations import SettingsRepository
from storage.db import from_db_time, to_db_time

# The committee setting holding the instant (UTC) the bot first started.
FIRST_STARTED_AT = "first_started_at"


class StartSource(StrEnum):
    """Where the record's start comes from."""

    CONFIG = "config"  # [duty_record] record_starts
    FIRST_START = "first_start"  # the day the bot first started
    NOT_STARTED = "not_started"  # neither: the bot has not started yet (years are whole)


@dataclass(frozen=True)
class RecordStart:
    source: StartSource
    day: date | None = None  # the first day on record, in the committee's zone
    # From when a supervision check is judged: 00:00 of the configured day, or the instant of
    # the first start (a check due earlier that day was before the bot was there)
    at: datetime | None = None

    @classmethod
    def of(cls, configured: date | None, first_started: datetime | None,
           zone: tzinfo) -> RecordStart:
        """The configured day wins; else the first start's day in `zone`."""
        if configured is not None:
            return cls(StartSource.CONFIG, configured,
                       datetime.combine(configured, time(), tzinfo=zone))
        if first_started is not None:
            return cls(StartSource.FIRST_START, first_started.astimezone(zone).date(),
                       first_started)
        return cls(StartSource.NOT_STARTED)


async def first_started_at(settings: SettingsRepository) -> datetime | None:
    """The instant the bot first started, if it has."""
    return from_db_time(await settings.committee_setting(FIRST_STARTED_AT))


async def note_first_start(settings: SettingsRepository, now: datetime) -> datetime:
    """At the bot's start: `now` becomes the first start unless one is stored; the one kept."""
    kept = from_db_time(await settings.keep_first_setting(FIRST_STARTED_AT, to_db_time(now)))
    assert kept is not None
    return kept
