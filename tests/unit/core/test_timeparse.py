"""Dates and times typed on a phone."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.attendance.rules import read_end
from bot.core.timeparse import parse_day, parse_local_datetime, parse_time, read_local_datetime

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in Shanghai


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03 09:00", datetime(2026, 12, 3, 9, 0)),
        ("2026/12/3 9:05", datetime(2026, 12, 3, 9, 5)),
        ("２０２６年１２月３日　１４：３０", datetime(2026, 12, 3, 14, 30)),
        ("2026年12月3日 下午2点半", datetime(2026, 12, 3, 14, 30)),
        ("12月3日9点", datetime(2026, 12, 3, 9, 0)),
        ("12-3 9:00", datetime(2026, 12, 3, 9, 0)),
        ("1月5日 上午9点", datetime(2027, 1, 5, 9, 0)),  # no year, already past: next year
        ("11月25日 15:00", datetime(2026, 11, 25, 15, 0)),  # today is not past
        ("明天 9:00", datetime(2026, 11, 26, 9, 0)),
        ("后天下午3点", datetime(2026, 11, 27, 15, 0)),
        ("Tomorrow 3pm", datetime(2026, 11, 26, 15, 0)),
        ("today 12am", datetime(2026, 11, 25, 0, 0)),
    ],
)
def test_accepted_forms(text: str, expected: datetime) -> None:
    assert parse_local_datetime(text, ZONE, NOW) == expected.replace(tzinfo=ZONE)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "明天",
        "12月3日",
        "2026-02-30 9:00",
        "9",
        "25:00",
        "12:75",
        "next week",
        "3 9:00",
        "2026-13-01 9:00",
        "明天 下午",
        "<b>9:00</b>",
    ],
)
def test_refused(text: str) -> None:
    assert parse_local_datetime(text, ZONE, NOW) is None


def test_time_alone_needs_a_day() -> None:
    assert parse_local_datetime("11:30", ZONE, NOW) is None
    day = date(2026, 12, 3)
    assert parse_local_datetime("11:30", ZONE, NOW, day=day) == datetime(
        2026, 12, 3, 11, 30, tzinfo=ZONE
    )
    assert parse_local_datetime("下午4点", ZONE, NOW, day=day) == datetime(
        2026, 12, 3, 16, 0, tzinfo=ZONE
    )


def test_times() -> None:
    assert parse_time("9点半") == time(9, 30)
    assert parse_time("中午12点") == time(12, 0)
    assert parse_time("晚上8:15") == time(20, 15)
    assert parse_time("12pm") == time(12, 0)
    assert parse_time("9") is None


@given(st.text(max_size=40))
def test_never_raises(text: str) -> None:
    result = parse_local_datetime(text, ZONE, NOW, day=date(2026, 12, 3))
    assert result is None or result.tzinfo is ZONE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026-1-5", date(2026, 1, 5)),
        ("2026/1/5", date(2026, 1, 5)),
        ("2026年1月5日", date(2026, 1, 5)),
        ("20261231", date(2026, 12, 31)),
        ("２０２６－１２－３１", date(2026, 12, 31)),
        (" 2024-02-29 ", date(2024, 2, 29)),
    ],
)
def test_day_arguments(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    "text", ["", "12", "2026", "2026-13-01", "2025-02-29", "2026-12", "明天", "#12", "2026-12-31x"]
)
def test_not_a_day(text: str) -> None:
    assert parse_day(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天凌晨2点", datetime(2026, 11, 25, 2, 0)),
        ("昨天 下午2点半", datetime(2026, 11, 24, 14, 30)),
        ("今晚7点", datetime(2026, 11, 25, 19, 0)),
        ("明晚8点半", datetime(2026, 11, 26, 20, 30)),
        ("明早9点", datetime(2026, 11, 26, 9, 0)),
        ("下周三上午9点", datetime(2026, 12, 2, 9, 0)),  # NOW is a Wednesday
        ("下星期一 14:00", datetime(2026, 11, 30, 14, 0)),
        ("周五 15:00", datetime(2026, 11, 27, 15, 0)),
        ("本周日晚上7点", datetime(2026, 11, 29, 19, 0)),
        ("今天 02:00", datetime(2026, 11, 25, 2, 0)),  # 24-hour with a leading zero
        ("今天傍晚6点", datetime(2026, 11, 25, 18, 0)),
    ],
)
def test_common_phrases(text: str, expected: datetime) -> None:
    reading = read_local_datetime(text, ZONE, NOW)
    assert reading.moment == expected.replace(tzinfo=ZONE)
    assert parse_local_datetime(text, ZONE, NOW) == expected.replace(tzinfo=ZONE)


def test_an_hour_from_1_to_6_alone_is_asked_about() -> None:
    """"今天 2点" must not silently mean 02:00: both readings are offered."""
    reading = read_local_datetime("今天 2点", ZONE, NOW)
    assert reading.moment is None
    assert reading.choices == (
        datetime(2026, 11, 25, 2, 0, tzinfo=ZONE), datetime(2026, 11, 25, 14, 0, tzinfo=ZONE)
    )
    assert parse_local_datetime("今天 2点", ZONE, NOW) is None
    half = read_local_datetime("3点半", ZONE, NOW, day=date(2026, 12, 3))
    assert half.choices == (
        datetime(2026, 12, 3, 3, 30, tzinfo=ZONE), datetime(2026, 12, 3, 15, 30, tzinfo=ZONE)
    )
    assert read_local_datetime("明天 9点", ZONE, NOW).choices is None


def test_a_day_without_an_hour_is_understood_as_a_day() -> None:
    reading = read_local_datetime("下周三上午", ZONE, NOW)
    assert reading.moment is None and reading.choices is None
    assert reading.day == date(2026, 12, 2)
    assert read_local_datetime("随便", ZONE, NOW).day is None


def test_an_end_typed_as_a_time_before_the_start_is_the_next_day() -> None:
    """Issue 18, item 9: a time alone earlier than the start is the next day, within 12 hours;
    an end typed with its day (凌晨 or 今天 included) is as typed."""
    starts = datetime(2026, 12, 3, 23, 10, tzinfo=ZONE)

    def end(text: str, at: datetime = starts) -> datetime | None:
        return read_end(text, at, ZONE, NOW).moment

    assert end("01:10") == datetime(2026, 12, 4, 1, 10, tzinfo=ZONE)
    assert end("凌晨1点") == datetime(2026, 12, 4, 1, 0, tzinfo=ZONE)
    assert end("23:40") == datetime(2026, 12, 3, 23, 40, tzinfo=ZONE)  # the same day
    assert end("23:10") == starts  # the start itself: not moved (refused by the form)
    assert end("11:10") == datetime(2026, 12, 4, 11, 10, tzinfo=ZONE)  # 12 hours: the most
    assert end("11:11") == datetime(2026, 12, 3, 11, 11, tzinfo=ZONE)  # more: a slip
    assert end("12月3日 01:10") == datetime(2026, 12, 3, 1, 10, tzinfo=ZONE)
    assert end("2026-12-03 01:10") == datetime(2026, 12, 3, 1, 10, tzinfo=ZONE)
    assert end("25:00") is None
    # An hour from 1 to 6: each reading moved or not by itself, morning first (14:00 after
    # 23:10 is no end: refused if chosen).
    assert read_end("2点", starts, ZONE, NOW).choices == (
        datetime(2026, 12, 4, 2, 0, tzinfo=ZONE), datetime(2026, 12, 3, 14, 0, tzinfo=ZONE))
    afternoon = datetime(2026, 12, 3, 14, 30, tzinfo=ZONE)
    assert end("14:00", afternoon) == datetime(2026, 12, 3, 14, 0, tzinfo=ZONE)
    assert read_end("2点", afternoon, ZONE, NOW).choices == (
        datetime(2026, 12, 4, 2, 0, tzinfo=ZONE), datetime(2026, 12, 3, 14, 0, tzinfo=ZONE))
    assert read_local_datetime("01:10", ZONE, NOW, day=date(2026, 12, 3)).time_only
    assert not read_local_datetime("今天 01:10", ZONE, NOW, day=date(2026, 12, 3)).time_only
