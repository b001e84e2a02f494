"""Working days in China: public holidays and swapped working days (调休) from the `holidays`
library, corrected by the office's own entries for years the library does not know yet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays


class DayKind(StrEnum):
    WORKDAY = "workday"
    HOLIDAY = "holiday"


@dataclass(frozen=True)
class MarkedDay:
    """A day a year's calendar marks: a holiday (a public holiday or a day off in lieu), or a
    调休 working day (a weekend worked); or any day the office entered (`by_office`)."""

    day: date
    kind: DayKind
    name: str  # 元旦, 春节（补假）…; '' when neither the library nor the office names it
    by_office: bool


@lru_cache(maxsize=8)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year, language="zh_CN")  # the names, as `calendar show` lists


def _swap_name(workday: date, published: holidays.HolidayBase) -> str:
    """调休上班, with the day off it is swapped for where the library names it: the library
    calls that day "休息日（由 2026-01-04 调休）"."""
    swapped = [day for day, name in published.items() if workday.isoformat() in name]
    return f"调休上班（{swapped[0].isoformat()} 休息）" if swapped else "调休上班"


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

    def marked_days(self, year: int, names: Mapping[date, str] | None = None) -> list[MarkedDay]:
        """Every holiday and 调休 working day of `year`, in order: the published calendar's,
        with the office's entries over them, named by the office where `names` has a name,
        else by the library where the office agrees with it."""
        published = _china(year)
        found = {day: MarkedDay(day, DayKind.HOLIDAY, str(name), by_office=False)
                 for day, name in published.items() if day.year == year}
        for day in published.weekend_workdays:
            if day.year == year:
                found[day] = MarkedDay(day, DayKind.WORKDAY, _swap_name(day, published),
                                       by_office=False)
        for day, kind in self.overrides.items():
            if day.year != year:
                continue
            library = found.get(day)
            name = (names or {}).get(day) or (
                library.name if library is not None and library.kind is kind else ""
            )
            found[day] = MarkedDay(day, kind, name, by_office=True)
        return [found[day] for day in sorted(found)]

    def swaps_known(self, year: int) -> bool:
        """Whether the year's 调休 is known: the State Council publishes it late in the year
        before; until the library or the staff have it, holidays may be incomplete."""
        if any(day.year == year for day in self.overrides):
            return True
        calendar = _china(year)
        return any(day.year == year for day in calendar.weekend_workdays)
