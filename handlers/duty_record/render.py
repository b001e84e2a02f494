"""The duty record's texts, Telegram-free: a member's year (/me) in short lines for a phone,
the lists behind its counts in pages under Telegram's 4096 characters, a group's members
(/group), the committee's figures (/stats) and the chart's labels."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from bot.core.config import LevelConfig, level_name
from bot.core.texts import plain, tr
from bot.duty_record.chart import ChartLabels
from bot.duty_record.rules import Item
from bot.duty_record.service import CommitteeStats, DutyLists, DutyRecord, GroupFigures
from bot.reports.wording import status_detail
from domain.duty_models import Dimension, EventLine, Nudge, Outcome, ReportLine
from domain.models import ActivityGroup, Member, ReportStatus
from handlers.duty_record.buttons import RecordScreen

# A page of a list, or a chunk of a group's overview, leaves room under Telegram's 4096 for
# its title and page mark (counted as sent, tags included: more than Telegram counts).
PAGE_CHARS = 3500
BAR_CELLS = 10  # a progress bar is at most this many cells wide
_RUN_QUARTER = re.compile(r"supervision:(\d{4})-Q([1-4])")
_RUN_YEAR = re.compile(r"supervision:(\d{4})\b")
_SEPARATOR = {"zh": "、", "en": ", "}


# -- small pieces -----------------------------------------------------------------------------
def figure(value: float) -> str:
    """A number of points as people write it: 21, 34.5, -2."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def bar(done: int, due: int) -> str:
    """▓▓░: one cell per item due (scaled down to BAR_CELLS), filled as far as done."""
    if due <= 0:
        return ""
    cells = min(due, BAR_CELLS)
    filled = min(cells, done * cells // due)
    return "▓" * filled + "░" * (cells - filled)


def percent(rate: float) -> str:
    return f"{round(rate * 100)}%"


def short_day(language: str, moment: datetime | date, zone: tzinfo) -> str:
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    return tr(language, "duty.day", month=day.month, day=day.day,
              month_name=tr(language, f"month.{day.month}"))


def shortfall_text(language: str, shortfall: dict[str, int]) -> str:
    """尚差 items: 参加活动3次、提案1件 (in the order the minimums are shown)."""
    parts = [tr(language, f"duty.short_{item.value}", count=shortfall[item.value])
             for item in Item if shortfall.get(item.value, 0) > 0]
    return _SEPARATOR.get(language, ", ").join(parts)


def nudge_line(language: str, nudge: Nudge) -> str | None:
    """Why the member was nudged by a supervision run; None when nothing was short."""
    items = shortfall_text(language, nudge.shortfall)
    if not items:
        return None
    quarter = _RUN_QUARTER.fullmatch(nudge.run_key)
    if quarter is not None:
        period = tr(language, "duty.period_quarter", year=int(quarter[1]),
                    quarter=tr(language, f"duty.quarter_{quarter[2]}"))
    else:
        year = _RUN_YEAR.match(nudge.run_key)
        period = tr(language, "duty.period_year", year=year[1]) if year else ""
    return tr(language, "duty.nudge", period=period, items=items)


# -- a member's year (/me) --------------------------------------------------------------------
def record_text(
    language: str, member: Member, record: DutyRecord, levels: Sequence[LevelConfig],
    today: date,
) -> str:
    """The summary of a member's year, a few short lines per part."""
    c = record.counts
    t = lambda key, **values: tr(language, key, **values)  # noqa: E731
    lines = [
        t("duty.record_title", name=member.name, year=record.year),
        c.group_name or t("common.no_group"),
        "",
        t("duty.section_events"),
        t("duty.events_line", expected=c.expected, attended=c.attended)
        + (t("duty.events_late", late=c.late) if c.late else ""),
        t("duty.events_leave", on_leave=c.on_leave, absent=c.absent),
    ]
    if c.attended > c.attended_expected:
        lines.append(t("duty.events_elsewhere", count=c.attended - c.attended_expected))
    adopted = [t("duty.level_count", level=level_name(levels, code, language), count=count)
               for code, count in _in_level_order(c.adopted, levels)]
    lines += [
        "",
        t("duty.section_reports"),
        t("duty.reports_line", submitted=c.submitted, adopted=c.adopted_total)
        + (t("duty.reports_levels", levels=_SEPARATOR.get(language, ", ").join(adopted))
           if adopted else ""),
        t("duty.reports_more", instructed=c.instructed, not_adopted=c.not_adopted),
        t("duty.coauthored", count=c.coauthored),
        "",
        t("duty.section_other"),
        t("duty.other_line", proposals=c.proposals, notes=c.reading_notes),
        "",
        t("duty.points", points=figure(record.total)),
        "",
        *progress_lines(language, record, today),
    ]
    grades = [t(f"duty.grade_{dimension.value}", grade=record.grades[dimension].grade)
              for dimension in Dimension if dimension in record.grades]
    if grades:
        lines += ["", t("duty.section_grades"), *grades]
    if record.nudge is not None:
        nudged = nudge_line(language, record.nudge)
        if nudged:
            lines += ["", nudged]
    return "\n".join(lines)


def _in_level_order(adopted: dict[str, int], levels: Sequence[LevelConfig]
                    ) -> list[tuple[str, int]]:
    order = [level.code for level in levels]
    codes = sorted((code for code, n in adopted.items() if n),
                   key=lambda code: (order.index(code) if code in order else len(order), code))
    return [(code, adopted[code]) for code in codes]


def progress_lines(language: str, record: DutyRecord, today: date) -> list[str]:
    """参加活动：2/3 ▓▓░（全年4）: done against the minimums due by today (this year) or the
    yearly ones (a past year)."""
    done = {Item.ACTIVITIES: record.counts.attended, Item.PROPOSALS: record.counts.proposals,
            Item.REPORTS: record.counts.submitted}
    this_year = record.year >= today.year
    lines = [tr(language, "duty.section_progress_now" if this_year else "duty.section_progress")]
    for item in Item:
        due = record.target.due[item] if this_year else record.target.yearly[item]
        yearly = record.target.yearly[item]
        line = tr(language, "duty.progress_line", item=tr(language, f"duty.item_{item.value}"),
                  done=done[item], due=due, bar=bar(done[item], due)).rstrip()
        if this_year and due != yearly:
            line += tr(language, "duty.progress_yearly", yearly=yearly)
        lines.append(line)
    return lines


def list_buttons(record: DutyRecord) -> list[RecordScreen]:
    """The lists behind the summary that have something in them."""
    c = record.counts
    shown = {
        RecordScreen.EVENTS: c.expected > 0 or c.attended > 0,
        RecordScreen.REPORTS: c.submitted + c.coauthored > 0,
        RecordScreen.PROPOSALS: c.proposals > 0,
        RecordScreen.NOTES: c.reading_notes > 0,
    }
    return [screen for screen, present in shown.items() if present]


def button_label(language: str, screen: RecordScreen) -> str:
    return plain(language, f"duty.button_{screen.name.lower()}")


# -- the lists behind the counts --------------------------------------------------------------
def _event_line(language: str, line: EventLine, zone: tzinfo) -> str:
    text = tr(language, "duty.event_line", day=short_day(language, line.starts_at, zone),
              title=line.title, outcome=tr(language, f"duty.outcome_{line.outcome.value}"))
    if not line.expected and line.outcome in (Outcome.PRESENT, Outcome.LATE):
        text += tr(language, "duty.not_expected")
    return text


def report_status(language: str, line: ReportLine, levels: Sequence[LevelConfig]) -> str:
    """The status as the author reads it: 已采用（全国）, 未采用, 市级采用；报送省政协未采用."""
    return status_detail(language, levels, ReportStatus(line.status), line.level,
                         line.forwarded_to, member=True)


def _report_line(language: str, line: ReportLine, levels: Sequence[LevelConfig],
                 zone: tzinfo) -> str:
    text = tr(language, "duty.report_line", day=short_day(language, line.submitted_at, zone),
              title=line.title, status=report_status(language, line, levels))
    if line.instructed:
        text += tr(language, "duty.instructed_mark")
    if line.coauthor:
        text += tr(language, "duty.coauthor_mark")
    return text


def list_lines(
    language: str, screen: RecordScreen, lists: DutyLists, levels: Sequence[LevelConfig],
    zone: tzinfo,
) -> list[str]:
    """One line per item of the list `screen`, oldest first."""
    if screen is RecordScreen.EVENTS:
        return [_event_line(language, line, zone) for line in lists.events]
    if screen is RecordScreen.REPORTS:
        return [_report_line(language, line, levels, zone) for line in lists.reports]
    if screen is RecordScreen.PROPOSALS:
        return [
            tr(language, "duty.proposal_line", title=p.title, count=p.count)
            + ("" if p.audited else tr(language, "duty.self_reported"))
            for p in lists.proposals if p.count
        ]
    if screen is RecordScreen.NOTES:
        return [tr(language, "duty.note_line", day=short_day(language, n.created_at, zone),
                   book=n.book) for n in lists.notes]
    return []


def paginate(lines: Sequence[str], limit: int = PAGE_CHARS) -> list[list[str]]:
    """The lines in pages of at most `limit` characters (a line longer than that is cut)."""
    pages: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if len(line) > limit:
            line = line[: limit - 2] + "……"
        if pages[-1] and size + len(line) + 1 > limit:
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    return pages


def list_page(
    language: str, member: Member, year: int, screen: RecordScreen, lines: Sequence[str],
    page: int,
) -> tuple[str, int, int]:
    """The text of page `page` (clamped) of a list, with the page it is and how many."""
    pages = paginate(lines)
    page = max(0, min(page, len(pages) - 1))
    title = tr(language, "duty.list_title", name=member.name, year=year,
               what=tr(language, f"duty.what_{screen.name.lower()}"))
    if len(pages) > 1:
        title += tr(language, "duty.page", page=page + 1, pages=len(pages))
    body = pages[page] or [tr(language, "duty.list_empty")]
    return "\n".join([title, *body]), page, len(pages)


# -- a group (/group) -------------------------------------------------------------------------
def member_block(language: str, record: DutyRecord) -> str:
    """A member's lines in a group's overview; ⚠ and what is short when behind."""
    c = record.counts
    head = tr(language, "duty.group_member", name=c.name, points=figure(record.total))
    lines = [("⚠ " if record.behind else "") + head,
             tr(language, "duty.group_member_figures", attended=c.attended_expected,
                expected=c.expected, submitted=c.submitted, adopted=c.adopted_total,
                proposals=c.proposals)]
    if record.behind:
        short = {item.value: n for item, n in record.shortfall.items()}
        lines.append(tr(language, "duty.group_member_short",
                        items=shortfall_text(language, short)))
    return "\n".join(lines)


def group_chunks(
    language: str, group: ActivityGroup, year: int, records: Sequence[DutyRecord],
    today: date, limit: int = PAGE_CHARS,
) -> list[tuple[str, list[DutyRecord]]]:
    """A group's overview as messages under the limit, each with the members it shows (their
    buttons go under it)."""
    behind = sum(1 for r in records if r.behind)
    key = "duty.group_summary_now" if year >= today.year else "duty.group_summary"
    head = "\n".join([tr(language, "duty.group_title", group=group.name, year=year),
                      tr(language, key, members=len(records), behind=behind)])
    chunks: list[tuple[list[str], list[DutyRecord]]] = [([head], [])]
    size = len(head)
    for record in records:
        block = member_block(language, record)
        if chunks[-1][1] and size + len(block) + 2 > limit:
            chunks.append(([], []))
            size = 0
        chunks[-1][0].append(block)
        chunks[-1][1].append(record)
        size += len(block) + 2
    if records:
        chunks[-1][0].append(tr(language, "duty.group_hint"))
    return [("\n\n".join(texts), shown) for texts, shown in chunks]


# -- the committee (/stats) -------------------------------------------------------------------
def _figures_lines(language: str, figures: GroupFigures) -> list[str]:
    rate = figures.attendance_rate
    return [
        tr(language, "duty.stats_rate", rate=percent(rate), attended=figures.attended_expected,
           expected=figures.expected) if rate is not None
        else tr(language, "duty.stats_no_events"),
        tr(language, "duty.stats_reports", submitted=figures.submitted, adopted=figures.adopted),
        tr(language, "duty.stats_more", proposals=figures.proposals, behind=figures.behind),
    ]


def group_label(language: str, group: ActivityGroup | None) -> str:
    return group.name if group is not None else tr(language, "common.no_group")


def stats_text(language: str, stats: CommitteeStats) -> str:
    """Every group's figures, then the committee's total."""
    lines = [tr(language, "duty.stats_title", year=stats.year)]
    for figures in stats.groups:
        lines += ["", tr(language, "duty.stats_group", group=group_label(language, figures.group),
                         members=figures.members), *_figures_lines(language, figures)]
    lines += ["", tr(language, "duty.stats_total", members=stats.total.members),
              *_figures_lines(language, stats.total)]
    return "\n".join(lines)


def month_labels(language: str) -> list[str]:
    return plain(language, "duty.months").split("|")


def chart_labels(language: str) -> ChartLabels:
    def p(key: str) -> str:
        return plain(language, f"duty.chart_{key}")

    return ChartLabels(rate_axis=p("rate_axis"), count_axis=p("count_axis"),
                       month_axis=p("month_axis"),
                       submitted=p("submitted"), adopted=p("adopted"),
                       rate_title=p("rate_title"), months_title=p("months_title"))


def chart_data(language: str, stats: CommitteeStats
               ) -> tuple[list[tuple[str, float | None]], list[tuple[str, int, int]]]:
    """The chart's groups (name as typed, rate) and months (label, submitted, adopted)."""
    names = month_labels(language)
    groups = [(group.group.name if group.group else plain(language, "common.no_group"),
               group.attendance_rate) for group in stats.groups]
    months = [(names[month - 1], submitted, adopted)
              for month, submitted, adopted in stats.months]
    return groups, months
