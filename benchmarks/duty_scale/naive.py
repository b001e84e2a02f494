"""The baseline: the duty record computed the naive way, as a first version would — per member,
a query for the group's events, a query per event for the check-in and another for the leave,
a query for the member's check-ins and one per event found elsewhere, a query for the reports
and one per report for a leader's instruction, and so on, then counting in Python.

Same database, same driver (aiosqlite through storage.db.Database) and the same rules
(bot.duty_record.rules) as the product: only the way the data is read differs. It reproduces the
product's definitions exactly (what is expected, what counts in the year), so the benchmark can
check that both give the same figures.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.duty_record.rules import Target, points
from bot.duty_record.service import DutyLists, DutyRecord, DutyRecordService
from domain.duty_models import (
    Dimension,
    DutyCounts,
    EventLine,
    Grade,
    NoteLine,
    Nudge,
    Outcome,
    ProposalLine,
    ReportLine,
)
from storage.db import Database
from storage.duty_queries import Span

_LEVELS = ("city", "province", "national")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _in(span: Span, stamp: str | None) -> bool:
    return stamp is not None and span.start <= stamp < span.end


@dataclass(frozen=True)
class NaiveYear:
    """One member's year the naive way: the figures and the lists behind them."""

    counts: DutyCounts
    lists: DutyLists
    queries: int


