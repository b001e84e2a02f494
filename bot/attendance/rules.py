"""The rules of attendance, pure and Telegram-free: when and how a check-in counts, drafts.

The check-in window and lateness, whether a check-in counts, a member's standing, what makes
an event draft valid, and how a typed end is read (a time alone after midnight: the next day).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.attendance.outcomes import CheckInOutcome, CheckInResult, MarkOutcome, MarkStatus
from bot.core.auth import Refused
from bot.core.config import AttendanceConfig
from bot.core.timeparse import TimeReading, read_local_datetime
from domain.models import (
    AttendanceStatus,
    CheckIn,
    CheckInMethod,
    Event,
    EventDraft,
    EventPolicy,
    EventStatus,
    LeaveRequest,
    LeaveStatus,
    Member,
)

# Check-in opens this long before the start and closes at the end.
CHECKIN_OPENS_BEFORE = timedelta(minutes=60)
# A check-in later than start + this is recorded as late.
LATE_AFTER = timedelta(minutes=15)
MAX_TITLE = 200
MAX_PLACE = 200
MAX_REASON = 500
MIN_RADIUS_M = 10
MAX_RADIUS_M = 10_000
# Typed codes: after this many wrong codes within the window, further codes are refused until
# the oldest wrong one leaves the window (a 6-digit code must not be guessable by trying).
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(minutes=10)
# Codes are looked for among events running now or starting within this time.
CODE_LOOKAHEAD = timedelta(days=7)
EARTH_RADIUS_M = 6_371_008.8
# An event longer than this is asked about before it is saved (a typo in the end's day).
LONG_EVENT = timedelta(days=1)
# An end typed as a time alone that is earlier than the start is on the next day (an evening
# event that ends after midnight, 23:10 to 01:10) when the event then lasts at most this long;
# 14:30 to 14:00 is a slip, refused as an end before the start.
NEXT_DAY_END_WITHIN = timedelta(hours=12)


@dataclass(frozen=True)
class AttendanceRules:
    """The check-in window and lateness, per committee."""

    opens_before: timedelta = CHECKIN_OPENS_BEFORE
    late_after: timedelta = LATE_AFTER

    def opens_at(self, event: Event) -> datetime:
        return event.starts_at - self.opens_before

    def late_from(self, event: Event) -> datetime:
        return event.starts_at + self.late_after


def rules_from_config(config: AttendanceConfig) -> AttendanceRules:
    """The committee's check-in window and lateness, from the [attendance] section."""
    return AttendanceRules(
        opens_before=timedelta(minutes=config.checkin_opens_minutes),
        late_after=timedelta(minutes=config.late_after_minutes),
    )


# -- locations --------------------------------------------------------------------------------
@dataclass(frozen=True)
class GeoPoint:
    """A location sent by a member; `live` when shared as a live location."""

    lat: float
    lon: float
    live: bool = True


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# -- event drafts -----------------------------------------------------------------------------
class EventProblem(StrEnum):
    """Why an event draft cannot be saved."""

    EMPTY_TITLE = "empty_title"
    TITLE_TOO_LONG = "title_too_long"
    PLACE_TOO_LONG = "place_too_long"
    NAIVE_TIME = "naive_time"
    ENDS_BEFORE_START = "ends_before_start"
    NO_GROUPS = "no_groups"
    UNKNOWN_GROUP = "unknown_group"
    BAD_VENUE = "bad_venue"
    STARTS_IN_PAST = "starts_in_past"
    RECORD_NOT_OVER = "record_not_over"


class InvalidEvent(Refused):
    """An event draft that cannot be saved: `reason` (also `problem`) says why."""

    def __init__(self, problem: EventProblem) -> None:
        super().__init__(problem)
        self.problem = problem


DRAFT_FIELDS = ("type", "title", "starts_at", "ends_at", "place", "venue", "policy", "group_ids")


def normalised(draft: EventDraft) -> EventDraft:
    """The draft as it is saved: title and place trimmed, groups sorted and each once."""
    return draft.model_copy(
        update={
            "title": draft.title.strip(),
            "place": draft.place.strip(),
            "group_ids": tuple(sorted(set(draft.group_ids))),
        }
    )


