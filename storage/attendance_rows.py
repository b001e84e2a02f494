"""Reading attendance from rows: the event select, the ids of a list as one JSON parameter, and
the conversion of rows into events, check-ins and leave requests (and of a draft into row
values)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from domain.models import (
    CheckIn,
    CheckInMethod,
    Event,
    EventDraft,
    EventPolicy,
    EventStatus,
    EventType,
    LeaveRequest,
    LeaveStatus,
    Venue,
)
from storage.db import from_db_time, to_db_time
from storage.rows import required_time

EVENT_SELECT = """
SELECT e.*, (SELECT group_concat(g.group_id) FROM event_groups g WHERE g.event_id = e.id)
       AS group_ids
FROM events e
"""

# Members expected at event ?1: those in its groups now, and anyone already on record for it
# (a check-in or a leave request), so moving a member to another group later does not drop
# them from the sheet of an event they were expected at. A member who left the roster is
# expected only at events that started before they left (their history stays on the sheets).
EXPECTED_IDS = """
SELECT m.id FROM members m
WHERE m.group_id IN (SELECT group_id FROM event_groups WHERE event_id = ?1)
  AND (m.deactivated_at IS NULL
       OR m.deactivated_at > (SELECT starts_at FROM events WHERE id = ?1))
UNION SELECT member_id FROM checkins WHERE event_id = ?1
UNION SELECT member_id FROM leave_requests WHERE event_id = ?1
"""


def id_list(values: Iterable[int]) -> str:
    return json.dumps(sorted(set(values)))


def event_row(row: sqlite3.Row) -> Event:
    venue = None
    if row["venue_lat"] is not None:
        venue = Venue(lat=row["venue_lat"], lon=row["venue_lon"], radius_m=row["venue_radius_m"])
    groups = row["group_ids"]
    return Event(
        id=row["id"],
        type=EventType(row["type"]),
        title=row["title"],
        starts_at=required_time(row["starts_at"]),
        ends_at=required_time(row["ends_at"]),
        place=row["place"],
        venue=venue,
        policy=EventPolicy(row["policy"]),
        status=EventStatus(row["status"]),
        group_ids=tuple(sorted(int(g) for g in groups.split(","))) if groups else (),
        created_by=row["created_by"],
        created_at=required_time(row["created_at"]),
        updated_at=required_time(row["updated_at"]),
    )


def checkin_row(row: sqlite3.Row) -> CheckIn:
    return CheckIn(
        event_id=row["event_id"],
        member_id=row["member_id"],
        at=required_time(row["at"]),
        method=CheckInMethod(row["method"]),
        late=bool(row["late"]),
        marked_by=row["marked_by"],
    )


def leave_row(row: sqlite3.Row) -> LeaveRequest:
    return LeaveRequest(
        id=row["id"],
        event_id=row["event_id"],
        member_id=row["member_id"],
        reason=row["reason"],
        status=LeaveStatus(row["status"]),
        decided_by=row["decided_by"],
        decided_at=from_db_time(row["decided_at"]),
        created_at=required_time(row["created_at"]),
    )


def event_values(draft: EventDraft) -> tuple[object, ...]:
    venue = draft.venue
    return (
        draft.type.value,
        draft.title,
        to_db_time(draft.starts_at),
        to_db_time(draft.ends_at),
        draft.place,
        venue.lat if venue else None,
        venue.lon if venue else None,
        venue.radius_m if venue else None,
        draft.policy.value,
    )
