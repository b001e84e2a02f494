"""When reminders fall: monthly rules across a year, holidays and 调休, staff overrides, month
and year boundaries, reminders ahead of something moving earlier, quiet hours delaying."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.reminders.calendar import DayKind, WorkCalendar
from bot.reminders.timing import (
    HolidayPolicy,
    OneOff,
    QuietHours,
    Recurring,
    ahead_of,
    delay_past_quiet,
    occurrences,
)

ZONE = ZoneInfo("Asia/Shanghai")
QUIET = QuietHours()


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE)


def fired(rule: Recurring, calendar: WorkCalendar, year: int, **kw: HolidayPolicy) -> list:
    found = occurrences(
        rule, ZONE, calendar, QUIET,
        after=local(year, 1, 1), until=local(year + 1, 1, 1), **kw,
    )
    return [(o.nominal, o.due.date(), o.due.strftime("%H:%M")) for o in found]


def test_first_thursday_across_2026_moves_off_holidays_onto_working_days() -> None:
    got = fired(Recurring(day="1st thu", at="09:00"), WorkCalendar(), 2026)
    assert [due for _, due, _ in got] == [
        date(2026, 1, 4),  # 1 Jan is New Year, 2–3 Jan off; Sunday 4 Jan is a 调休 working day
        date(2026, 2, 5), date(2026, 3, 5), date(2026, 4, 2), date(2026, 5, 7),
        date(2026, 6, 4), date(2026, 7, 2), date(2026, 8, 6), date(2026, 9, 3),
        date(2026, 10, 8),  # 1 Oct: National Day week, back to work on the 8th
        date(2026, 11, 5), date(2026, 12, 3),
    ]
    assert {at for _, _, at in got} == {"09:00"}  # in the committee's zone
    assert got[0][0] == date(2026, 1, 1) and got[9][0] == date(2026, 10, 1)  # nominal kept


def test_other_policies() -> None:
    calendar = WorkCalendar()
    rule = Recurring(month="10", day="1st thu", at="09:00")
    assert [d for _, d, _ in fired(rule, calendar, 2026, policy=HolidayPolicy.PREVIOUS)] == [
        date(2026, 9, 30)
    ]
    assert fired(rule, calendar, 2026, policy=HolidayPolicy.SKIP) == []
    assert [d for _, d, _ in fired(rule, calendar, 2026, policy=HolidayPolicy.KEEP)] == [
        date(2026, 10, 1)
    ]


def test_a_swapped_saturday_is_a_working_day() -> None:
    calendar = WorkCalendar()
    assert calendar.is_working_day(date(2026, 2, 14))  # Saturday, 调休 before Spring Festival
    assert not calendar.is_working_day(date(2026, 2, 20))  # Friday, a day off in lieu
    assert calendar.next_working_day(date(2026, 2, 16)) == date(2026, 2, 24)
    rule = Recurring(month="9", day="20", at="10:00")  # Sunday 20 Sep 2026 is a 调休 workday
    assert [d for _, d, _ in fired(rule, calendar, 2026)] == [date(2026, 9, 20)]


def test_month_boundary_through_the_labour_day_week() -> None:
    calendar = WorkCalendar({date(2026, 4, 30): DayKind.HOLIDAY})  # the office closes early
    got = fired(Recurring(month="4", day="last thu", at="09:00"), calendar, 2026)
    assert got == [(date(2026, 4, 30), date(2026, 5, 6), "09:00")]  # 1–5 May are off


def test_year_boundary_and_a_year_the_library_does_not_know() -> None:
    calendar = WorkCalendar({date(2026, 12, 31): DayKind.HOLIDAY})
    got = fired(Recurring(month="12", day="last thu", at="09:00"), calendar, 2026)
    assert got == [(date(2026, 12, 31), date(2027, 1, 4), "09:00")]  # 1 Jan, then a weekend
    assert WorkCalendar().swaps_known(2026) and not WorkCalendar().swaps_known(2027)


def test_staff_overrides_win_over_the_library() -> None:
    # 2027's 调休 is not published yet; the office enters it: Sunday 7 Feb 2027 is worked,
    # Thursday 4 Feb is taken off.
    calendar = WorkCalendar({
        date(2027, 2, 4): DayKind.HOLIDAY, date(2027, 2, 7): DayKind.WORKDAY,
    })
    assert calendar.swaps_known(2027)
    got = fired(Recurring(month="2", day="1st thu", at="09:00"), calendar, 2027)
    assert got == [(date(2027, 2, 4), date(2027, 2, 7), "09:00")]
    # without the overrides the same rule keeps the Thursday
    plain = fired(Recurring(month="2", day="1st thu", at="09:00"), WorkCalendar(), 2027)
    assert plain == [(date(2027, 2, 4), date(2027, 2, 4), "09:00")]


def test_reminders_ahead_of_something_move_earlier_never_later() -> None:
    calendar = WorkCalendar()
    event = local(2026, 10, 8, 9, 0)  # the first working day after the National Day week
    evening_before = local(2026, 10, 7, 18, 0)
    due = ahead_of(event, evening_before, calendar, QUIET)
    assert due == local(2026, 9, 30, 18, 0)  # 1–7 Oct are holidays: the evening before them
    assert due is not None and due < event
    early = local(2026, 12, 3, 7, 0)  # an hour before a 07:00 start falls in quiet hours
    assert ahead_of(early, local(2026, 12, 3, 6, 0), calendar, QUIET) == local(
        2026, 12, 2, 21, 59
    )
    late = local(2026, 12, 3, 23, 30)  # 22:30 is quiet too: moved to before 22:00, same day
    assert ahead_of(late, local(2026, 12, 3, 22, 30), calendar, QUIET) == local(
        2026, 12, 3, 21, 59
    )
    assert ahead_of(event, local(2026, 10, 8, 10, 0), calendar, QUIET) is None  # after it


def test_quiet_hours_delay_other_pushes() -> None:
    assert delay_past_quiet(local(2026, 12, 3, 23, 15), QUIET) == local(2026, 12, 4, 7, 30)
    assert delay_past_quiet(local(2026, 12, 3, 6, 0), QUIET) == local(2026, 12, 3, 7, 30)
    assert delay_past_quiet(local(2026, 12, 3, 21, 0), QUIET) == local(2026, 12, 3, 21, 0)
    once = OneOff(at_utc=datetime(2026, 12, 3, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    got = list(occurrences(once, ZONE, WorkCalendar(), QUIET,
                           after=local(2026, 12, 1), until=local(2026, 12, 10)))
    assert [o.due for o in got] == [local(2026, 12, 4, 7, 30)]
