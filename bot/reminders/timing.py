"""When a reminder goes out: occurrences of a recurring rule (APScheduler's cron trigger in the
committee's zone), moved off holidays by the schedule's policy, and the two quiet-hours rules:
a reminder *ahead of* something moves earlier, anything else waits for the morning."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field

from bot.reminders.calendar import WorkCalendar

_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"


class HolidayPolicy(StrEnum):
    """What a recurring day that falls on a holiday (or a day off) does."""

    NEXT = "next"  # moves to the next working day (the default)
    PREVIOUS = "previous"  # moves to the working day before
    SKIP = "skip"  # does not happen that time
    KEEP = "keep"  # happens on the day all the same


class Recurring(BaseModel):
    """A rule in the committee's zone, as cron fields: `day="1st thu"` is the first Thursday of
    each month, `day="15"` the 15th, `day_of_week="mon"` every Monday."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["recurring"] = "recurring"
    month: str = "*"
    day: str = "*"
    day_of_week: str = "*"
    at: str = Field(default="09:00", pattern=_TIME)

    def trigger(self, zone: tzinfo) -> CronTrigger:
        hour, minute = (int(part) for part in self.at.split(":"))
        return CronTrigger(
            month=self.month, day=self.day, day_of_week=self.day_of_week,
            hour=hour, minute=minute, timezone=zone,
        )


class OneOff(BaseModel):
    """Once, at a moment (stored in UTC)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["once"] = "once"
    at_utc: datetime


Rule = Recurring | OneOff


@dataclass(frozen=True)
class QuietHours:
    """Hours in which the bot sends nothing unasked (local time; may span midnight)."""

    start: time = time(22, 0)
    end: time = time(7, 30)

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def parse_clock(text: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    return time(hour, minute)


@dataclass(frozen=True)
class Occurrence:
    """One time a rule fires: `nominal` is the day the rule names (its identity, kept when the
    day is moved), `due` when it goes out (aware, in the committee's zone)."""

    nominal: date
    due: datetime


def _moved(day: date, policy: HolidayPolicy, calendar: WorkCalendar) -> date | None:
    if policy is HolidayPolicy.KEEP or calendar.is_working_day(day):
        return day
    if policy is HolidayPolicy.NEXT:
        return calendar.next_working_day(day)
    if policy is HolidayPolicy.PREVIOUS:
        return calendar.previous_working_day(day)
    return None


def occurrences(
    rule: Rule,
    zone: tzinfo,
    calendar: WorkCalendar,
    quiet: QuietHours,
    *,
    after: datetime,
    until: datetime,
    policy: HolidayPolicy = HolidayPolicy.NEXT,
) -> Iterator[Occurrence]:
    """The occurrences whose nominal moment is in (after, until], moved as the policy says and
    delayed past quiet hours."""
    if isinstance(rule, OneOff):
        if after < rule.at_utc <= until:
            local = rule.at_utc.astimezone(zone)
            yield Occurrence(local.date(), delay_past_quiet(local, quiet))
        return
    trigger = rule.trigger(zone)
    previous: datetime | None = None
    fire = trigger.get_next_fire_time(None, after.astimezone(zone) + timedelta(microseconds=1))
    while fire is not None and fire <= until:
        day = _moved(fire.date(), policy, calendar)
        if day is not None:
            local = datetime.combine(day, fire.timetz()).replace(tzinfo=zone)
            yield Occurrence(fire.date(), delay_past_quiet(local, quiet))
        previous = fire
        fire = trigger.get_next_fire_time(previous, previous + timedelta(seconds=1))


@dataclass(frozen=True)
class NextSend:
    """When a schedule next goes out (aware); `quiet`: its rule names a moment in quiet hours,
    so it waits for their end."""

    due: datetime
    quiet: bool


def held_by_quiet(rule: Rule, zone: tzinfo, quiet: QuietHours) -> bool:
    """Whether the moment `rule` names falls in quiet hours (it goes out at their end)."""
    if isinstance(rule, OneOff):
        return quiet.contains(rule.at_utc.astimezone(zone).time())
    return quiet.contains(parse_clock(rule.at))


def delay_past_quiet(moment: datetime, quiet: QuietHours) -> datetime:
    """A push that falls in quiet hours waits for their end (the same or the next morning)."""
    if not quiet.contains(moment.timetz().replace(tzinfo=None)):
        return moment
    end = moment.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    return end if end > moment else end + timedelta(days=1)


def ahead_of(
    thing: datetime,
    wanted: datetime,
    calendar: WorkCalendar,
    quiet: QuietHours,
) -> datetime | None:
    """A reminder ahead of `thing`, wanted at `wanted` (both in the committee's zone): moved
    earlier off holidays and out of quiet hours, never later; None when no moment before
    `thing` is left (it is past already or the way back runs into it)."""
    due = wanted
    for _ in range(60):  # a holiday week and its evenings at the most; the loop is bounded
        if calendar.in_holiday_break(due.date()):
            due -= timedelta(days=1)  # the day before, at the same time
            continue
        clock = due.timetz().replace(tzinfo=None)
        if quiet.contains(clock):
            evening = due.replace(
                hour=quiet.start.hour, minute=quiet.start.minute, second=0, microsecond=0
            ) - timedelta(minutes=1)
            due = evening if clock >= quiet.start else evening - timedelta(days=1)
            continue
        return due if due < thing else None
    return None
