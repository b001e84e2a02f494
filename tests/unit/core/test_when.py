"""Moments as people read them (bot/core/when.py): Chinese as the office writes them, English
as an English reader does ("Mon 7 Dec 14:00", not "Mon 7.12"); the year only when it is not
this year; the short form of a picker's button."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.when import date_text, moment_text, short_moment_text, when_text

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 30)  # a Monday
# Monday 7 December 2026, 14:00 in Shanghai
MOMENT = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
NEXT_YEAR = datetime(2027, 12, 7, 6, 0, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(("language", "day", "expected"), [
    ("zh", date(2026, 12, 7), "12月7日（周一）"),
    ("zh", date(2027, 12, 7), "2027年12月7日（周二）"),
    ("en", date(2026, 12, 7), "Mon 7 Dec"),
    ("en", date(2027, 1, 15), "Fri 15 Jan 2027"),
    ("en", date(2026, 5, 1), "Fri 1 May"),
])
def test_a_day_reads_naturally_in_each_language(language: str, day: date, expected: str) -> None:
    assert date_text(language, day, TODAY) == expected


def test_a_moment_and_a_span_in_english_and_chinese() -> None:
    assert moment_text("en", MOMENT, ZONE, today=TODAY) == "Mon 7 Dec 14:00"
    assert moment_text("en", NEXT_YEAR, ZONE, today=TODAY) == "Tue 7 Dec 2027 14:00"
    assert moment_text("zh", MOMENT, ZONE, today=TODAY) == "12月7日（周一）14:00"
    assert moment_text("zh", NEXT_YEAR, ZONE, today=TODAY) == "2027年12月7日（周二）14:00"
    ends = MOMENT.replace(hour=8)
    assert when_text("en", MOMENT, ends, ZONE, today=TODAY) == "Mon 7 Dec 14:00–16:00"
    assert when_text("zh", MOMENT, ends, ZONE, today=TODAY) == "12月7日（周一）14:00至16:00"


@pytest.mark.parametrize(("language", "moment", "expected"), [
    ("zh", MOMENT, "12月7日 14:00"),
    ("zh", NEXT_YEAR, "2027年12月7日 14:00"),
    ("en", MOMENT, "7 Dec 14:00"),
    ("en", NEXT_YEAR, "7 Dec 2027 14:00"),
])
def test_the_short_form_of_a_picker_has_the_date_with_the_time(
    language: str, moment: datetime, expected: str
) -> None:
    assert short_moment_text(language, moment, ZONE, today=TODAY) == expected


def test_the_day_is_that_of_the_committee_zone() -> None:
    """23:30 UTC on 6 December is already 7 December in Shanghai."""
    late = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert short_moment_text("zh", late, ZONE, today=TODAY) == "12月7日 07:30"
    assert moment_text("en", late, ZONE, today=TODAY) == "Mon 7 Dec 07:30"
