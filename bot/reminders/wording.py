"""How schedules read to staff in chat: days as "12月3日（周四）" (the year only when it is not
this year), rules as "每月第一个周四 09:00", audiences as "全体委员" or the groups' names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo

from bot.core.texts import tr
from bot.core.when import clock, date_text, moment_text
from bot.reminders.audience import Audience
from bot.reminders.drafts import ORDINALS, WEEKDAYS
from bot.reminders.timing import HolidayPolicy, NextSend, OneOff, Recurring, Rule
from domain.models import Role


def short_day(language: str, day: date, today: date) -> str:
    """12月3日（周四）; with the year when it is not this year (bot.core.when)."""
    return date_text(language, day, today)


def short_moment(language: str, moment: datetime, zone: tzinfo, now: datetime) -> str:
    """12月3日（周四）14:00 in the committee's zone (bot.core.when)."""
    return moment_text(language, moment, zone, today=now.astimezone(zone).date())


def next_moment(language: str, upcoming: NextSend, zone: tzinfo, now: datetime) -> str:
    """When it goes out: "12月3日（周四）14:00", or, held by quiet hours, "明早07:30"."""
    days = (upcoming.due.astimezone(zone).date() - now.astimezone(zone).date()).days
    if upcoming.quiet and days in (0, 1):
        key = "reminders.this_morning" if days == 0 else "reminders.tomorrow_morning"
        return tr(language, key, time=clock(upcoming.due, zone))
    return short_moment(language, upcoming.due, zone, now)


def next_text(language: str, upcoming: NextSend | None, zone: tzinfo, now: datetime) -> str:
    """When a schedule next goes out, as one line (the same in the answer to 保存, the list,
    the card and 👀): "下次发送：12月3日（周四）14:00", or, held by quiet hours, "将于明早07:30
    发出（夜间免打扰）"."""
    if upcoming is None:
        return tr(language, "reminders.next_line", when=tr(language, "reminders.next_none"))
    when = next_moment(language, upcoming, zone, now)
    return tr(language, "reminders.next_quiet" if upcoming.quiet else "reminders.next_line",
              when=when)


def repeat_text(language: str, rule: Recurring) -> str:
    """每月第一个周四 / 每月15日 / 每周一 (without the time); the cron fields otherwise."""
    day, weekday = rule.day.strip().lower(), rule.day_of_week.strip().lower()
    if rule.month == "*":
        parts = day.split()
        if len(parts) == 2 and parts[0] in ORDINALS and parts[1] in WEEKDAYS \
                and weekday == "*":
            return tr(language, "reminders.rule_nth",
                      ordinal=tr(language, f"reminders.ordinal_{parts[0]}"),
                      weekday=tr(language, f"weekday.{WEEKDAYS.index(parts[1])}"))
        if day.isdigit() and weekday == "*":
            return tr(language, "reminders.rule_month_day", day=int(day))
        if day == "*" and weekday in WEEKDAYS:
            return tr(language, "reminders.rule_weekly",
                      weekday=tr(language, f"weekday.{WEEKDAYS.index(weekday)}"))
    return tr(language, "reminders.rule_cron", month=rule.month, day=rule.day,
              weekday=rule.day_of_week)


def rule_text(
    language: str, rule: Rule, policy: HolidayPolicy, zone: tzinfo, now: datetime
) -> str:
    """When a schedule goes out, as staff read it: once at a moment, or its repeat, time and
    what a holiday does to it."""
    if isinstance(rule, OneOff):
        return short_moment(language, rule.at_utc, zone, now)
    return tr(language, "reminders.rule_recurring", repeat=repeat_text(language, rule),
              time=rule.at, policy=tr(language, f"reminders.policy_{policy.value}"))


def audience_text(language: str, audience: Audience, groups: Mapping[int, str]) -> str:
    """全体委员; 第一活动组、第二活动组; 各组组长、副组长; 机关工作人员."""
    if audience.everyone:
        return tr(language, "reminders.audience_everyone")
    parts = [groups.get(g, tr(language, "reminders.group_gone", id=g))
             for g in audience.group_ids]
    leaders, deputies = Role.LEADER in audience.roles, Role.DEPUTY in audience.roles
    if leaders and deputies:
        parts.append(tr(language, "reminders.audience_leaders_deputies"))
    elif leaders:
        parts.append(tr(language, "reminders.audience_leaders"))
    elif deputies:
        parts.append(tr(language, "reminders.audience_deputies"))
    if Role.STAFF in audience.roles or Role.ADMIN in audience.roles:
        parts.append(tr(language, "reminders.audience_staff"))
    if Role.MEMBER in audience.roles:
        parts.append(tr(language, "reminders.audience_members"))
    return tr(language, "reminders.list_separator").join(parts)
