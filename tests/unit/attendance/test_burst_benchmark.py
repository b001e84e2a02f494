"""The check-in burst benchmark's check that the group's message shows the final count, against
the announcement as the bot words it (its catalog), so a change of wording cannot make the
benchmark print NO on every run again."""

from __future__ import annotations

from benchmarks.checkin_burst.e2e import shows_count
from bot.core.texts import DEFAULT_LANGUAGE, tr

CARD = ("委员阅读日：“十二月委员阅读日”\n时间：12月8日（周二）14:00至16:00\n"
        "地点：市政协三楼会议室\n签到：群内“签到”按钮、扫码或签到码均可\n参加的活动组：第一活动组")


def announcement(checked_in: int, expected: int) -> str:
    """The announcement's text as the bot renders it (handlers/attendance/announcer.py)."""
    return tr(DEFAULT_LANGUAGE, "event.announcement", number=12, card=CARD,
              checked_in=checked_in, expected=expected)


def test_the_final_count_is_seen_in_the_announcement() -> None:
    assert shows_count(announcement(2000, 2000), 2000, 2000)
    assert shows_count(announcement(0, 4), 0, 4)


def test_another_count_is_not_taken_for_it() -> None:
    assert not shows_count(announcement(1999, 2000), 2000, 2000)
    assert not shows_count(announcement(10, 100), 10, 10)  # not a prefix of the line
    assert not shows_count(announcement(1100, 100), 100, 100)
    assert not shows_count(None, 100, 100)
