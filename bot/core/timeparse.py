"""Dates and times as people type them on a phone, in the committee's zone.

Accepted (full-width digits and punctuation too): ``2026-12-03 09:00``, ``2026/12/3 9:00``,
``12-3 9:00``, ``12月3日 9:30``, ``2026年12月3日 下午2点半``, ``明天 9点``, ``后天 14:00``,
``today 15:00``, ``tomorrow 9:00``, ``今天凌晨2点``, ``昨天 下午2点半``, ``今晚7点``,
``下周三上午9点``, ``周五 15:00``; a time alone (``11:30``, ``下午4点``) when a day is already
known (the end of an event on the day it starts). A date without a year is the next such date
from today; a weekday alone the next such day from today (``下周三``: that of next week).

An hour from 1 to 6 without 上午/下午 (``今天 2点``) is not guessed: `read_local_datetime`
returns both readings to ask about. A day without an hour (``下周三上午``) is returned as a day.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_RELATIVE_DAYS = {
    "今天": 0, "今日": 0, "today": 0,
    "明天": 1, "明日": 1, "tomorrow": 1,
    "后天": 2, "大后天": 3,
    "昨天": -1, "昨日": -1, "yesterday": -1, "前天": -2,
    # a day and a part of it in one word: 今晚 = 今天晚上
    "今晚": 0, "明晚": 1, "昨晚": -1, "今早": 0, "明早": 1,
}  # fmt: skip
# what the one-word forms above say of the part of the day
_WORD_HALF = {"今晚": "晚上", "明晚": "晚上", "昨晚": "晚上", "今早": "早上", "明早": "早上"}
_WEEKDAY = re.compile(
    r"^(?P<which>下个?|本|这个?|上个?)?(?:周|星期|礼拜)(?P<d>[一二三四五六日天1-7])"
)
_WEEKDAY_NUMBER = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_MORNING = ("凌晨", "早上", "早晨", "上午", "am")
_AFTERNOON = ("下午", "午后", "傍晚", "晚上", "pm")

_DATE = re.compile(
    r"^(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
)
_TIME = re.compile(
    r"^(?P<half>凌晨|早上|早晨|上午|中午|午后|下午|傍晚|晚上|am|pm)?\s*(?P<h>\d{1,2})"
    r"(?:\s*[:：点時时]\s*(?P<min>\d{1,2}|半)?\s*分?)?\s*(?P<suffix>am|pm)?$"
)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


@dataclass(frozen=True)
class TimeReading:
    """What a typed time says: a `moment`; or two `choices` (an hour from 1 to 6 without
    上午/下午, morning first); or only a `day` (``下周三上午``: the hour is missing); or
    nothing understood (all None). `time_only`: a time typed without a day, read on the day
    given to `read_local_datetime`."""

    moment: datetime | None = None
    choices: tuple[datetime, datetime] | None = None
    day: date | None = None
    time_only: bool = False


def _read_time(text: str) -> tuple[time, bool] | None:
    """The time and whether it is ambiguous (1–6 o'clock, morning or afternoon unsaid)."""
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
    if (half in _AFTERNOON and hour < 12) or (half == "中午" and hour < 6):
        hour += 12
    elif half in _MORNING and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    ambiguous = half is None and 1 <= hour <= 6 and not match["h"].startswith("0")
    return time(hour, minute), ambiguous


def parse_time(text: str) -> time | None:
    """``9:00``, ``14:30``, ``9点``, ``9点半``, ``下午3点``, ``凌晨2点``, ``3pm``; None if not
    a time (``2点`` reads as 02:00 here: see `read_local_datetime` for asking)."""
    read = _read_time(text)
    return read[0] if read else None


def _weekday(match: re.Match[str], today: date) -> date:
    wanted = _WEEKDAY_NUMBER.get(match["d"])
    wanted = int(match["d"]) - 1 if wanted is None else wanted
    which = match["which"] or ""
    if not which:  # 周五: the next Friday from today (today included)
        return today + timedelta(days=(wanted - today.weekday()) % 7)
    monday = today - timedelta(days=today.weekday())
    weeks = 1 if which.startswith("下") else -1 if which.startswith("上") else 0
    return monday + timedelta(days=7 * weeks + wanted)


def _split_date(text: str, today: date) -> tuple[date | None, str, str]:
    """The day at the start of `text`, the rest, and the part of the day a word such as
    今晚 names ("" if none)."""
    for word in sorted(_RELATIVE_DAYS, key=len, reverse=True):
        if text.startswith(word):
            return (today + timedelta(days=_RELATIVE_DAYS[word]), text[len(word) :],
                    _WORD_HALF.get(word, ""))
    weekday = _WEEKDAY.match(text)
    if weekday is not None:
        return _weekday(weekday, today), text[weekday.end() :], ""
    match = _DATE.match(text)
    if match is None:
        return None, text, ""
    year = int(match["y"]) if match["y"] else today.year
    try:
        day = date(year, int(match["m"]), int(match["d"]))
    except ValueError:
        return None, text, ""
    if match["y"] is None and day < today:
        try:
            day = day.replace(year=year + 1)
        except ValueError:  # 29 February
            return None, text, ""
    return day, text[match.end() :], ""


_HALF_ALONE = re.compile(r"^(?:凌晨|早上|早晨|上午|中午|午后|下午|傍晚|晚上|am|pm)?$")


def read_local_datetime(
    text: str, zone: ZoneInfo, now: datetime, *, day: date | None = None
) -> TimeReading:
    """What `text` says in `zone` (see TimeReading). `day` is the date a time alone refers
    to; without it a time alone is not understood."""
    normal = _normal(text)
    today = now.astimezone(zone).date()
    found, rest, half = _split_date(normal, today)
    rest = rest.strip(" ,，")
    if found is not None and _HALF_ALONE.match(rest):  # 下周三上午, 明天: no hour
        return TimeReading(day=found)
    on = found or day
    if on is None:
        return TimeReading()
    read = _read_time(half + rest if half and rest[:1].isdigit() else rest)
    if read is None:
        return TimeReading()
    moment, ambiguous = read
    time_only = found is None
    if ambiguous:
        morning = datetime.combine(on, moment, tzinfo=zone)
        return TimeReading(choices=(morning, morning + timedelta(hours=12)),
                           time_only=time_only)
    return TimeReading(moment=datetime.combine(on, moment, tzinfo=zone), time_only=time_only)


def parse_local_datetime(
    text: str, zone: ZoneInfo, now: datetime, *, day: date | None = None
) -> datetime | None:
    """The moment `text` names in `zone`, as an aware datetime; None when it names none, or
    when it could name two (``今天 2点``: see `read_local_datetime`).

    `day` is the date a time alone refers to; without it a time alone is refused.
    """
    return read_local_datetime(text, zone, now, day=day).moment


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
