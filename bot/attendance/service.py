"""Attendance: events, check-in by every path, leave requests and who is present or missing.

The service knows nothing of Telegram. Handlers pass the member (or the acting person), call one
method, and choose the text from the returned outcome.

Check-ins are written by a small group-commit writer: every check-in that arrives while a batch
is being written joins the next batch, each batch is one transaction, and each caller's await
returns after its batch has committed. Whether a check-in counts (window, policy, location,
already checked in) is decided inside that transaction, so it cannot race with a duplicate.

Absence is never stored: an expected member with neither a check-in nor approved leave is
"not yet" until the event ends and "absent" afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.attendance import tokens as checkin_tokens
from bot.attendance.tokens import RotatingToken, TokenVerdict
from bot.core.auth import Action, Actor, NotAllowed, audited_as
from bot.core.config import AttendanceConfig
from bot.core.secrets import server_secret
from storage.attendance import AttendanceRepository
from storage.audit import record_audit
from storage.db import Database, utc_now
from storage.members import MemberRepository
from storage.models import (
    ActivityGroup,
    AttendanceRecord,
    AttendanceStatus,
    CheckIn,
    CheckInMethod,
    Event,
    EventAnnouncement,
    EventDraft,
    EventPolicy,
    EventStatus,
    LeaveRequest,
    LeaveStatus,
    Member,
)

log = logging.getLogger(__name__)

# Check-in opens this long before the start and closes at the end.
CHECKIN_OPENS_BEFORE = timedelta(minutes=60)
# A check-in later than start + this is recorded as late.
LATE_AFTER = timedelta(minutes=15)
# Check-ins written in one transaction at most.
MAX_BATCH = 500
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


# -- results ----------------------------------------------------------------------------------
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


class EventProblem(StrEnum):
    EMPTY_TITLE = "empty_title"
    TITLE_TOO_LONG = "title_too_long"
    PLACE_TOO_LONG = "place_too_long"
    NAIVE_TIME = "naive_time"
    ENDS_BEFORE_START = "ends_before_start"
    NO_GROUPS = "no_groups"
    UNKNOWN_GROUP = "unknown_group"
    BAD_VENUE = "bad_venue"


class InvalidEvent(ValueError):
    """An event draft that cannot be saved, with the reason."""

    def __init__(self, problem: EventProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


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


# -- the check-in writer ----------------------------------------------------------------------
@dataclass(frozen=True)
class _CheckInRequest:
    member: Member
    event_id: int
    method: CheckInMethod
    at: datetime
    location: GeoPoint | None = None
    marked_by: int | None = None  # STAFF: the member id of whoever marked them present
    actor_tg_id: int | None = None


def judge_check_in(
    request: _CheckInRequest, event: Event | None, earlier: CheckIn | None, rules: AttendanceRules
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


_Pending = tuple[_CheckInRequest, "asyncio.Future[CheckInResult]"]


class CheckInWriter:
    """Group commit of check-ins: one transaction per batch of those that arrived together.

    `submit` queues a check-in and returns once the transaction holding it has committed. The
    first caller starts a drain task; everything queued while a batch is being written forms
    the next batch. A batch that fails is retried one check-in at a time, so one bad check-in
    fails alone.
    """

    def __init__(self, db: Database, rules: AttendanceRules, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.rules = rules
        self.max_batch = max_batch
        self._queue: deque[_Pending] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self.batches = 0  # transactions written, for the benchmark's report

    async def submit(self, request: _CheckInRequest) -> CheckInResult:
        future: asyncio.Future[CheckInResult] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain(), name="check-in writer")
        return await future

    async def wait_idle(self) -> None:
        """Return once every queued check-in has been written."""
        while self._drainer is not None:
            await asyncio.shield(self._drainer)

    async def _drain(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._queue:
                size = min(self.max_batch, len(self._queue))
                batch = [self._queue.popleft() for _ in range(size)]
                await self._write(batch)
                batch = []
        finally:
            self._drainer = None
            stranded = batch + list(self._queue)
            self._queue.clear()
            for _, future in stranded:
                if not future.done():
                    future.set_exception(RuntimeError("the check-in writer stopped"))

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            results = await self._write_batch([request for request, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                log.exception("check-in not written")
                if not batch[0][1].done():
                    batch[0][1].set_exception(exc)
                return
            log.warning("a batch of %d check-ins failed; writing them one by one", len(batch))
            for pending in batch:
                await self._write([pending])
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # the caller may have given up waiting
                future.set_result(result)

    async def _write_batch(self, requests: Sequence[_CheckInRequest]) -> list[CheckInResult]:
        results: list[CheckInResult] = []
        async with self.db.transaction() as conn:
            events = await AttendanceRepository.events_in(conn, {r.event_id for r in requests})
            earlier = await AttendanceRepository.existing_checkins(
                conn, events.keys(), {r.member.id for r in requests}
            )
            new: list[CheckIn] = []
            actors: list[int | None] = []
            for request in requests:
                key = (request.event_id, request.member.id)
                result = judge_check_in(
                    request, events.get(request.event_id), earlier.get(key), self.rules
                )
                if result.checkin is not None and result.recorded:
                    earlier[key] = result.checkin  # a duplicate later in this batch is ALREADY
                    new.append(result.checkin)
                    actors.append(request.actor_tg_id)
                results.append(result)
            if new:
                stored = await AttendanceRepository.insert_checkins(conn, new, actors)
                if stored != len(new):
                    raise RuntimeError(f"{len(new) - stored} check-ins were stored meanwhile")
        self.batches += 1
        return results


# -- the service ------------------------------------------------------------------------------
_DRAFT_FIELDS = ("type", "title", "starts_at", "ends_at", "place", "venue", "policy", "group_ids")


def _normalised(draft: EventDraft) -> EventDraft:
    return draft.model_copy(
        update={
            "title": draft.title.strip(),
            "place": draft.place.strip(),
            "group_ids": tuple(sorted(set(draft.group_ids))),
        }
    )


def draft_of(event: Event) -> EventDraft:
    """The editable fields of an event, to change some and pass to `edit_event`."""
    return EventDraft(**{name: getattr(event, name) for name in _DRAFT_FIELDS})


class AttendanceService:
    """Events, check-ins, leave and attendance views; `actor=None` means the operator's CLI."""

    def __init__(
        self,
        db: Database,
        members: MemberRepository,
        zone: ZoneInfo,
        *,
        clock: Callable[[], datetime] = utc_now,
        rules: AttendanceRules | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.db = db
        self.members = members
        self.zone = zone
        self.clock = clock
        self.rules = rules or AttendanceRules()
        self.repo = AttendanceRepository(db)
        self.writer = CheckInWriter(db, self.rules, max_batch)
        self._secret: bytes | None = None
        self._wrong_codes: dict[int, deque[float]] = defaultdict(deque)

    async def close(self) -> None:
        """Wait until every queued check-in is written."""
        await self.writer.wait_idle()

    async def token_secret(self) -> bytes:
        if self._secret is None:
            self._secret = await server_secret(self.db, "checkin")
        return self._secret

    # -- permissions ----------------------------------------------------------------------------
    @staticmethod
    def _require(actor: Actor | None, action: Action, group_ids: Collection[int]) -> None:
        """Allow the operator, or an actor allowed `action` for every one of `group_ids`."""
        if actor is None:
            return
        allowed = actor.groups_for(action)
        if allowed is None:
            return
        if not group_ids or not set(group_ids) <= allowed:
            raise NotAllowed

    @staticmethod
    def _reach(actor: Actor | None, action: Action, event: Event) -> set[int] | None:
        """The event's groups `actor` may act on for `action` (None: all); NotAllowed if none."""
        if actor is None:
            return None
        allowed = actor.groups_for(action)
        if allowed is None:
            return None
        mine = allowed & set(event.group_ids)
        if not mine:
            raise NotAllowed
        return mine

    # -- events ---------------------------------------------------------------------------------
    async def _check_draft(self, draft: EventDraft) -> None:
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
        known = {group.id for group in await self.members.list_groups()}
        if not set(draft.group_ids) <= known:
            raise InvalidEvent(EventProblem.UNKNOWN_GROUP)
        venue = draft.venue
        if venue is not None and not (
            -90 <= venue.lat <= 90
            and -180 <= venue.lon <= 180
            and MIN_RADIUS_M <= venue.radius_m <= MAX_RADIUS_M
        ):
            raise InvalidEvent(EventProblem.BAD_VENUE)

    async def _groups(self, group_ids: Collection[int]) -> tuple[ActivityGroup, ...]:
        return tuple(g for g in await self.members.list_groups() if g.id in set(group_ids))

    async def _bound_members_of(self, event_ids: Collection[int]) -> tuple[Member, ...]:
        found: dict[int, Member] = {}
        for event_id in event_ids:
            for member in await self.repo.expected_members(event_id):
                if member.telegram_user_id is not None:
                    found[member.id] = member
        return tuple(found.values())

    async def create_event(self, actor: Actor | None, draft: EventDraft) -> EventChange:
        """Save a new event (leaders: their own group only) and say where to announce it."""
        draft = _normalised(draft)
        await self._check_draft(draft)
        self._require(actor, Action.MANAGE_EVENTS, draft.group_ids)
        now = self.clock()
        async with self.db.transaction() as conn:
            event_id = await AttendanceRepository.insert_event(
                conn, draft, (actor.member_id if actor else None), now
            )
            await record_audit(
                conn, "event_create", **audited_as(actor), subject=f"event:{event_id}",
                detail=draft.model_dump(mode="json"),
            )
        event = await self.repo.event(event_id)
        assert event is not None
        return EventChange(
            EventChangeOutcome.CREATED, event, groups=await self._groups(event.group_ids)
        )

    async def edit_event(
        self, actor: Actor | None, event_id: int, draft: EventDraft
    ) -> EventChange:
        """Replace an event's details (see `draft_of`); everyone concerned is to be told."""
        previous = await self.repo.event(event_id)
        if previous is None:
            return EventChange(EventChangeOutcome.NO_SUCH_EVENT)
        draft = _normalised(draft)
        self._require(actor, Action.MANAGE_EVENTS, set(previous.group_ids) | set(draft.group_ids))
        if previous.status is EventStatus.CANCELLED:
            return EventChange(EventChangeOutcome.ALREADY_CANCELLED, previous)
        now = self.clock()
        if previous.ends_at <= now:
            return EventChange(EventChangeOutcome.ENDED, previous)
        await self._check_draft(draft)
        before = draft_of(previous)
        changed = frozenset(
            name for name in _DRAFT_FIELDS if getattr(before, name) != getattr(draft, name)
        )
        if not changed:
            return EventChange(EventChangeOutcome.UNCHANGED, previous, previous)
        notify_before = await self._bound_members_of([event_id])
        async with self.db.transaction() as conn:
            await AttendanceRepository.update_event(conn, event_id, draft, now)
            await record_audit(
                conn, "event_edit", **audited_as(actor), subject=f"event:{event_id}",
                detail={
                    name: [
                        before.model_dump(mode="json")[name],
                        draft.model_dump(mode="json")[name],
                    ]
                    for name in sorted(changed)
                },
            )
        event = await self.repo.event(event_id)
        assert event is not None
        notify = {m.id: m for m in notify_before}
        notify.update({m.id: m for m in await self._bound_members_of([event_id])})
        return EventChange(
            EventChangeOutcome.EDITED,
            event,
            previous,
            changed,
            groups=await self._groups(event.group_ids),
            announcements=tuple(await self.repo.announcements(event_id)),
            notify=tuple(notify.values()),
        )

    async def cancel_event(
        self, actor: Actor | None, event_id: int, reason: str = ""
    ) -> EventChange:
        """Cancel an event that has not ended; everyone expected is to be told."""
        event = await self.repo.event(event_id)
        if event is None:
            return EventChange(EventChangeOutcome.NO_SUCH_EVENT)
        self._require(actor, Action.MANAGE_EVENTS, event.group_ids)
        now = self.clock()
        if event.ends_at <= now and event.status is EventStatus.SCHEDULED:
            return EventChange(EventChangeOutcome.ENDED, event)
        async with self.db.transaction() as conn:
            changed = await AttendanceRepository.set_event_status(
                conn, event_id, EventStatus.CANCELLED, now
            )
            if changed:
                await record_audit(
                    conn, "event_cancel", **audited_as(actor), subject=f"event:{event_id}",
                    detail={"reason": reason},
                )
        if not changed:
            return EventChange(EventChangeOutcome.ALREADY_CANCELLED, event)
        cancelled = await self.repo.event(event_id)
        assert cancelled is not None
        return EventChange(
            EventChangeOutcome.CANCELLED,
            cancelled,
            event,
            frozenset({"status"}),
            groups=await self._groups(cancelled.group_ids),
            announcements=tuple(await self.repo.announcements(event_id)),
            notify=await self._bound_members_of([event_id]),
        )

    async def event(self, event_id: int) -> Event | None:
        return await self.repo.event(event_id)

    async def list_events(
        self,
        *,
        group_ids: Collection[int] | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        include_cancelled: bool = True,
    ) -> list[Event]:
        return await self.repo.events(
            group_ids=group_ids,
            starts_from=starts_from,
            starts_before=starts_before,
            include_cancelled=include_cancelled,
        )

    async def upcoming_events(self, *, at: datetime | None = None) -> list[Event]:
        """Scheduled events that have not ended (the ones to announce), by start."""
        return await self.repo.events(ends_after=at or self.clock(), include_cancelled=False)

    async def events_run_by(
        self,
        actor: Actor,
        action: Action = Action.SHOW_CHECKIN_CODE,
        *,
        at: datetime | None = None,
    ) -> list[Event]:
        """Scheduled events not yet over that `actor` may do `action` for (pickers of /qr …)."""
        allowed = actor.groups_for(action)
        if allowed is not None and not allowed:
            return []
        return await self.repo.events(
            group_ids=allowed, ends_after=at or self.clock(), include_cancelled=False
        )

    async def save_announcement(self, event_id: int, chat_id: int, message_id: int) -> None:
        """Remember the group message announcing the event (no audit: not a state change of
        anyone's; it only lets the live count be edited later)."""
        async with self.db.transaction() as conn:
            await AttendanceRepository.save_announcement(
                conn, event_id, chat_id, message_id, self.clock()
            )

    async def announcements(self, event_id: int) -> list[EventAnnouncement]:
        return await self.repo.announcements(event_id)

    async def announcement_in_group(
        self, event_id: int, group_id: int
    ) -> EventAnnouncement | None:
        return await self.repo.announcement_in_group(event_id, group_id)

    async def events_for_member(
        self, member: Member, *, at: datetime | None = None
    ) -> list[MemberEvent]:
        """The member's scheduled events that have not ended, with the member's own standing."""
        if member.group_id is None:
            return []
        at = at or self.clock()
        events = await self.repo.events(
            group_ids=[member.group_id], ends_after=at, include_cancelled=False
        )
        ids = [event.id for event in events]
        checkins = await self.repo.checkins_of_member(member.id, ids)
        leaves = await self.repo.leave_requests_of_member(member.id, ids)
        return [
            MemberEvent(
                event,
                attendance_status(event, checkins.get(event.id), leaves.get(event.id), at),
                checkins.get(event.id),
                leaves.get(event.id),
            )
            for event in events
        ]

    # -- check-in -------------------------------------------------------------------------------
    async def check_in(
        self,
        member: Member,
        event_id: int,
        method: CheckInMethod,
        *,
        location: GeoPoint | None = None,
        at: datetime | None = None,
    ) -> CheckInResult:
        """Record the member's own check-in, once; returns after it is committed.

        QR and code check-ins come through `check_in_by_link` / `check_in_by_code`; call this
        with QR or CODE directly only for a token already verified by one of them (which
        answered NEED_LOCATION), adding the live location.
        """
        if method is CheckInMethod.STAFF:
            raise ValueError("use mark_present_by_staff")
        return await self.writer.submit(
            _CheckInRequest(
                member=member,
                event_id=event_id,
                method=method,
                at=at or self.clock(),
                location=location,
                actor_tg_id=member.telegram_user_id,
            )
        )

    async def check_in_by_link(
        self,
        member: Member,
        payload: str,
        *,
        location: GeoPoint | None = None,
        at: datetime | None = None,
    ) -> CheckInResult:
        """Check in with the payload of a scanned QR code (`ci_…` deep link)."""
        at = at or self.clock()
        check = checkin_tokens.verify_link(await self.token_secret(), payload, at)
        if check.verdict is TokenVerdict.FORGED or check.event_id is None:
            return CheckInResult(CheckInOutcome.TOKEN_INVALID)
        if check.verdict is TokenVerdict.EXPIRED:
            return CheckInResult(
                CheckInOutcome.TOKEN_EXPIRED, await self.repo.event(check.event_id)
            )
        return await self.check_in(
            member, check.event_id, CheckInMethod.QR, location=location, at=at
        )

    def _wrong_code_wait(self, member_id: int, now: float) -> timedelta | None:
        wrong = self._wrong_codes[member_id]
        window = WRONG_CODE_WINDOW.total_seconds()
        while wrong and wrong[0] <= now - window:
            wrong.popleft()
        if len(wrong) < MAX_WRONG_CODES:
            return None
        return timedelta(seconds=math.ceil(wrong[0] + window - now))

    async def check_in_by_code(
        self,
        member: Member,
        code: str,
        *,
        location: GeoPoint | None = None,
        at: datetime | None = None,
    ) -> CheckInResult:
        """Check in with the 6-digit code: it names the event among those the member is
        expected at; a current code of another group's event is NOT_EXPECTED."""
        at = at or self.clock()
        now = self.clock().timestamp()
        wait = self._wrong_code_wait(member.id, now)
        if wait is not None:
            return CheckInResult(CheckInOutcome.TOO_MANY_ATTEMPTS, retry_after=wait)
        lookback = timedelta(
            seconds=checkin_tokens.STEP_SECONDS
            * (checkin_tokens.GRACE_STEPS + checkin_tokens.CODE_EXPIRED_LOOKBACK_STEPS + 1)
        )
        candidates = await self.repo.events(
            ends_after=at - lookback, starts_before=at + CODE_LOOKAHEAD
        )
        mine = sorted(
            (e for e in candidates if member.group_id in e.group_ids),
            key=lambda e: abs((e.starts_at - at).total_seconds()),
        )
        check = checkin_tokens.verify_code(
            await self.token_secret(),
            code,
            at,
            event_ids=[e.id for e in mine],
            other_event_ids=[e.id for e in candidates],
        )
        by_id = {e.id: e for e in candidates}
        if check.verdict is TokenVerdict.FORGED or check.event_id is None:
            self._wrong_codes[member.id].append(now)
            return CheckInResult(CheckInOutcome.TOKEN_INVALID)
        if check.verdict is TokenVerdict.EXPIRED:
            return CheckInResult(CheckInOutcome.TOKEN_EXPIRED, by_id.get(check.event_id))
        if check.verdict is TokenVerdict.OTHER_EVENT:
            return CheckInResult(CheckInOutcome.NOT_EXPECTED, by_id.get(check.event_id))
        return await self.check_in(
            member, check.event_id, CheckInMethod.CODE, location=location, at=at
        )

    async def mark_present_by_staff(
        self, actor: Actor | None, event_id: int, member_id: int, *, at: datetime | None = None
    ) -> CheckInResult:
        """Record someone else's check-in (a member without a phone); audited with who did it.
        The window applies as for members; policy and location do not."""
        if actor is not None and not actor.can(Action.MARK_PRESENT):
            raise NotAllowed
        member = await self.members.by_id(member_id)
        if member is None:  # a stale or forged choice: nobody by that id is expected
            return CheckInResult(CheckInOutcome.NOT_EXPECTED, await self.repo.event(event_id))
        self._require(actor, Action.MARK_PRESENT, [member.group_id or 0])
        return await self.writer.submit(
            _CheckInRequest(
                member=member,
                event_id=event_id,
                method=CheckInMethod.STAFF,
                at=at or self.clock(),
                marked_by=actor.member_id if actor else None,
                actor_tg_id=actor.telegram_user_id if actor else None,
            )
        )

    async def rotating_token(
        self, actor: Actor | None, event_id: int, *, at: datetime | None = None
    ) -> RotatingToken | None:
        """The QR payload and code to show now; None when the event is gone or over."""
        event = await self.repo.event(event_id)
        if event is None:
            return None
        self._reach(actor, Action.SHOW_CHECKIN_CODE, event)
        at = at or self.clock()
        if event.status is EventStatus.CANCELLED or at >= event.ends_at:
            return None
        return checkin_tokens.current_token(await self.token_secret(), event_id, at)

    async def counts(self, event_id: int, group_id: int | None = None) -> LiveCount:
        """已签到 N / 应到 M, for the event or for one of its groups."""
        checked_in, expected = await self.repo.counts(event_id, group_id)
        return LiveCount(checked_in=checked_in, expected=expected)

    # -- leave ----------------------------------------------------------------------------------
    async def _deciders(self, member: Member) -> tuple[Member, ...]:
        """Who decides the member's leave: the group's leaders, else the staff (bound ones)."""
        leaders: list[Member] = []
        if member.group_id is not None:
            leaders = await self.repo.leaders_of(member.group_id)
        for people in (leaders, await self.repo.staff()):
            found = tuple(
                p for p in people if p.id != member.id and p.telegram_user_id is not None
            )
            if found:
                return found
        return ()

    async def ask_leave(
        self, member: Member, event_id: int, reason: str, *, at: datetime | None = None
    ) -> LeaveResult:
        """Ask for leave before the event ends; asking again after a decline asks anew."""
        reason = reason.strip()
        if not reason:
            return LeaveResult(LeaveOutcome.NO_REASON)
        if len(reason) > MAX_REASON:
            return LeaveResult(LeaveOutcome.REASON_TOO_LONG)
        at = at or self.clock()
        async with self.db.transaction() as conn:
            event = (await AttendanceRepository.events_in(conn, [event_id])).get(event_id)
            if event is None:
                return LeaveResult(LeaveOutcome.NO_SUCH_EVENT)
            if event.status is EventStatus.CANCELLED:
                return LeaveResult(LeaveOutcome.CANCELLED, event)
            if member.group_id not in event.group_ids:
                return LeaveResult(LeaveOutcome.NOT_EXPECTED, event)
            if at >= event.ends_at:
                return LeaveResult(LeaveOutcome.EVENT_OVER, event)
            if await AttendanceRepository.checkin_of(conn, event_id, member.id) is not None:
                return LeaveResult(LeaveOutcome.CHECKED_IN, event)
            existing = await AttendanceRepository.leave_of(conn, event_id, member.id)
            if existing is not None and existing.status is LeaveStatus.PENDING:
                return LeaveResult(LeaveOutcome.ALREADY_PENDING, event, existing)
            if existing is not None and existing.status is LeaveStatus.APPROVED:
                return LeaveResult(LeaveOutcome.ALREADY_APPROVED, event, existing)
            request_id = await AttendanceRepository.save_leave_request(
                conn, event_id, member.id, reason, at
            )
            await record_audit(
                conn, "leave_request", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=f"event:{event_id}",
                detail={"request_id": request_id, "reason": reason},
            )
            request = await AttendanceRepository.leave_in(conn, request_id)
        return LeaveResult(LeaveOutcome.REQUESTED, event, request, await self._deciders(member))

    async def decide_leave(
        self, actor: Actor | None, request_id: int, approve: bool, *, at: datetime | None = None
    ) -> LeaveDecision:
        """Approve or decline a pending request (leaders: their group's members; nobody their
        own). Decisions stay possible after the event, so a late answer still counts."""
        request = await self.repo.leave_request(request_id)
        if request is None:
            return LeaveDecision(DecisionOutcome.NO_SUCH_REQUEST)
        member = await self.members.by_id(request.member_id)
        assert member is not None  # members are never deleted
        self._require(actor, Action.DECIDE_LEAVE, [member.group_id or 0])
        if (actor.member_id if actor else None) == member.id:
            raise NotAllowed
        at = at or self.clock()
        status = LeaveStatus.APPROVED if approve else LeaveStatus.DECLINED
        async with self.db.transaction() as conn:
            event = (await AttendanceRepository.events_in(conn, [request.event_id]))[
                request.event_id
            ]
            current = await AttendanceRepository.leave_in(conn, request_id)
            assert current is not None
            if event.status is EventStatus.CANCELLED:
                return LeaveDecision(DecisionOutcome.CANCELLED, current, event, member)
            if current.status is not LeaveStatus.PENDING:
                return LeaveDecision(DecisionOutcome.ALREADY_DECIDED, current, event, member)
            if await AttendanceRepository.checkin_of(conn, event.id, member.id) is not None:
                return LeaveDecision(DecisionOutcome.CHECKED_IN, current, event, member)
            await AttendanceRepository.decide_leave_request(
                conn, request_id, status, (actor.member_id if actor else None), at
            )
            await record_audit(
                conn, "leave_approve" if approve else "leave_decline",
                **audited_as(actor),
                subject=f"event:{event.id}",
                detail={"request_id": request_id, "member_id": member.id},
            )
            decided = await AttendanceRepository.leave_in(conn, request_id)
        outcome = DecisionOutcome.APPROVED if approve else DecisionOutcome.DECLINED
        return LeaveDecision(outcome, decided, event, member)

    # -- views ----------------------------------------------------------------------------------
    async def records(
        self,
        event: Event,
        *,
        group_ids: Collection[int] | None = None,
        at: datetime | None = None,
    ) -> list[AttendanceRecord]:
        """Every expected member of the event (optionally of some groups) with their status."""
        at = at or self.clock()
        members = await self.repo.expected_members(event.id, group_ids)
        checkins = await self.repo.checkins(event.id)
        leaves = await self.repo.leave_requests(event.id)
        records = []
        for member in members:
            checkin, leave = checkins.get(member.id), leaves.get(member.id)
            records.append(
                AttendanceRecord(
                    event=event,
                    member=member,
                    status=attendance_status(event, checkin, leave, at),
                    checkin=checkin,
                    leave=leave,
                )
            )
        return records

    async def attendance_view(
        self, actor: Actor | None, event_id: int, *, at: datetime | None = None
    ) -> AttendanceView | None:
        """Present, late, on leave, pending, missing (leaders see their own group's members)."""
        event = await self.repo.event(event_id)
        if event is None:
            return None
        groups = self._reach(actor, Action.VIEW_ATTENDANCE, event)
        at = at or self.clock()
        records = await self.records(event, group_ids=groups, at=at)
        return AttendanceView(event=event, at=at, records=tuple(records))

    # -- dates in the committee's zone ----------------------------------------------------------
    def day_range(self, first: date, last: date) -> tuple[datetime, datetime]:
        """UTC bounds [start of `first`, start of the day after `last`) in the committee zone."""
        start = datetime.combine(first, time_of_day(0), self.zone)
        end = datetime.combine(last + timedelta(days=1), time_of_day(0), self.zone)
        return start, end


