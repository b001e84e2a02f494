"""A reminder made in chat: the choices its buttons offer, the rule and audience its answers
make, and how schedules read to staff (days, rules, audiences, who pressed 收到 by group)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.audience import Audience
from bot.reminders.drafts import (
    NOW_LEAD,
    AudienceChoice,
    DraftKind,
    ReminderDraft,
    Repeat,
    day_choices,
    local_moment,
    recurring_rule,
    time_choices,
)
from bot.reminders.overview import AckSheet
from bot.reminders.timing import HolidayPolicy, OneOff, Recurring
from bot.reminders.wording import audience_text, repeat_text, rule_text, short_day, short_moment
from domain.models import Member, Role
from domain.reminder_models import OccurrenceStatus, ReminderOccurrence

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 on Monday 30 November in Beijing


def test_the_buttons_offer_two_weeks_of_days_and_half_hours_from_eight_to_eight() -> None:
    days = day_choices(date(2026, 12, 25))
    assert len(days) == 14 and days[0] == date(2026, 12, 25) and days[-1] == date(2027, 1, 7)
    times = time_choices()
    assert times[:3] == ["08:00", "08:30", "09:00"] and times[-1] == "20:00"
    assert len(times) == 25


def test_the_answers_make_a_rule() -> None:
    assert recurring_rule(Repeat.NTH_WEEKDAY, "1st", 3, None, "09:00") == Recurring(
        day="1st thu", at="09:00")
    assert recurring_rule(Repeat.NTH_WEEKDAY, "last", 4, None, "14:30").day == "last fri"
    assert recurring_rule(Repeat.MONTH_DAY, None, None, 15, "09:00") == Recurring(day="15")
    assert recurring_rule(Repeat.WEEKLY, None, 0, None, "08:00") == Recurring(
        day_of_week="mon", at="08:00")
    with pytest.raises(ValueError, match="incomplete"):
        recurring_rule(Repeat.NTH_WEEKDAY, "1st", None, None, "09:00")
    with pytest.raises(ValueError, match="incomplete"):
        recurring_rule(Repeat.MONTH_DAY, None, None, 31, "09:00")  # not in every month


def test_a_notice_at_a_moment_or_right_away() -> None:
    at = local_moment(date(2026, 12, 3), "14:30", ZONE)
    assert at == datetime(2026, 12, 3, 6, 30, tzinfo=UTC)
    draft = ReminderDraft(kind=DraftKind.ONCE, at_utc=at)
    assert draft.rule(NOW) == OneOff(at_utc=at)
    now = ReminderDraft(kind=DraftKind.ONCE, now=True)
    assert now.rule(NOW) == OneOff(at_utc=NOW + NOW_LEAD)


def test_the_audience_chosen() -> None:
    assert ReminderDraft(audience=AudienceChoice.EVERYONE).audience_of().everyone
    assert ReminderDraft(audience=AudienceChoice.GROUPS, groups=[3, 1]).audience_of() == \
        Audience(group_ids=(1, 3))
    # the leaders' reminders reach the deputies (副组长) too
    assert ReminderDraft(audience=AudienceChoice.LEADERS).audience_of().roles == (
        Role.LEADER, Role.DEPUTY)
    assert set(ReminderDraft(audience=AudienceChoice.STAFF).audience_of().roles) == {
        Role.STAFF, Role.ADMIN}
    assert ReminderDraft().audience_of().is_empty()


def test_days_read_with_the_year_only_when_it_is_not_this_year() -> None:
    assert short_day("zh", date(2026, 12, 3), date(2026, 11, 30)) == "12月3日（周四）"
    assert short_day("zh", date(2027, 1, 5), date(2026, 12, 30)) == "2027年1月5日（周二）"
    moment = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    assert short_moment("zh", moment, ZONE, NOW) == "12月3日（周四）14:00"
    assert short_moment("en", moment, ZONE, NOW) == "Thu 3 Dec 14:00"  # one formatter


def test_rules_read_as_staff_say_them() -> None:
    assert repeat_text("zh", Recurring(day="1st thu")) == "每月第一个周四"
    assert repeat_text("zh", Recurring(day="last fri")) == "每月最后一个周五"
    assert repeat_text("zh", Recurring(day="15")) == "每月15日"
    assert repeat_text("zh", Recurring(day_of_week="mon")) == "每周一"
    assert "3,9" in repeat_text("zh", Recurring(month="3,9", day="1"))  # as cron says it
    assert rule_text("zh", Recurring(day="3rd thu", at="09:30"), HolidayPolicy.NEXT, ZONE,
                     NOW) == "每月第三个周四09:30，遇节假日顺延至下一个工作日"
    once = OneOff(at_utc=datetime(2026, 12, 3, 1, 0, tzinfo=UTC))
    assert rule_text("zh", once, HolidayPolicy.NEXT, ZONE, NOW) == "12月3日（周四）09:00"


def test_audiences_read_by_name() -> None:
    groups = {1: "第一活动组", 2: "第二活动组"}
    assert audience_text("zh", Audience.all_members(), groups) == "全体委员"
    assert audience_text("zh", Audience(group_ids=(1, 2)), groups) == "第一活动组、第二活动组"
    assert audience_text("zh", Audience(roles=(Role.LEADER,)), groups) == "各组组长"
    assert audience_text("zh", Audience(roles=(Role.LEADER, Role.DEPUTY)), groups) == \
        "各组组长、副组长"
    assert audience_text("zh", Audience(roles=(Role.DEPUTY,)), groups) == "各组副组长"
    assert audience_text("en", Audience(roles=(Role.DEPUTY, Role.LEADER)), groups) == \
        "group leaders and their deputies"
    assert audience_text("en", Audience(group_ids=(1, 7)), groups) == \
        "第一活动组, (removed group 7)"


def _member(member_id: int, name: str, group: str | None) -> Member:
    return Member(id=member_id, name=name, phone=f"1380000000{member_id}", sector="",
                  group_id=None, group_name=group, role=Role.MEMBER)


def test_who_pressed_received_by_group() -> None:
    occurrence = ReminderOccurrence(id=1, key="schedule:1:2026-12-03", kind="notice",
                                    due_at=NOW, status=OccurrenceStatus.SENT)
    sheet = AckSheet(
        occurrence,
        acknowledged=[_member(1, "张三", "第二活动组"), _member(2, "李四", "第一活动组")],
        waiting=[_member(3, "王五", "第一活动组"), _member(4, "赵六", None)],
    )
    assert [(g, [m.name for m in done], [m.name for m in waiting])
            for g, done, waiting in sheet.by_group()] == [
        ("第一活动组", ["李四"], ["王五"]),
        ("第二活动组", ["张三"], []),
        (None, [], ["赵六"]),
    ]

