"""The words of the supervision reminder (a member's nudge, a leader's list, the staff's summary)
and of the weekly group digest, in the recipient's language."""

from __future__ import annotations

from datetime import date, tzinfo

from bot.core.config import DutyRecordConfig, level_name
from bot.core.texts import Html, tr
from bot.core.when import date_text, moment_text
from bot.duty_record.digest import GroupDigest
from bot.duty_record.rules import Item
from bot.duty_record.supervision import GroupSummary, LeaderList, MemberNudge
from domain.models import Member

# A leader's list names this many members at most (a message holds 4,096 characters); the
# rest are counted, and /group shows them all.
LEADER_LINES = 40


def short_text(language: str, shortfall: dict[Item, int]) -> str:
    """活动差2次、社情民意信息差1篇."""
    return tr(language, "supervision.list_separator").join(
        tr(language, f"supervision.short_{item.value}", count=n)
        for item, n in shortfall.items()
    )


def member_nudge(language: str, nudge: MemberNudge, day: date, zone: tzinfo,
                 today: date) -> str:
    """What is missing and how to make it up, item by item."""
    lines = []
    for item, count in nudge.shortfall.items():
        if item is Item.REPORTS:
            lines.append(tr(language, "supervision.need_reports", count=count))
        elif item is Item.ACTIVITIES and nudge.events:
            events = "\n".join(
                tr(language, "supervision.event_line", title=e.title,
                   when=moment_text(language, e.starts_at, zone, today=today))
                for e in nudge.events
            )
            lines.append(tr(language, "supervision.need_activities", count=count,
                            events=Html(events)))
        elif item is Item.ACTIVITIES:
            lines.append(tr(language, "supervision.need_activities_none", count=count))
        elif nudge.window is not None:
            lines.append(tr(language, "supervision.need_proposals_open", count=count,
                            window=nudge.window.title,
                            deadline=date_text(language, nudge.window.deadline, today)))
        else:
            lines.append(tr(language, "supervision.need_proposals", count=count))
    return tr(language, "supervision.member", name=nudge.member.name,
              day=date_text(language, day, today), items=Html("\n".join(lines)))


def leader_list(language: str, leader: LeaderList, day: date, today: date) -> str:
    when = date_text(language, day, today)
    if not leader.nudged:
        return tr(language, "supervision.leader_none", name=leader.leader.name, day=when)
    lines = "\n".join(
        tr(language, "supervision.leader_line", name=member.name,
           short=short_text(language, shortfall))
        for member, shortfall in leader.nudged[:LEADER_LINES]
    )
    more = len(leader.nudged) - LEADER_LINES
    if more > 0:
        lines += "\n" + tr(language, "supervision.leader_more", count=more)
    return tr(language, "supervision.leader", name=leader.leader.name, day=when,
              count=len(leader.nudged), lines=Html(lines))


def staff_summary(language: str, name: str, summary: list[GroupSummary],
                  not_reachable: list[Member], day: date, today: date) -> str:
    """One page: per group members, how many are behind and in what, most short first."""
    lines = []
    for group in summary:
        short = ""
        if group.short:
            items = tr(language, "supervision.list_separator").join(
                tr(language, "supervision.staff_short_item",
                   item=tr(language, f"supervision.item_{item.value}"), count=n)
                for item, n in group.short.items()
            )
            short = tr(language, "supervision.staff_short", items=items)
        lines.append(tr(language, "supervision.staff_line", group=group.group,
                        members=group.members, behind=group.behind, short=Html(short)))
    text = tr(language, "supervision.staff", name=name, day=date_text(language, day, today),
              lines=Html("\n".join(lines)), members=sum(g.members for g in summary),
              behind=sum(g.behind for g in summary))
    if not_reachable:
        names = tr(language, "supervision.list_separator").join(
            m.name for m in not_reachable[:50])
        text += "\n" + tr(language, "supervision.staff_unreachable",
                          count=len(not_reachable), names=names)
    return text


def group_digest(language: str, digest: GroupDigest, config: DutyRecordConfig, zone: tzinfo,
                 today: date) -> str:
    """The week of one group: last week's events with attendance, reports adopted, this
    week's events; an empty week in one line."""
    parts = [tr(language, "digest.title", group=digest.group.name,
                monday=date_text(language, digest.monday, today))]
    if digest.empty:
        parts.append(tr(language, "digest.quiet_week"))
        return "\n".join(parts)
    if digest.last_week:
        parts.append(tr(language, "digest.last_week"))
        parts += [tr(language, "digest.event_attendance", title=a.event.title,
                     when=moment_text(language, a.event.starts_at, zone, today=today),
                     checked_in=a.checked_in, expected=a.expected)
                  for a in digest.last_week]
    else:
        parts.append(tr(language, "digest.no_last_week"))
    if digest.adopted:
        parts.append(tr(language, "digest.adopted"))
        for report in digest.adopted:
            label = level_name(config.levels, report.level, language) if report.level else ""
            parts.append(tr(language, "digest.adopted_line", title=report.title,
                            author=report.author, level=label))
    if digest.this_week:
        parts.append(tr(language, "digest.this_week"))
        parts += [tr(language, "digest.event_line", title=e.title,
                     when=moment_text(language, e.starts_at, zone, today=today))
                  for e in digest.this_week]
    else:
        parts.append(tr(language, "digest.no_this_week"))
    return "\n".join(parts)
