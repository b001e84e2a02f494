"""Dates and times typed on a phone."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.timeparse import parse_day, parse_local_datetime, parse_time

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
