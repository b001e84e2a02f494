"""Moments as people read them, in the committee's zone: 12月3日（周四）14:00, Thu 3 Dec 14:00.

The year is shown only when it is not this year (in the committee's zone); ISO dates are for
exports and the CLI only.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from bot.core.texts import tr


def clock(moment: datetime, zone: tzinfo) -> str:
    """09:02 in the committee's zone."""
    return moment.astimezone(zone).strftime("%H:%M")


def _day_values(language: str, day: date) -> dict[str, object]:
    """What a day's texts may use: the numbers, the weekday and the month's name (Dec)."""
    return {"year": day.year, "month": day.month, "day": day.day,
            "month_name": tr(language, f"month.{day.month}"),
            "weekday": tr(language, f"weekday.{day.weekday()}")}


def date_text(language: str, day: date, today: date) -> str:
    """12月3日（周四） / Thu 3 Dec; with the year when it is not `today`'s year."""
    key = "event.day" if day.year == today.year else "event.day_with_year"
    return tr(language, key, **_day_values(language, day))


def day_text(language: str, moment: datetime, zone: tzinfo, *, today: date) -> str:
    """The day of `moment` in the committee's zone (see date_text), as read on `today`."""
    return date_text(language, moment.astimezone(zone).date(), today)


def _gap(language: str) -> str:
    """Between a day and a time: none in Chinese (12月3日（周四）14:00), a space in English."""
    return "" if language == "zh" else " "


def moment_text(
    language: str, moment: datetime, zone: tzinfo, *, today: date
) -> str:
    """A day and a time: 12月3日（周四）14:00."""
    return f"{day_text(language, moment, zone, today=today)}{_gap(language)}{clock(moment, zone)}"


def short_moment_text(
    language: str, moment: datetime, zone: tzinfo, *, today: date
) -> str:
    """A day and a time without the weekday, for a button or a picker's line: 12月8日 14:00 /
    8 Dec 14:00; with the year when it is not `today`'s year."""
    day = moment.astimezone(zone).date()
    key = "when.short_day" if day.year == today.year else "when.short_day_with_year"
    return f"{tr(language, key, **_day_values(language, day))} {clock(moment, zone)}"


def when_text(
    language: str, starts: datetime, ends: datetime, zone: tzinfo, *, today: date
) -> str:
    """When an event is: 12月3日（周四）14:00至16:00, or two moments when it spans days."""
    to = "至" if language == "zh" else "–"
    if starts.astimezone(zone).date() == ends.astimezone(zone).date():
        return f"{moment_text(language, starts, zone, today=today)}{to}{clock(ends, zone)}"
    spaced = to if language == "zh" else f" {to} "
    return (f"{moment_text(language, starts, zone, today=today)}{spaced}"
            f"{moment_text(language, ends, zone, today=today)}")
