"""Repository of the duty record (履职档案): a year's figures per member from SQL aggregates
(one GROUP BY per kind of item, for one member, one group or everyone alike), the lists behind
them, the grades staff enter, and the supervision and digest runs."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from domain.duty_models import (
    AdoptedReport,
    DigestSwitch,
    Dimension,
    DutyCounts,
    DutyRun,
    EventOutcome,
    Grade,
    NoteLine,
    Nudge,
    Outcome,
    ProposalLine,
    ReportLine,
    RunKind,
    Scope,
    YearEvent,
)
from domain.models import LeaderComment
from storage import report_rows
from storage.audit import record_audit
from storage.db import Database, to_db_time
from storage.duty_queries import COUNTS, Span, with_scope
from storage.rows import fetch_rows, required_time


@dataclass(frozen=True)
class GradeWrite:
    """A grade to record for a member's year; `remarks` None keeps the ones on record."""

    member_id: int
    dimension: Dimension
    grade: str
    remarks: str | None = None


def _grade(row: sqlite3.Row) -> Grade:
    return Grade(
        member_id=row["member_id"], year=row["year"], dimension=Dimension(row["dimension"]),
        grade=row["grade"], remarks=row["remarks"], set_by=row["set_by"],
        set_at=required_time(row["set_at"]),
    )


def _run(row: sqlite3.Row) -> DutyRun:
    return DutyRun(key=row["key"], kind=RunKind(row["kind"]),
                   due_at=required_time(row["due_at"]), done=row["status"] == "done")


def _expected_of(by_group: dict[int, list[YearEvent]], spans: Sequence[tuple[int, str, str]],
                 gone: str) -> list[int]:
    """The events (of `by_group`, over, in order of time) that expected a member with these
    memberships (group, since, until) who left the roster at `gone`: in order of time."""
    if len(spans) == 1 and spans[0][1:] == ("", "9999"):  # one group all along: most members
        return [e.event_id for e in by_group.get(spans[0][0], ()) if e.stored_start < gone]
    found = {e.event_id: e for group_id, since, until in spans
             for e in by_group.get(group_id, ())
             if since <= e.stored_start < until and e.stored_start < gone}
    return [e.event_id for e in sorted(found.values(),
                                       key=lambda e: (e.stored_start, e.event_id))]


class DutyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _rows(self, span: Span, scope: Scope, ctes: tuple[str, ...],
                    query: str) -> list[sqlite3.Row]:
        head, params = with_scope(span, scope, *ctes)
        return await self.db.fetch_all(head + query, params)

    async def counts(self, span: Span, scope: Scope) -> list[DutyCounts]:
        """Every member in `scope` with the year's figures, in roster order (group, then id)."""
        figures: dict[str, dict[int, sqlite3.Row]] = {}
        for kind, (ctes, query) in COUNTS.items():
            rows = await self._rows(span, scope, ctes, query)
            figures[kind] = {row["member_id"]: row for row in rows}
        result = []
        for member_id, person in figures["roster"].items():
            values: dict[str, Any] = dict(person)
            for kind in ("expected", "attended", "coauthored", "proposals", "notes"):
                row = figures[kind].get(member_id)
                if row is not None:
                    values.update({k: v or 0 for k, v in dict(row).items() if k != "member_id"})
            reports = figures["reports"].get(member_id)
            if reports is not None:
                values.update(submitted=reports["submitted"], instructed=reports["instructed"],
                              not_adopted=reports["not_adopted"])
            adopted = figures["adopted"].get(member_id)
            if adopted is not None:
                values["adopted"] = json.loads(adopted["adopted"])
            values["active"] = bool(values["active"])
            result.append(DutyCounts.model_validate(values))
        return result

    async def member_ids(self, span: Span, scope: Scope) -> list[int]:
        """The members in `scope` (as `counts` has them), by id."""
        rows = await self._rows(span, scope, (), "SELECT id FROM who ORDER BY id")
        return [row[0] for row in rows]

    async def year_events(self, span: Span) -> dict[int, YearEvent]:
        """The scheduled events of the year with the groups expected at them, by time."""
        rows = await self.db.fetch_all(
            "SELECT e.id, e.title, e.type, e.starts_at, e.ends_at <= :now AS over, "
            "(SELECT json_group_array(eg.group_id) FROM event_groups eg "
            "WHERE eg.event_id = e.id) AS groups FROM events e "
            "WHERE e.status = 'scheduled' AND e.starts_at >= :start AND e.starts_at < :end "
            "ORDER BY e.starts_at, e.id",
            {"start": span.start, "end": span.end, "now": span.now},
        )
        return {
            row["id"]: YearEvent(
                event_id=row["id"], title=row["title"], type=row["type"],
                starts_at=required_time(row["starts_at"]), stored_start=row["starts_at"],
                over=bool(row["over"]), groups=frozenset(json.loads(row["groups"])),
            )
            for row in rows
        }

    async def event_outcomes(
        self, events: dict[int, YearEvent], member_ids: Sequence[int]
    ) -> dict[int, list[EventOutcome]]:
        """The lines `events` (the year's, from year_events) give these members: expected
        ones that are over with their outcome, and any other over that they checked in at; by
        time (a check-in counts once its event is over). The one reading of event lines, for
        /me and the export alike. Read as plain lists joined here, not one query per line: at
        10,000 members a UNION over a million lines spent seconds in temporary B-trees. Each
        member's check-ins come as two lists of event ids in one row (on time, late): a row
        per check-in cost more to make than the rest of the join."""
        ids = json.dumps(list(member_ids))
        people = await self.db.fetch_all(
            "SELECT id, deactivated_at FROM members "
            "WHERE id IN (SELECT value FROM json_each(?))", (ids,))
        spans: dict[int, list[tuple[int, str, str]]] = {}  # member → (group, since, until)
        for member_id, group_id, since, until in await self.db.fetch_all(
            "SELECT member_id, group_id, coalesce(joined_at, ''), coalesce(left_at, '9999') "
            "FROM group_memberships WHERE member_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY member_id, id", (ids,)):
            spans.setdefault(member_id, []).append((group_id, since, until))
        checkins = await self.db.fetch_all(
            "SELECT member_id, group_concat(event_id) FILTER (WHERE NOT late), "
            "group_concat(event_id) FILTER (WHERE late) FROM checkins "
            "WHERE member_id IN (SELECT value FROM json_each(?)) "
            "AND event_id IN (SELECT value FROM json_each(?)) GROUP BY member_id",
            (ids, json.dumps(list(events))))
        leaves = await self.db.fetch_all(
            "SELECT member_id, event_id FROM leave_requests WHERE status = 'approved' "
            "AND member_id IN (SELECT value FROM json_each(?))", (ids,))
        # every line of an event with the same outcome is the same object
        line = {(outcome, expected): {i: EventOutcome(e, outcome, expected)
                                      for i, e in events.items()}
                for outcome in Outcome for expected in (True, False)}
        checked: dict[int, dict[int, EventOutcome]] = {}  # member → event → its line
        for member_id, on_time, late in checkins:
            mine = checked[member_id] = {}
            for text, outcome in ((on_time, Outcome.PRESENT), (late, Outcome.LATE)):
                if text:
                    found = list(map(int, text.split(",")))
                    lines_of = map(line[outcome, True].__getitem__, found)
                    mine.update(zip(found, lines_of, strict=True))
        excused: dict[int, set[int]] = {}
        for member_id, event_id in leaves:
            excused.setdefault(member_id, set()).add(event_id)
        by_group: dict[int, list[YearEvent]] = {}
        for event in events.values():  # in order of time
            if event.over:
                for group_id in event.groups:
                    by_group.setdefault(group_id, []).append(event)
        on_leave, absent = line[Outcome.LEAVE, True], line[Outcome.ABSENT, True]
        result: dict[int, list[EventOutcome]] = {}
        for member_id, left in people:
            attended = checked.get(member_id, {})
            expected = _expected_of(by_group, spans.get(member_id, ()), left or "9999")
            lines: list[EventOutcome | None] = list(map(attended.get, expected))
            if None in lines:
                away = excused.get(member_id, set())
                for index, event_id in enumerate(expected):
                    if lines[index] is None:
                        lines[index] = (on_leave if event_id in away else absent)[event_id]
            done = cast(list[EventOutcome], lines)  # every None filled above
            others = {i for i in attended.keys() - set(expected) if events[i].over}
            if others:
                done += [line[attended[i].outcome, False][i] for i in others]
                done.sort(key=lambda line: (line.event.stored_start, line.event.event_id))
            result[member_id] = done
        return result

    async def reports(self, span: Span, scope: Scope) -> list[ReportLine]:
        """The year's submitted reports of each member, as first author or co-author."""
        mine = (
            "mine AS (SELECT w.id AS member_id, r.id AS report_id, 0 AS coauthor FROM who w "
            "JOIN reports r ON r.author_member_id = w.id "
            "WHERE r.submitted_at >= :start AND r.submitted_at < :end "
            "UNION ALL SELECT rc.member_id, rc.report_id, 1 FROM who w "
            "CROSS JOIN report_coauthors rc ON rc.member_id = w.id)"
        )
        query = (
            "SELECT x.member_id, r.id AS report_id, r.number, r.title, r.category, "
            "r.status, r.level, r.forwarded_to, r.submitted_at, x.coauthor "
            "FROM mine x JOIN reports r ON r.id = x.report_id "
            "WHERE r.submitted_at >= :start AND r.submitted_at < :end "
            "ORDER BY x.member_id, r.submitted_at, r.id"
        )
        instructions = (
            "SELECT rc.* FROM report_comments rc WHERE rc.report_id IN ("
            "SELECT x.report_id FROM mine x JOIN reports r ON r.id = x.report_id "
            "WHERE r.submitted_at >= :start AND r.submitted_at < :end) "
            "ORDER BY rc.report_id, rc.id"
        )
        comments: dict[int, list[LeaderComment]] = {}
        for row in await self._rows(span, scope, (mine,), instructions):
            comments.setdefault(row["report_id"], []).append(report_rows.comment(row))
        rows = await self._rows(span, scope, (mine,), query)
        return [
            ReportLine(
                member_id=row["member_id"], report_id=row["report_id"], number=row["number"],
                title=row["title"], category=row["category"], status=row["status"],
                level=row["level"], forwarded_to=row["forwarded_to"],
                submitted_at=required_time(row["submitted_at"]),
                coauthor=bool(row["coauthor"]),
                comments=tuple(comments.get(row["report_id"], ())),
            )
            for row in rows
        ]

    async def proposals(self, span: Span, scope: Scope) -> list[ProposalLine]:
        query = (
            "SELECT f.member_id, f.window_id, pw.title, pw.deadline, f.count, f.audited "
            "FROM who w JOIN proposal_filings f ON f.member_id = w.id "
            "JOIN proposal_windows pw ON pw.id = f.window_id "
            "WHERE pw.deadline BETWEEN :first_day AND :last_day AND f.count > 0 "
            "ORDER BY f.member_id, pw.deadline, pw.id"
        )
        rows = await self._rows(span, scope, (), query)
        return [
            ProposalLine(member_id=row["member_id"], window_id=row["window_id"],
                         title=row["title"], deadline=date.fromisoformat(row["deadline"]),
                         count=row["count"], audited=bool(row["audited"]))
            for row in rows
        ]

    async def notes(self, span: Span, scope: Scope) -> list[NoteLine]:
        query = (
            "SELECT n.member_id, n.book, n.created_at FROM who w "
            "JOIN reading_notes n ON n.member_id = w.id "
            "WHERE n.created_at >= :start AND n.created_at < :end "
            "ORDER BY n.member_id, n.created_at, n.id"
        )
        rows = await self._rows(span, scope, (), query)
        return [NoteLine(member_id=row["member_id"], book=row["book"],
                         created_at=required_time(row["created_at"])) for row in rows]

    async def reports_per_month(self, bounds: list[str]) -> list[tuple[int, int, int]]:
        """(month, submitted, adopted) for the months between 13 stored times (the first
        instants of January … the next January), by the day of first submission."""
        months = range(1, len(bounds))
        columns = ", ".join(
            f"sum(submitted_at >= :b{m - 1} AND submitted_at < :b{m}) AS s{m}, "
            f"sum(submitted_at >= :b{m - 1} AND submitted_at < :b{m} AND level IS NOT NULL) "
            f"AS a{m}" for m in months
        )
        row = await self.db.fetch_one(
            f"SELECT {columns} FROM reports "  # columns made here, values bound
            "WHERE submitted_at >= :b0 AND submitted_at < :last",
            {**{f"b{i}": b for i, b in enumerate(bounds)}, "last": bounds[-1]},
        )
        assert row is not None
        return [(m, row[f"s{m}"] or 0, row[f"a{m}"] or 0) for m in months]

    # -- grades staff enter: 作风表现, 群众满意度 ---------------------------------------------

    async def grades(self, year: int, member_ids: list[int] | None = None) -> list[Grade]:
        """The grades of `year`, of the given members (None: all)."""
        sql = "SELECT * FROM duty_grades WHERE year = ?"
        params: list[object] = [year]
        if member_ids is not None:
            sql += " AND member_id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(member_ids))
        return [_grade(row) for row in await self.db.fetch_all(sql + " ORDER BY member_id",
                                                               params)]

    async def set_grades(
        self, year: int, writes: Sequence[GradeWrite], *, actor_tg_id: int | None,
        actor_member_id: int | None, at: datetime, source: str | None = None,
    ) -> list[tuple[Grade | None, Grade]]:
        """Write the grades, each with its audit row, in one transaction (remarks None: the
        ones on record kept); each as (the grade it replaced, the grade now on record)."""
        done: list[tuple[Grade | None, Grade]] = []
        async with self.db.transaction() as conn:
            for write in writes:
                before = await fetch_rows(
                    conn, "SELECT * FROM duty_grades WHERE member_id = ? AND year = ? "
                    "AND dimension = ?", (write.member_id, year, write.dimension.value),
                )
                old = _grade(before[0]) if before else None
                remarks = write.remarks if write.remarks is not None \
                    else old.remarks if old is not None else ""
                await conn.execute(
                    "INSERT INTO duty_grades(member_id, year, dimension, grade, remarks, set_by, "
                    "set_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(member_id, year, dimension) "
                    "DO UPDATE SET grade = excluded.grade, remarks = excluded.remarks, "
                    "set_by = excluded.set_by, set_at = excluded.set_at",
                    (write.member_id, year, write.dimension.value, write.grade, remarks,
                     actor_tg_id, to_db_time(at)),
                )
                detail: dict[str, object] = {
                    "year": year, "dimension": write.dimension.value, "grade": write.grade,
                    "remarks": remarks, "before": old.grade if old else None,
                    "remarks_before": old.remarks if old else None}
                if source is not None:
                    detail["source"] = source
                await record_audit(
                    conn, "duty.grade", actor_tg_id=actor_tg_id,
                    actor_member_id=actor_member_id, subject=f"member:{write.member_id}",
                    detail=detail, at=at,
                )
                done.append((old, Grade(member_id=write.member_id, year=year,
                                        dimension=write.dimension, grade=write.grade,
                                        remarks=remarks, set_by=actor_tg_id, set_at=at)))
        return done

    # -- supervision and digest runs ---------------------------------------------------------

    async def run(self, key: str) -> DutyRun | None:
        row = await self.db.fetch_one("SELECT * FROM duty_runs WHERE key = ?", (key,))
        return _run(row) if row is not None else None

    async def start_run(self, key: str, kind: RunKind, due_at: datetime, at: datetime,
                        nudges: Sequence[Nudge] = ()) -> bool:
        """Record a run and who it nudges, in one transaction; False if it was started before
        (then the nudges on record are the ones to send)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO duty_runs(key, kind, due_at, started_at) "
                "VALUES (?, ?, ?, ?)", (key, kind.value, to_db_time(due_at), to_db_time(at)),
            )
            if cursor.rowcount == 0:
                return False
            await conn.executemany(
                "INSERT INTO supervision_nudges(run_key, member_id, group_id, shortfall) "
                "VALUES (?, ?, ?, ?)",
                [(key, n.member_id, n.group_id, json.dumps(n.shortfall)) for n in nudges],
            )
        return True

    async def finish_run(self, key: str, at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE duty_runs SET status = 'done', finished_at = ? WHERE key = ?",
                (to_db_time(at), key),
            )

    async def unfinished_runs(self, kind: RunKind) -> list[DutyRun]:
        rows = await self.db.fetch_all(
            "SELECT * FROM duty_runs WHERE kind = ? AND status = 'sending' ORDER BY due_at",
            (kind.value,),
        )
        return [_run(row) for row in rows]

    async def nudges(self, *, run_key: str | None = None,
                     member_id: int | None = None) -> list[Nudge]:
        """The nudges of one run, or of one member (newest run first)."""
        sql = ("SELECT n.* FROM supervision_nudges n JOIN duty_runs r ON r.key = n.run_key "
               "WHERE 1")
        params: list[object] = []
        if run_key is not None:
            sql += " AND n.run_key = ?"
            params.append(run_key)
        if member_id is not None:
            sql += " AND n.member_id = ?"
            params.append(member_id)
        rows = await self.db.fetch_all(sql + " ORDER BY r.due_at DESC, n.member_id", params)
        return [Nudge(run_key=row["run_key"], member_id=row["member_id"],
                      group_id=row["group_id"], shortfall=json.loads(row["shortfall"]))
                for row in rows]

    # -- the weekly digest ---------------------------------------------------------------------

    async def digest_switches(self) -> list[DigestSwitch]:
        """Every group in roster order with its chat and its digest switch."""
        rows = await self.db.fetch_all(
            "SELECT id, name, chat_id, digest_off FROM activity_groups ORDER BY id")
        return [DigestSwitch(group_id=row["id"], name=row["name"], chat_id=row["chat_id"],
                             digest_off=bool(row["digest_off"])) for row in rows]

    async def adopted_between(self, start: datetime, end: datetime) -> list[AdoptedReport]:
        """Reports whose first author is on the roster in a group, adopted in [start, end)
        (the last time each was adopted in it), by time."""
        rows = await self.db.fetch_all(
            "SELECT r.id, m.group_id, m.name, r.title, coalesce(r.level, mv.level) AS level, "
            "max(mv.at) AS adopted_at FROM report_moves mv "
            "JOIN reports r ON r.id = mv.report_id "
            "JOIN members m ON m.id = r.author_member_id "
            "WHERE mv.to_status = 'adopted' AND mv.at >= ? AND mv.at < ? "
            "AND m.group_id IS NOT NULL AND m.deactivated_at IS NULL "
            "GROUP BY r.id ORDER BY adopted_at, r.id",
            (to_db_time(start), to_db_time(end)),
        )
        return [AdoptedReport(report_id=row["id"], group_id=row["group_id"], author=row["name"],
                              title=row["title"], level=row["level"],
                              adopted_at=required_time(row["adopted_at"])) for row in rows]


    async def set_digest(self, group_id: int, on: bool, *, actor_tg_id: int | None,
                         actor_member_id: int | None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE activity_groups SET digest_off = ? WHERE id = ?",
                               (0 if on else 1, group_id))
            await record_audit(conn, "duty.digest", actor_tg_id=actor_tg_id,
                               actor_member_id=actor_member_id, subject=f"group:{group_id}",
                               detail={"on": on}, at=self.db.clock())
