"""Moments as people read them, in the committee's zone: 12月3日（周四）14:00."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.core.texts import tr


def clock(moment: datetime, zone: tzinfo) -> str:
    """09:02 in the committee's zone."""
    return moment.astimezone(zone).strftime("%H:%M")


def day_text(language: str, moment: datetime, zone: tzinfo) -> str:
    """2026年12月3日（周四） / Thu 3.12.2026."""
    local = moment.astimezone(zone)
    return tr(
        language, "event.day", year=local.year, month=local.month, day=local.day,
        weekday=tr(language, f"weekday.{local.weekday()}"),
    )


def moment_text(language: str, moment: datetime, zone: tzinfo) -> str:
    """A day and a time: 2026年12月3日（周四） 09:00."""
    return f"{day_text(language, moment, zone)} {clock(moment, zone)}"
