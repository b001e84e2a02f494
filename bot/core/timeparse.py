"""Dates and times as people type them on a phone, in the committee's zone.

Accepted (full-width digits and punctuation too): ``2026-12-03 09:00``, ``2026/12/3 9:00``,
``12-3 9:00``, ``12月3日 9:30``, ``2026年12月3日 下午2点半``, ``明天 9点``, ``后天 14:00``,
``today 15:00``, ``tomorrow 9:00``; a time alone (``11:30``, ``下午4点``) when a day is
already known (the end of an event on the day it starts). A date without a year is the next
such date from today.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_RELATIVE_DAYS = {
    "今天": 0, "今日": 0, "today": 0,
    "明天": 1, "明日": 1, "tomorrow": 1,
    "后天": 2,
}  # fmt: skip

_DATE = re.compile(
    r"^(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
)
_TIME = re.compile(
    r"^(?P<half>上午|早上|中午|下午|晚上|am|pm)?\s*(?P<h>\d{1,2})"
    r"(?:\s*[:：点時时]\s*(?P<min>\d{1,2}|半)?\s*分?)?\s*(?P<suffix>am|pm)?$"
)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def parse_time(text: str) -> time | None:
    """``9:00``, ``14:30``, ``9点``, ``9点半``, ``下午3点``, ``3pm``; None if not a time."""
    match = _TIME.match(_normal(text))
    if match is None:
        return None
    hour = int(match["h"])
    minute = 30 if match["min"] == "半" else int(match["min"] or 0)
    # A bare number is too ambiguous (a day? an hour?) unless it says am/pm or 点.
    if (
        match["min"] is None
        and not (match["half"] or match["suffix"])
        and not re.search(r"[点時时:]", text)
    ):
        return None
    half = match["half"] or match["suffix"]
    if (half in ("下午", "晚上", "pm") and hour < 12) or (half == "中午" and hour < 6):
        hour += 12
    elif half in ("上午", "早上", "am") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _split_date(text: str, today: date) -> tuple[date | None, str]:
    for word, days in _RELATIVE_DAYS.items():
        if text.startswith(word):
            return today + timedelta(days=days), text[len(word) :]
    match = _DATE.match(text)
    if match is None:
        return None, text
    year = int(match["y"]) if match["y"] else today.year
    try:
        day = date(year, int(match["m"]), int(match["d"]))
    except ValueError:
        return None, text
    if match["y"] is None and day < today:
        try:
            day = day.replace(year=year + 1)
        except ValueError:  # 29 February
            return None, text
    return day, text[match.end() :]


def parse_local_datetime(
    text: str, zone: ZoneInfo, now: datetime, *, day: date | None = None
) -> datetime | None:
    """The moment `text` names in `zone`, as an aware datetime; None when it names none.

    `day` is the date a time alone refers to; without it a time alone is refused.
    """
    normal = _normal(text)
    today = now.astimezone(zone).date()
    found, rest = _split_date(normal, today)
    day = found or day
    if day is None:
        return None
    moment = parse_time(rest.strip(" ,，")) if rest.strip(" ,，") else None
    if moment is None:
        return None
    return datetime.combine(day, moment, tzinfo=zone)


_DAY = re.compile(r"^(?P<y>\d{4})(?:[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?|(?P<md>\d{4}))$")


def parse_day(text: str) -> date | None:
    """A full day given as an argument (`2026-12-31`, `2026/1/5`, `2026年1月5日`, `20261231`;
    full-width digits too), or None; the one parser of day arguments, in chat and in the CLI."""
    match = _DAY.match(unicodedata.normalize("NFKC", text.strip()))
    if match is None:
        return None
    month, day = (
        (match["m"], match["d"]) if match["md"] is None else (match["md"][:2], match["md"][2:])
    )
    try:
        return date(int(match["y"]), int(month), int(day))
    except ValueError:
        return None
