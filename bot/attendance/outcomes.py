"""What the attendance service answers: outcomes of check-ins, event changes, leave and views.

Handlers choose the text for each outcome; nothing here knows of Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.models import (
    ActivityGroup,
    AttendanceRecord,
    AttendanceStatus,
    CheckIn,
    Event,
    EventAnnouncement,
    LeaveRequest,
    Member,
)


class CheckInOutcome(StrEnum):
    RECORDED = "recorded"
    LATE = "late"  # recorded, as late
    ALREADY = "already"  # checked in before: `checkin` is the earlier one
    NOT_EXPECTED = "not_expected"  # an event of another group, or a code of one
    TOO_EARLY = "too_early"  # before the window opens (`opens_at`)
    TOO_LATE = "too_late"  # the event has ended
    CANCELLED = "cancelled"
    NO_SUCH_EVENT = "no_such_event"
    VENUE_ONLY = "venue_only"  # venue-verified event: check in with the QR code or the code
    NEED_LOCATION = "need_location"  # the event has a venue point: share a live location
    LOCATION_NOT_LIVE = "location_not_live"  # a static location was sent, a live one is needed
    OUTSIDE_VENUE = "outside_venue"  # farther than the radius (`distance_m`)
    # an old QR code or code (a photo of the screen)
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (an outcome, not a secret)
    # not a QR code or code of ours (or a wrong code)
    TOKEN_INVALID = "token_invalid"  # noqa: S105
    TOO_MANY_ATTEMPTS = "too_many_attempts"  # too many wrong codes lately


@dataclass(frozen=True)
class CheckInResult:
    outcome: CheckInOutcome
    event: Event | None = None
    checkin: CheckIn | None = None  # the new check-in, or the earlier one for ALREADY
    opens_at: datetime | None = None  # TOO_EARLY: when the window opens
    distance_m: float | None = None  # OUTSIDE_VENUE: how far away the location was
    retry_after: timedelta | None = None  # TOO_MANY_ATTEMPTS: when codes are accepted again

    @property
    def recorded(self) -> bool:
        """Whether this call stored the check-in."""
        return self.outcome in (CheckInOutcome.RECORDED, CheckInOutcome.LATE)


@dataclass(frozen=True)
class LiveCount:
    """The live line of an announcement: 已签到 checked_in / 应到 expected."""

    checked_in: int
    expected: int


class EventChangeOutcome(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    UNCHANGED = "unchanged"
    CANCELLED = "cancelled"
    ALREADY_CANCELLED = "already_cancelled"
    NO_SUCH_EVENT = "no_such_event"
    ENDED = "ended"  # an event that is over is neither edited nor cancelled


@dataclass(frozen=True)
class EventChange:
    """A created, edited or cancelled event, and whom to tell.

    `groups`: the event's expected groups (announce where `chat_id` is set and no announcement
    exists yet); `announcements`: the messages already posted, to edit; `notify`: members to
    tell privately (edit and cancel: everyone expected before or after the change).
    """

    outcome: EventChangeOutcome
    event: Event | None = None
    previous: Event | None = None
    changed: frozenset[str] = frozenset()
    groups: tuple[ActivityGroup, ...] = ()
    announcements: tuple[EventAnnouncement, ...] = ()
    notify: tuple[Member, ...] = ()


@dataclass(frozen=True)
class MemberEvent:
    """An upcoming event of a member, with the member's own standing."""

    event: Event
    status: AttendanceStatus
    checkin: CheckIn | None = None
    leave: LeaveRequest | None = None


class LeaveOutcome(StrEnum):
    REQUESTED = "requested"
    ALREADY_PENDING = "already_pending"
    ALREADY_APPROVED = "already_approved"
    CHECKED_IN = "checked_in"
    EVENT_OVER = "event_over"
    CANCELLED = "cancelled"
    NOT_EXPECTED = "not_expected"
    NO_SUCH_EVENT = "no_such_event"
    NO_REASON = "no_reason"
    REASON_TOO_LONG = "reason_too_long"