def draft_of(event: Event) -> EventDraft:
    """The editable fields of an event, to change some and pass to `edit_event`."""
    return EventDraft(**{name: getattr(event, name) for name in DRAFT_FIELDS})


def check_draft(draft: EventDraft, known_group_ids: Collection[int]) -> None:
    """Raise InvalidEvent unless the draft can be saved (`known_group_ids`: every group)."""
    if not draft.title.strip():
        raise InvalidEvent(EventProblem.EMPTY_TITLE)
    if len(draft.title) > MAX_TITLE:
        raise InvalidEvent(EventProblem.TITLE_TOO_LONG)
    if len(draft.place) > MAX_PLACE:
        raise InvalidEvent(EventProblem.PLACE_TOO_LONG)
    if draft.starts_at.tzinfo is None or draft.ends_at.tzinfo is None:
        raise InvalidEvent(EventProblem.NAIVE_TIME)
    if draft.ends_at <= draft.starts_at:
        raise InvalidEvent(EventProblem.ENDS_BEFORE_START)
    if not draft.group_ids:
        raise InvalidEvent(EventProblem.NO_GROUPS)
    if not set(draft.group_ids) <= set(known_group_ids):
        raise InvalidEvent(EventProblem.UNKNOWN_GROUP)
    venue = draft.venue
    if venue is not None and not (
        -90 <= venue.lat <= 90
        and -180 <= venue.lon <= 180
        and MIN_RADIUS_M <= venue.radius_m <= MAX_RADIUS_M
    ):
        raise InvalidEvent(EventProblem.BAD_VENUE)


def check_timing(draft: EventDraft, now: datetime, *, for_the_record: bool = False) -> None:
    """Raise InvalidEvent for a start in the past, unless the event is recorded for the record
    (then it must be over: such an event is never announced)."""
    if for_the_record:
        if draft.ends_at > now:
            raise InvalidEvent(EventProblem.RECORD_NOT_OVER)
    elif draft.starts_at < now:
        raise InvalidEvent(EventProblem.STARTS_IN_PAST)


def is_long(starts_at: datetime, ends_at: datetime) -> bool:
    """Longer than a day: asked about before saving."""
    return ends_at - starts_at > LONG_EVENT


def read_end(text: str, starts_at: datetime, zone: ZoneInfo, now: datetime) -> TimeReading:
    """The end of an event that starts at `starts_at`, as typed (see `read_local_datetime`): a
    time alone is on the start's day, or on the next day when it is earlier than the start and
    the event then lasts at most NEXT_DAY_END_WITHIN; an end typed with its day is as typed."""
    reading = read_local_datetime(text, zone, now, day=starts_at.astimezone(zone).date())
    if not reading.time_only:
        return reading

    def after_start(moment: datetime) -> datetime:
        next_day = moment + timedelta(days=1)  # the same time of day
        if moment < starts_at and next_day - starts_at <= NEXT_DAY_END_WITHIN:
            return next_day
        return moment

    if reading.choices is not None:
        early, late = reading.choices
        return replace(reading, choices=(after_start(early), after_start(late)))
    if reading.moment is not None:
        return replace(reading, moment=after_start(reading.moment))
    return reading


# -- a member's standing ----------------------------------------------------------------------
def attendance_status(
    event: Event, checkin: CheckIn | None, leave: LeaveRequest | None, at: datetime
) -> AttendanceStatus:
    """A member's standing: a check-in wins over leave; no check-in after the end is absent."""
    if checkin is not None:
        return AttendanceStatus.LATE if checkin.late else AttendanceStatus.PRESENT
    if leave is not None and leave.status is LeaveStatus.APPROVED:
        return AttendanceStatus.LEAVE
    if leave is not None and leave.status is LeaveStatus.PENDING:
        return AttendanceStatus.PENDING
    return AttendanceStatus.ABSENT if at >= event.ends_at else AttendanceStatus.NOT_YET


# -- whether a check-in counts ----------------------------------------------------------------
@dataclass(frozen=True)
class CheckInRequest:
    """A check-in to judge and write (by the member, or for them by staff)."""

    member: Member
    event_id: int
    method: CheckInMethod
    at: datetime
    location: GeoPoint | None = None
    marked_by: int | None = None  # STAFF: the member id of whoever marked them present
    actor_tg_id: int | None = None