class NaiveDuty:
    """Reads one member at a time; counts the queries it makes."""

    def __init__(self, db: Database, service: DutyRecordService) -> None:
        self.db = db
        self.service = service  # for its clock, zone and config only
        self.queries = 0

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        self.queries += 1
        return await self.db.fetch_all(sql, params)

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        self.queries += 1
        return await self.db.fetch_one(sql, params)

    async def roster(self, span: Span, *, active_only: bool = False) -> list[sqlite3.Row]:
        """Everyone with a record in the year, in roster order (group, then id)."""
        rows = await self._all("SELECT m.*, g.name AS group_name FROM members m "
                               "LEFT JOIN activity_groups g ON g.id = m.group_id")
        kept = [
            r for r in rows
            if r["role"] not in ("staff", "admin")
            and (r["deactivated_at"] is None or r["deactivated_at"] >= span.start)
            and not (active_only and r["deactivated_at"] is not None)
        ]
        kept.sort(key=lambda r: (r["group_id"] is None, r["group_id"] or 0, r["id"]))
        return kept

    async def member(self, member_id: int) -> sqlite3.Row | None:
        return await self._one("SELECT m.*, g.name AS group_name FROM members m "
                               "LEFT JOIN activity_groups g ON g.id = m.group_id "
                               "WHERE m.id = ?", (member_id,))

    async def year(self, person: sqlite3.Row, span: Span) -> NaiveYear:
        before = self.queries
        member_id, left = person["id"], person["deactivated_at"]
        events: dict[int, sqlite3.Row] = {}
        expected: list[sqlite3.Row] = []
        if person["group_id"] is not None:
            for event in await self._all(
                "SELECT e.* FROM events e JOIN event_groups eg ON eg.event_id = e.id "
                "WHERE eg.group_id = ?", (person["group_id"],),
            ):
                events[event["id"]] = event
                if (event["status"] == "scheduled" and _in(span, event["starts_at"])
                        and event["ends_at"] <= span.now
                        and (left is None or event["starts_at"] < left)):
                    expected.append(event)
        lines: list[EventLine] = []
        attended_expected = on_leave = absent = 0
        expected_ids = set()
        for event in expected:
            expected_ids.add(event["id"])
            checkin = await self._one("SELECT late FROM checkins WHERE event_id = ? "
                                      "AND member_id = ?", (event["id"], member_id))
            if checkin is not None:
                attended_expected += 1
                outcome = Outcome.LATE if checkin["late"] else Outcome.PRESENT
            else:
                leave = await self._one("SELECT status FROM leave_requests WHERE event_id = ? "
                                        "AND member_id = ?", (event["id"], member_id))
                if leave is not None and leave["status"] == "approved":
                    on_leave += 1
                    outcome = Outcome.LEAVE
                else:
                    absent += 1
                    outcome = Outcome.ABSENT
            lines.append(self._line(member_id, event, outcome, expected=True))
        attended = late = 0
        for checkin in await self._all("SELECT event_id, late FROM checkins WHERE member_id = ?",
                                       (member_id,)):
            event = events.get(checkin["event_id"])
            if event is None:  # not an event of the member's group
                event = await self._one("SELECT * FROM events WHERE id = ?",
                                        (checkin["event_id"],))
                assert event is not None
            if event["status"] != "scheduled" or not _in(span, event["starts_at"]):
                continue
            attended += 1
            late += checkin["late"]
            if event["id"] not in expected_ids:
                outcome = Outcome.LATE if checkin["late"] else Outcome.PRESENT
                lines.append(self._line(member_id, event, outcome, expected=False))
        lines.sort(key=lambda line: (line.starts_at, line.event_id))

        reports, figures = await self._reports(member_id, span)
        proposals, filed = await self._proposals(member_id, span)
        notes = [
            NoteLine(member_id=member_id, book=n["book"], created_at=_time(n["created_at"]))
            for n in sorted(await self._all("SELECT * FROM reading_notes WHERE member_id = ?",
                                            (member_id,)),
                            key=lambda n: (n["created_at"], n["id"]))
            if _in(span, n["created_at"])
        ]
        counts = DutyCounts(
            member_id=member_id, name=person["name"], phone=person["phone"],
            group_id=person["group_id"], group_name=person["group_name"], active=left is None,
            expected=len(expected), attended=attended, late=late, on_leave=on_leave,
            absent=absent, attended_expected=attended_expected, proposals=filed,
            reading_notes=len(notes), **figures,
        )
        return NaiveYear(counts, DutyLists(lines, reports, proposals, notes),
                         self.queries - before)

    @staticmethod
    def _line(member_id: int, event: sqlite3.Row, outcome: Outcome,
              *, expected: bool) -> EventLine:
        return EventLine(member_id=member_id, event_id=event["id"], title=event["title"],
                         type=event["type"], starts_at=_time(event["starts_at"]),
                         outcome=outcome, expected=expected)

    async def _instructed(self, report_id: int) -> bool:
        return await self._one("SELECT id FROM report_comments WHERE report_id = ? LIMIT 1",
                               (report_id,)) is not None

    async def _reports(self, member_id: int,
                       span: Span) -> tuple[list[ReportLine], dict[str, Any]]:
        lines: list[tuple[str, int, ReportLine]] = []
        submitted = instructed = not_adopted = coauthored = 0
        adopted: dict[str, int] = {}

        def line(report: sqlite3.Row, is_instructed: bool, coauthor: bool) -> None:
            lines.append((report["submitted_at"], report["id"], ReportLine(
                member_id=member_id, report_id=report["id"], number=report["number"],
                title=report["title"], category=report["category"], status=report["status"],
                level=report["level"], instructed=is_instructed,
                submitted_at=_time(report["submitted_at"]), coauthor=coauthor)))

        for report in await self._all("SELECT * FROM reports WHERE author_member_id = ?",
                                      (member_id,)):
            if not _in(span, report["submitted_at"]):
                continue
            submitted += 1
            if report["level"] in _LEVELS:
                adopted[report["level"]] = adopted.get(report["level"], 0) + 1
            is_instructed = await self._instructed(report["id"])
            instructed += is_instructed
            not_adopted += report["status"] == "not_adopted" and report["level"] is None
            line(report, is_instructed, coauthor=False)
        for link in await self._all("SELECT report_id FROM report_coauthors WHERE member_id = ?",
                                    (member_id,)):
            report = await self._one("SELECT * FROM reports WHERE id = ?", (link["report_id"],))
            assert report is not None
            if not _in(span, report["submitted_at"]):
                continue
            coauthored += 1
            line(report, await self._instructed(report["id"]), coauthor=True)
        lines.sort(key=lambda entry: (entry[0], entry[1]))
        figures = {"submitted": submitted, "coauthored": coauthored, "adopted": adopted,
                   "instructed": instructed, "not_adopted": not_adopted}
        return [entry[2] for entry in lines], figures

    async def _proposals(self, member_id: int, span: Span) -> tuple[list[ProposalLine], int]:
        found: list[tuple[str, int, ProposalLine]] = []
        total = 0
        for filing in await self._all("SELECT * FROM proposal_filings WHERE member_id = ?",
                                      (member_id,)):
            window = await self._one("SELECT * FROM proposal_windows WHERE id = ?",
                                     (filing["window_id"],))
            assert window is not None
            if not span.first_day <= window["deadline"] <= span.last_day:
                continue
            total += filing["count"]
            if filing["count"] > 0:
                found.append((window["deadline"], window["id"], ProposalLine(
                    member_id=member_id, window_id=window["id"], title=window["title"],
                    deadline=datetime.fromisoformat(window["deadline"]).date(),
                    count=filing["count"], audited=bool(filing["audited"]))))
        found.sort(key=lambda entry: (entry[0], entry[1]))
        return [entry[2] for entry in found], total

    async def grades(self, member_id: int, year: int) -> dict[Dimension, Grade]:
        rows = await self._all("SELECT * FROM duty_grades WHERE member_id = ? AND year = ?",
                               (member_id, year))
        return {
            Dimension(r["dimension"]): Grade(
                member_id=r["member_id"], year=r["year"], dimension=Dimension(r["dimension"]),
                grade=r["grade"], remarks=r["remarks"], set_by=r["set_by"],
                set_at=_time(r["set_at"]))
            for r in rows
        }

    async def nudge(self, member_id: int, year: int) -> Nudge | None:
        """The member's latest supervision nudge of `year`."""
        rows = await self._all("SELECT * FROM supervision_nudges WHERE member_id = ?",
                               (member_id,))
        latest: tuple[str, Nudge] | None = None
        for row in rows:
            if not row["run_key"].startswith(f"supervision:{year}-"):
                continue
            run = await self._one("SELECT due_at FROM duty_runs WHERE key = ?",
                                  (row["run_key"],))
            assert run is not None
            nudge = Nudge(run_key=row["run_key"], member_id=member_id, group_id=row["group_id"],
                          shortfall=json.loads(row["shortfall"]))
            if latest is None or run["due_at"] > latest[0]:
                latest = (run["due_at"], nudge)
        return latest[1] if latest else None

    def target(self, year: int) -> Target:
        return Target.on(self.service.config, year, self.service.today())

    # -- the three screens -------------------------------------------------------------------

    async def record(self, member_id: int, year: int) -> DutyRecord | None:
        """/me: one member's record (None: no record in the year)."""
        span = self.service.span(year)
        person = await self.member(member_id)
        if person is None or person["role"] in ("staff", "admin") or (
                person["deactivated_at"] is not None and person["deactivated_at"] < span.start):
            return None
        found = await self.year(person, span)
        return DutyRecord(year, found.counts, points(found.counts, self.service.config),
                          self.target(year), await self.grades(member_id, year),
                          await self.nudge(member_id, year))

    async def months(self, year: int) -> list[tuple[int, int, int]]:
        """(month, submitted, adopted) by the day of first submission in the committee's zone."""
        figures = {m: [0, 0] for m in range(1, 13)}
        for row in await self._all("SELECT submitted_at, level FROM reports"):
            if row["submitted_at"] is None:
                continue
            day = _time(row["submitted_at"]).astimezone(self.service.zone)
            if day.year == year:
                figures[day.month][0] += 1
                figures[day.month][1] += row["level"] is not None
        return [(m, s, a) for m, (s, a) in figures.items()]