@dataclass(frozen=True)
class LeaveResult:
    """A leave request; `deciders` are the people to ask (with buttons) when REQUESTED."""

    outcome: LeaveOutcome
    event: Event | None = None
    request: LeaveRequest | None = None
    deciders: tuple[Member, ...] = ()


class DecisionOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    ALREADY_DECIDED = "already_decided"  # `request.status` says how
    CHECKED_IN = "checked_in"  # the member came after all: nothing to decide
    CANCELLED = "cancelled"
    NO_SUCH_REQUEST = "no_such_request"


@dataclass(frozen=True)
class LeaveDecision:
    """A decision on a leave request; `member` is the one to tell."""

    outcome: DecisionOutcome
    request: LeaveRequest | None = None
    event: Event | None = None
    member: Member | None = None


class MarkStatus(StrEnum):
    """What a leader or staff member records for someone after the event's end (事后补记)."""

    PRESENT = "present"
    LATE = "late"
    LEAVE = "leave"


class MarkOutcome(StrEnum):
    MARKED = "marked"  # recorded now, as marked afterwards
    ALREADY = "already"  # the member has a standing of that kind already (`standing` says which)
    CHECKED_IN = "checked_in"  # a check-in on record says otherwise: it is not changed
    OWN_LEAVE = "own_leave"  # nobody records their own leave
    NOT_OVER = "not_over"  # the event has not ended: check in the usual way until then
    NOT_EXPECTED = "not_expected"  # not on the event's list of expected members
    CANCELLED = "cancelled"
    NO_SUCH_EVENT = "no_such_event"


@dataclass(frozen=True)
class AfterwardsMark:
    """One mark to record after the end: the member, their status, the leave reason if any."""

    member_id: int
    status: MarkStatus
    reason: str = ""


@dataclass(frozen=True)
class MarkResult:
    """What became of one mark; `standing` is the member's standing afterwards (ALREADY,
    CHECKED_IN: the one on record)."""

    mark: AfterwardsMark
    outcome: MarkOutcome
    member: Member | None = None
    standing: AttendanceStatus | None = None

    @property
    def refused(self) -> bool:
        return self.outcome not in (MarkOutcome.MARKED, MarkOutcome.ALREADY)


@dataclass(frozen=True)
class MarkBatch:
    """Marks recorded after an event's end, all or none: `written` is False when any of them
    was refused (or on a dry run), and then nothing was stored."""

    event: Event | None
    results: tuple[MarkResult, ...]
    written: bool

    @property
    def marked(self) -> list[MarkResult]:
        return [r for r in self.results if r.outcome is MarkOutcome.MARKED]


@dataclass(frozen=True)
class AttendanceView:
    """Who is present, late, on leave, waiting for a decision, missing — at `at`."""

    event: Event
    at: datetime
    records: tuple[AttendanceRecord, ...]

    @property
    def ended(self) -> bool:
        return self.at >= self.event.ends_at

    def _with(self, *statuses: AttendanceStatus) -> list[AttendanceRecord]:
        return [r for r in self.records if r.status in statuses]

    @property
    def present(self) -> list[AttendanceRecord]:
        """Checked in on time."""
        return self._with(AttendanceStatus.PRESENT)

    @property
    def late(self) -> list[AttendanceRecord]:
        return self._with(AttendanceStatus.LATE)

    @property
    def on_leave(self) -> list[AttendanceRecord]:
        return self._with(AttendanceStatus.LEAVE)

    @property
    def pending_leave(self) -> list[AttendanceRecord]:
        return self._with(AttendanceStatus.PENDING)

    @property
    def missing(self) -> list[AttendanceRecord]:
        """Neither checked in nor on approved or pending leave (absent once the event ended)."""
        return self._with(AttendanceStatus.NOT_YET, AttendanceStatus.ABSENT)

    @property
    def count(self) -> LiveCount:
        checked_in = len(self.present) + len(self.late)
        return LiveCount(checked_in=checked_in, expected=len(self.records))
