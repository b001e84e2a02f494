"""The rules of the duty record, Telegram- and SQL-free: points from the config's table, the
yearly minimums pro-rated through the year (from the record's start in the year it starts),
and what a member is short of."""

from __future__ import annotations

import math
from calendar import isleap
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.core.config import DutyRecordConfig
from domain.duty_models import DutyCounts


class Item(StrEnum):
    """What the minimums count, in the order they are shown."""

    ACTIVITIES = "activities"  # events attended
    PROPOSALS = "proposals"  # proposals filed
    REPORTS = "reports"  # reports submitted as first author


class PointItem(StrEnum):
    """The lines of the points table, in the order they are shown."""

    ATTENDED = "attended"
    LATE = "late"
    ABSENT = "absent"
    REPORT_SUBMITTED = "report_submitted"
    REPORT_COAUTHORED = "report_coauthored"
    ADOPTED = "adopted"  # each level at its own points
    LEADER_INSTRUCTION = "leader_instruction"
    PROPOSAL = "proposal"
    READING_NOTE = "reading_note"


def points(counts: DutyCounts, config: DutyRecordConfig) -> dict[PointItem, float]:
    """The points of each line (zero lines included), by the config's table."""
    table = config.points
    adopted = sum(counts.adopted.get(level.code, 0) * level.points for level in config.levels)
    return {
        PointItem.ATTENDED: (counts.attended - counts.late) * table.attended,
        PointItem.LATE: counts.late * table.late,
        PointItem.ABSENT: counts.absent * table.absent,
        PointItem.REPORT_SUBMITTED: counts.submitted * table.report_submitted,
        PointItem.REPORT_COAUTHORED: counts.coauthored * table.report_coauthored,
        PointItem.ADOPTED: adopted,
        PointItem.LEADER_INSTRUCTION: counts.instructed * table.leader_instruction,
        PointItem.PROPOSAL: counts.proposals * table.proposal,
        PointItem.READING_NOTE: counts.reading_notes * table.reading_note,
    }


def progress(counts: DutyCounts) -> dict[Item, int]:
    """What the member has done of each minimum."""
    return {
        Item.ACTIVITIES: counts.attended,
        Item.PROPOSALS: counts.proposals,
        Item.REPORTS: counts.submitted,
    }


def share_of_year(year: int, on: date, starts: date | None = None) -> float:
    """How much of `year` is on record at the end of `on`: the days from 1 January, or from
    `starts` (the record's first day) in the year it starts, to `on`, both counted, over the
    days of the year. 0 before it (and for a year before `starts`), 1 after a whole year."""
    first, last = date(year, 1, 1), min(on, date(year, 12, 31))
    if starts is not None and starts > first:
        first = starts
    if last < first:
        return 0.0
    return ((last - first).days + 1) / (366 if isleap(year) else 365)


@dataclass(frozen=True)
class Target:
    """The minimums due by a day: the yearly ones times the share of the year passed at the
    day's end (the day itself counted, as the counts it is compared with include that day's
    items), rounded up (a member is behind as soon as a whole item is due). In 2025: by 31
    August 3 × 243/365 → 2 activities, by 1 September 3 × 244/365 → 3 (the README's example).

    The record starts on `starts` (None: it has always been kept): in that year the days are
    counted from it, and the yearly minimums are those of the days on record (from 1 July
    2025: by 1 September 3 × 63/365 → 1 activity, in the year 3 × 184/365 → 2); a year after it
    is whole; a year before it has no record: nothing is due."""

    yearly: dict[Item, int]
    due: dict[Item, int]

    @classmethod
    def on(cls, config: DutyRecordConfig, year: int, day: date,
           starts: date | None = None) -> Target:
        minimums = config.minimums
        whole = {
            Item.ACTIVITIES: minimums.activities,
            Item.PROPOSALS: minimums.proposals,
            Item.REPORTS: minimums.reports,
        }

        def part(share: float) -> dict[Item, int]:
            # 1e-9: 3 × 0.3333… is 1, not 2
            return {item: math.ceil(value * share - 1e-9) for item, value in whole.items()}

        yearly = whole if starts is None or starts.year < year else part(
            share_of_year(year, date(year, 12, 31), starts))
        return cls(yearly, part(share_of_year(year, day, starts)))

    def shortfall(self, counts: DutyCounts) -> dict[Item, int]:
        """Item → how many the member is short of what is due (only the items short)."""
        done = progress(counts)
        return {item: self.due[item] - done[item] for item in Item if done[item] < self.due[item]}
