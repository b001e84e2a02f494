"""A reminder being made in chat (/reminders → ➕): the answers so far, the choices its buttons
offer (the next 14 days, times in half-hour steps, monthly and weekly rules) and the rule and
audience they make. Telegram-free, so the handlers only ask and show."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from pydantic import BaseModel, Field

from bot.reminders.audience import Audience
from bot.reminders.timing import HolidayPolicy, OneOff, Recurring, Rule
from domain.models import Role

# cron's names of the days of the week, Monday first (as date.weekday() counts them)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# "the Nth weekday of the month" as cron writes it
ORDINALS = ("1st", "2nd", "3rd", "4th", "last")
# days of the month offered (every month has them)
MONTH_DAYS = tuple(range(1, 29))
DAYS_AHEAD = 14
FIRST_TIME, LAST_TIME, TIME_STEP = time(8, 0), time(20, 0), timedelta(minutes=30)
# a notice sent "now" goes out this long after it is saved (the loop picks it up)
NOW_LEAD = timedelta(seconds=2)


class DraftKind(StrEnum):
    ONCE = "once"  # 通知: once, at a moment
    RECURRING = "recurring"  # 定期提醒: by a monthly or weekly rule


class Repeat(StrEnum):
    NTH_WEEKDAY = "nth"  # 每月第N个周X
    MONTH_DAY = "monthday"  # 每月N日
    WEEKLY = "weekly"  # 每周X


class AudienceChoice(StrEnum):
    EVERYONE = "everyone"
    GROUPS = "groups"
    LEADERS = "leaders"
    STAFF = "staff"


class ReminderDraft(BaseModel):
    """The answers so far; kept in the conversation, so a restart loses nothing."""

    kind: DraftKind | None = None
    title: str = ""
    body: str = ""
    audience: AudienceChoice | None = None
    groups: list[int] = Field(default_factory=list)
    # once
    day: date | None = None  # the day picked (the committee's zone)
    at_utc: datetime | None = None  # the moment picked
    now: bool = False  # right after saving
    # recurring
    repeat: Repeat | None = None
    ordinal: str | None = None  # one of ORDINALS
    weekday: int | None = None  # 0 = Monday
    month_day: int | None = None
    at: str | None = None  # "09:00"
    policy: HolidayPolicy = HolidayPolicy.NEXT
    ack: bool = False

    def rule(self, now: datetime) -> Rule:
        """The rule the answers make (a notice "now" goes out NOW_LEAD after `now`)."""
        if self.kind is DraftKind.ONCE:
            if self.now:
                return OneOff(at_utc=(now + NOW_LEAD).astimezone(UTC))
            assert self.at_utc is not None
            return OneOff(at_utc=self.at_utc.astimezone(UTC))
        assert self.at is not None
        return recurring_rule(self.repeat, self.ordinal, self.weekday, self.month_day, self.at)

    def audience_of(self) -> Audience:
        if self.audience is AudienceChoice.EVERYONE:
            return Audience.all_members()
        if self.audience is AudienceChoice.GROUPS:
            return Audience(group_ids=tuple(sorted(self.groups)))
        if self.audience is AudienceChoice.LEADERS:
            return Audience(roles=(Role.LEADER, Role.DEPUTY))
        if self.audience is AudienceChoice.STAFF:
            return Audience(roles=(Role.STAFF, Role.ADMIN))
        return Audience()


def recurring_rule(
    repeat: Repeat | None, ordinal: str | None, weekday: int | None, month_day: int | None,
    at: str,
) -> Recurring:
    """每月第N个周X / 每月N日 / 每周X at `at`; ValueError for an incomplete or unknown choice."""
    if repeat is Repeat.NTH_WEEKDAY and ordinal in ORDINALS and weekday in range(7):
        assert weekday is not None
        return Recurring(day=f"{ordinal} {WEEKDAYS[weekday]}", at=at)
    if repeat is Repeat.MONTH_DAY and month_day in MONTH_DAYS:
        return Recurring(day=str(month_day), at=at)
    if repeat is Repeat.WEEKLY and weekday in range(7):
        assert weekday is not None
        return Recurring(day_of_week=WEEKDAYS[weekday], at=at)
    raise ValueError(f"incomplete rule: {repeat} {ordinal} {weekday} {month_day}")


def day_choices(today: date) -> list[date]:
    """The days a notice's date is picked from: today and the 13 after it."""
    return [today + timedelta(days=n) for n in range(DAYS_AHEAD)]


def time_choices() -> list[str]:
    """08:00, 08:30 … 20:00."""
    found, moment = [], datetime.combine(date(2000, 1, 1), FIRST_TIME)
    while moment.time() <= LAST_TIME:
        found.append(f"{moment:%H:%M}")
        moment += TIME_STEP
    return found


def local_moment(day: date, at: str, zone: tzinfo) -> datetime:
    """`at` ("09:30") on `day` in the committee's zone, in UTC."""
    hour, minute = (int(part) for part in at.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def valid_clock(text: str) -> bool:
    """Whether `text` is one of the times offered by the buttons."""
    return text in time_choices()
