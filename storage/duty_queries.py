"""The SQL of the duty record's figures: a year as stored times (`Span`), the members in scope
and the events that expected them as CTEs, and one GROUP BY per kind of item (`COUNTS`), the
same for one member, one group or everyone (`with_scope` adds the scope's filters)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.duty_models import Scope


@dataclass(frozen=True)
class Span:
    """A year as stored times: [start, end) in UTC, `now` for "events that are over", and the
    year's first and last day for proposal deadlines."""

    year: int
    start: str
    end: str
    now: str

    @property
    def first_day(self) -> str:
        return date(self.year, 1, 1).isoformat()

    @property
    def last_day(self) -> str:
        return date(self.year, 12, 31).isoformat()


# Members in scope, as a CTE `who`: staff and admins are not 委员 and have no record; a member
# who left before the year began is not in it.
_WHO = (
    "who AS (SELECT m.id, m.group_id, m.deactivated_at FROM members m "
    "WHERE m.role NOT IN ('staff', 'admin') "
    "AND (m.deactivated_at IS NULL OR m.deactivated_at >= :start){filters})"
)

# (group, event, start) for every event over in the year, and each group it expected: a few
# hundred rows whatever the committee's size, from which each group's `expected` is counted.
_ENDED = (
    "ended AS MATERIALIZED (SELECT eg.group_id, e.id AS event_id, e.starts_at FROM events e "
    "JOIN event_groups eg ON eg.event_id = e.id "
    "WHERE e.status = 'scheduled' AND e.starts_at >= :start AND e.starts_at < :end "
    "AND e.ends_at <= :now)"
)


# Each member's time in each group: [since, until), and `gone`, when they left the roster
# (far in the future while on it); a membership without a joining day is from before the
# record.
_SPANS = (
    "spans AS MATERIALIZED (SELECT g.member_id, g.group_id, coalesce(g.joined_at, '') AS since,"
    " coalesce(g.left_at, '9999') AS until, coalesce(w.deactivated_at, '9999') AS gone "
    "FROM who w JOIN group_memberships g ON g.member_id = w.id)"
)

# Event `e` expected member `w`: one of its groups had them at its start.
_EXPECTED = (
    "EXISTS (SELECT 1 FROM spans s JOIN event_groups eg ON eg.group_id = s.group_id "
    "WHERE s.member_id = w.id AND eg.event_id = e.id AND e.starts_at >= s.since "
    "AND e.starts_at < s.until)"
)


# An event `e` over in the year, before member `w` left.
_OVER = (
    "e.status = 'scheduled' AND e.starts_at >= :start AND e.starts_at < :end "
    "AND e.ends_at <= :now AND (w.deactivated_at IS NULL OR e.starts_at < w.deactivated_at)"
)


def with_scope(span: Span, scope: Scope, *ctes: str) -> tuple[str, dict[str, Any]]:
    filters = ""
    params: dict[str, Any] = {"start": span.start, "end": span.end, "now": span.now,
                              "first_day": span.first_day, "last_day": span.last_day}
    if scope.member_id is not None:
        filters += " AND m.id = :member_id"
        params["member_id"] = scope.member_id
    if scope.group_id is not None:
        filters += " AND m.group_id = :group_id"
        params["group_id"] = scope.group_id
    if scope.member_ids is not None:
        filters += " AND m.id IN (SELECT value FROM json_each(:member_ids))"
        params["member_ids"] = json.dumps(scope.member_ids)
    if scope.active_only:
        filters += " AND m.deactivated_at IS NULL"
    return "WITH " + ", ".join([_WHO.format(filters=filters), *ctes]) + " ", params