def judge_check_in(
    request: CheckInRequest, event: Event | None, earlier: CheckIn | None, rules: AttendanceRules
) -> CheckInResult:
    """Whether a check-in counts, given the event and any earlier check-in (pure)."""
    if event is None:
        return CheckInResult(CheckInOutcome.NO_SUCH_EVENT)
    if event.status is EventStatus.CANCELLED:
        return CheckInResult(CheckInOutcome.CANCELLED, event)
    if earlier is not None:
        return CheckInResult(CheckInOutcome.ALREADY, event, earlier)
    if request.member.group_id not in event.group_ids:
        return CheckInResult(CheckInOutcome.NOT_EXPECTED, event)
    at = request.at
    if at < rules.opens_at(event):
        return CheckInResult(CheckInOutcome.TOO_EARLY, event, opens_at=rules.opens_at(event))
    if at >= event.ends_at:
        return CheckInResult(CheckInOutcome.TOO_LATE, event)
    method = request.method
    if method is not CheckInMethod.STAFF:
        if event.policy is EventPolicy.VENUE and method in (
            CheckInMethod.BUTTON,
            CheckInMethod.LOCATION,
        ):
            return CheckInResult(CheckInOutcome.VENUE_ONLY, event)
        if event.venue is not None and method is not CheckInMethod.BUTTON:
            where = request.location
            if where is None:
                return CheckInResult(CheckInOutcome.NEED_LOCATION, event)
            if not where.live:
                return CheckInResult(CheckInOutcome.LOCATION_NOT_LIVE, event)
            distance = distance_m(where.lat, where.lon, event.venue.lat, event.venue.lon)
            if distance > event.venue.radius_m:
                return CheckInResult(CheckInOutcome.OUTSIDE_VENUE, event, distance_m=distance)
    late = at > rules.late_from(event)
    checkin = CheckIn(
        event_id=event.id,
        member_id=request.member.id,
        at=at,
        method=method,
        late=late,
        marked_by=request.marked_by,
    )
    outcome = CheckInOutcome.LATE if late else CheckInOutcome.RECORDED
    return CheckInResult(outcome, event, checkin)


# -- marks after the end (事后补记) -------------------------------------------------------------
# The words a leader, staff or a marks file may use for each status (compared lower-cased).
MARK_WORDS: dict[str, MarkStatus] = {
    "present": MarkStatus.PRESENT, "已签到": MarkStatus.PRESENT, "出席": MarkStatus.PRESENT,
    "签到": MarkStatus.PRESENT,
    "late": MarkStatus.LATE, "迟到": MarkStatus.LATE,
    "leave": MarkStatus.LEAVE, "请假": MarkStatus.LEAVE,
}


def mark_status_of(word: str) -> MarkStatus | None:
    """`迟到`, `late`, `出席` … → the status; None for any other word."""
    return MARK_WORDS.get(word.strip().lower())


def judge_mark(
    status: MarkStatus,
    event: Event | None,
    *,
    expected: bool,
    checkin: CheckIn | None,
    leave: LeaveRequest | None,
    own: bool,
    at: datetime,
) -> MarkOutcome:
    """Whether a leader's or staff member's mark after the end counts (pure). A check-in on
    record is never changed (CHECKED_IN when the mark says otherwise: leave, or late for one on
    time and the reverse); leave waiting for a decision is approved; leave declined before is
    replaced. `own`: the one marking is the member."""
    if event is None:
        return MarkOutcome.NO_SUCH_EVENT
    if event.status is EventStatus.CANCELLED:
        return MarkOutcome.CANCELLED
    if at < event.ends_at:
        return MarkOutcome.NOT_OVER
    if not expected:
        return MarkOutcome.NOT_EXPECTED
    if status is MarkStatus.LEAVE:
        if own:
            return MarkOutcome.OWN_LEAVE
        if checkin is not None:
            return MarkOutcome.CHECKED_IN
        if leave is not None and leave.status is LeaveStatus.APPROVED:
            return MarkOutcome.ALREADY
        return MarkOutcome.MARKED
    if checkin is None:
        return MarkOutcome.MARKED
    return MarkOutcome.ALREADY if checkin.late == (status is MarkStatus.LATE) else (
        MarkOutcome.CHECKED_IN)
