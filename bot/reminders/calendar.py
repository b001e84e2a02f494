"""Working days in China: public holidays and swapped working days (调休) from the `holidays`
library, corrected by the office's own entries for years the library does not know yet."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays


class DayKind(StrEnum):
    WORKDAY = "workday"
    HOLIDAY = "holiday"


@lru_cache(maxsize=8)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


class WorkCalendar:
    """Which days are working days: the staff's overrides first, then the published calendar
    (holidays and 调休 working weekends), then Monday to Friday."""

    def __init__(self, overrides: Mapping[date, DayKind] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def is_holiday(self, day: date) -> bool:
        """A public holiday or a day off in lieu (not an ordinary weekend)."""
        kind = self.overrides.get(day)
        if kind is not None:
            return kind is DayKind.HOLIDAY
        return day in _china(day.year)

    def is_working_day(self, day: date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind is DayKind.WORKDAY
        calendar = _china(day.year)
        if day in calendar:
            return False
        if day in calendar.weekend_workdays:
            return True
        return day.weekday() < 5

    def in_holiday_break(self, day: date) -> bool:
        """A day off that belongs to a holiday: the run of days off around it (weekends
        included, as in the National Day week) contains a public holiday."""
        if self.is_working_day(day):
            return False
        for step in (timedelta(days=-1), timedelta(days=1)):
            other = day
            for _ in range(15):
                if self.is_holiday(other):
                    return True
                other += step
                if self.is_working_day(other):
                    break
        return False

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def swaps_known(self, year: int) -> bool:
        """Whether the year's 调休 is known: the State Council publishes it late in the year
        before; until the library or the staff have it, holidays may be incomplete."""
        if any(day.year == year for day in self.overrides):
            return True
        calendar = _china(year)
        return any(day.year == year for day in calendar.weekend_workdays)