COUNTS: dict[str, tuple[tuple[str, ...], str]] = {
    # kind → (the CTEs it needs, the query: member_id then the counts)
    "roster": ((), (
        "SELECT m.id AS member_id, m.name, m.phone, m.group_id, g.name AS group_name, "
        "m.deactivated_at IS NULL AS active, "
        # the day the member first joined a group; NULL: since before the record
        "(SELECT CASE WHEN count(*) = count(gm.joined_at) THEN min(gm.joined_at) END "
        "FROM group_memberships gm WHERE gm.member_id = w.id) AS joined_at "
        "FROM who w JOIN members m ON m.id = w.id "
        "LEFT JOIN activity_groups g ON g.id = m.group_id "
        "ORDER BY g.id IS NULL, g.id, m.id"
    )),
    # Expected: the events over of each group a member was in, held while they were in it
    # (`spans`, from group_memberships) and before they left the roster; of those, the ones
    # checked in at, and the approved leaves without a check-in; absent as the rest. Members
    # who were in no group expected at anything have no row (all 0).
    "expected": ((_ENDED, _SPANS), (
        "SELECT member_id, expected, attended_expected, on_leave, "
        "expected - attended_expected - on_leave AS absent FROM ("
        "SELECT w.id AS member_id, x.n AS expected, "
        "coalesce(p.n, 0) AS attended_expected, coalesce(o.n, 0) AS on_leave "
        "FROM who w JOIN (SELECT s.member_id, count(DISTINCT d.event_id) AS n FROM spans s "
        "JOIN ended d ON d.group_id = s.group_id AND d.starts_at >= s.since "
        "AND d.starts_at < s.until AND d.starts_at < s.gone GROUP BY s.member_id) x "
        "ON x.member_id = w.id "
        "LEFT JOIN (SELECT w.id AS member_id, count(*) AS n FROM who w "
        "CROSS JOIN checkins c ON c.member_id = w.id "
        "CROSS JOIN events e ON e.id = c.event_id WHERE " + _OVER + " AND " + _EXPECTED + " "
        "GROUP BY w.id) p ON p.member_id = w.id "
        "LEFT JOIN (SELECT w.id AS member_id, count(*) AS n FROM who w "
        "CROSS JOIN leave_requests l ON l.member_id = w.id "
        "CROSS JOIN events e ON e.id = l.event_id WHERE " + _OVER + " "
        "AND l.status = 'approved' AND " + _EXPECTED + " "
        "AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.event_id = l.event_id "
        "AND c.member_id = l.member_id) GROUP BY w.id) o ON o.member_id = w.id)"
    )),
    # check-ins at events that are over, the member's group's or not
    "attended": ((), (
        "SELECT c.member_id, count(*) AS attended, sum(c.late) AS late "
        "FROM who w JOIN checkins c ON c.member_id = w.id "
        "JOIN events e ON e.id = c.event_id "
        "WHERE e.status = 'scheduled' AND e.starts_at >= :start AND e.starts_at < :end "
        "AND e.ends_at <= :now GROUP BY c.member_id"
    )),
    # a report counts once, at the highest level it was adopted at (`level`), which stands
    # when a higher level it is forwarded to declines it; 未采用 is for reports adopted nowhere
    "reports": ((), (
        "SELECT r.author_member_id AS member_id, count(*) AS submitted, "
        "sum(EXISTS (SELECT 1 FROM report_comments rc WHERE rc.report_id = r.id)) "
        "AS instructed, sum(r.status = 'not_adopted' AND r.level IS NULL) AS not_adopted "
        "FROM who w JOIN reports r ON r.author_member_id = w.id "
        "WHERE r.submitted_at >= :start AND r.submitted_at < :end "
        "GROUP BY r.author_member_id"
    )),
    "adopted": ((), (
        "SELECT member_id, json_group_object(level, n) AS adopted FROM ("
        "SELECT r.author_member_id AS member_id, r.level, count(*) AS n "
        "FROM who w JOIN reports r ON r.author_member_id = w.id "
        "WHERE r.submitted_at >= :start AND r.submitted_at < :end AND r.level IS NOT NULL "
        "GROUP BY r.author_member_id, r.level) GROUP BY member_id"
    )),
    "coauthored": ((), (
        "SELECT rc.member_id, count(*) AS coauthored "
        "FROM who w JOIN report_coauthors rc ON rc.member_id = w.id "
        "JOIN reports r ON r.id = rc.report_id "
        "WHERE r.submitted_at >= :start AND r.submitted_at < :end "
        "GROUP BY rc.member_id"
    )),
    "proposals": ((), (
        "SELECT f.member_id, sum(f.count) AS proposals "
        "FROM who w JOIN proposal_filings f ON f.member_id = w.id "
        "JOIN proposal_windows pw ON pw.id = f.window_id "
        "WHERE pw.deadline BETWEEN :first_day AND :last_day "
        "GROUP BY f.member_id"
    )),
    "notes": ((), (
        "SELECT n.member_id, count(*) AS reading_notes "
        "FROM who w JOIN reading_notes n ON n.member_id = w.id "
        "WHERE n.created_at >= :start AND n.created_at < :end "
        "GROUP BY n.member_id"
    )),
}
