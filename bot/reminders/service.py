"""Reminders, Telegram-free: schedules as data, every occurrence written to the database
before it is sent (planned ahead from the schedules and the events), what is due now, what
was missed while the bot was down, and who each occurrence goes to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Annotated

from pydantic import Field, TypeAdapter

from bot.core.auth import Action, Actor, NotAllowed, Refused, audited_as
from bot.core.config import RemindersConfig
from bot.reminders.audience import Audience
from bot.reminders.calendar import DayKind, WorkCalendar
from bot.reminders.events import EventReminderPlanner
from bot.reminders.proposals import KEY_PREFIX as PROPOSAL_PREFIX
from bot.reminders.proposals import ProposalService, parse_proposal_key
from bot.reminders.timing import (
    HolidayPolicy,
    NextSend,
    OneOff,
    QuietHours,
    Recurring,
    Rule,
    held_by_quiet,
    occurrences,
    parse_clock,
)
from domain.clock import Now
from domain.models import Event, Member, Role
from domain.proposal_models import ProposalWindow
from domain.reminder_models import (
    OccurrenceStatus,
    ReminderKind,
    ReminderOccurrence,
    ReminderSchedule,
    ScheduleStatus,
)
from storage.audit import record_audit
from storage.db import Database
from storage.reminders import ReminderRepository

# How far ahead occurrences are written, and how far back a new schedule looks.
PLAN_AHEAD = timedelta(days=8)
MAX_TITLE = 60
MAX_BODY = 1000
MAX_BOOK = 60  # a book's title
MAX_NOTE = 1000  # a reading note: "a few lines"


class ReminderProblem(StrEnum):
    """Why a schedule cannot be saved or changed."""

    EMPTY_TITLE = "empty_title"
    TITLE_TOO_LONG = "title_too_long"
    EMPTY_BODY = "empty_body"
    BODY_TOO_LONG = "body_too_long"
    BAD_RULE = "bad_rule"
    IN_THE_PAST = "in_the_past"
    NO_AUDIENCE = "no_audience"
    NO_SUCH_SCHEDULE = "no_such_schedule"
    UNCHANGED = "unchanged"
    BAD_BOOK = "bad_book"  # a reading note's book title: empty or too long
    BAD_NOTE = "bad_note"  # a reading note's text: empty or too long


class AckOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_YOURS = "not_yours"  # not sent to this member: a forged or passed-on button


@dataclass(frozen=True)
class Recipient:
    member: Member
    language: str | None  # chosen with /lang; None: the account's own


@dataclass(frozen=True)
class DueOccurrence:
    """An occurrence with what it is about, all that rendering it needs: its schedule (a
    notice, a themed day), its event (an event's reminder) or its proposal window."""

    occurrence: ReminderOccurrence
    schedule: ReminderSchedule | None = None
    event: Event | None = None
    window: ProposalWindow | None = None


@dataclass(frozen=True)
class DueWork:
    """What a tick has to do: occurrences to send (new or interrupted) and ones just missed."""

    send: list[DueOccurrence]
    missed: list[DueOccurrence]


_RULE: TypeAdapter[Rule] = TypeAdapter(Annotated[Rule, Field(discriminator="kind")])


def rule_of(schedule: ReminderSchedule) -> Rule:
    """The schedule's stored rule (its `kind` says which)."""
    return _RULE.validate_json(schedule.rule)


def audience_of(schedule: ReminderSchedule) -> Audience:
    return Audience.model_validate_json(schedule.audience)


class ReminderService:
    """Plans and hands out occurrences; sending is the handlers' (through the one sender)."""

    def __init__(
        self,
        db: Database,
        zone: tzinfo,
        config: RemindersConfig | None = None,
        *,
        clock: Now | None = None,
    ) -> None:
        self.db = db
        self.zone = zone
        self.config = config or RemindersConfig()
        self.clock = clock or db.clock
        self.repo = ReminderRepository(db)
        self.quiet = QuietHours(parse_clock(self.config.quiet_start),
                                parse_clock(self.config.quiet_end))
        self.grace = timedelta(hours=self.config.grace_hours)
        self.events = EventReminderPlanner(db, zone, self.config.events, self.quiet)
        self.proposals = ProposalService(
            db, zone, self.quiet, parse_clock(self.config.proposals_at), self.clock
        )

    async def calendar(self) -> WorkCalendar:
        days = await self.repo.calendar_days()
        return WorkCalendar({day: DayKind(kind) for day, kind in days.items()})

    async def unknown_swaps_ahead(self, now: datetime | None = None) -> int | None:
        """In December: next year, when its 调休 is not known yet (staff are to enter it)."""
        local = (now or self.clock()).astimezone(self.zone)
        if local.month != 12:
            return None
        calendar = await self.calendar()
        return None if calendar.swaps_known(local.year + 1) else local.year + 1

    # -- schedules -----------------------------------------------------------------------------
    async def seed(self) -> None:
        """The themed days of the config, once (staff change them afterwards)."""
        now = self.clock()
        for kind, day in ((ReminderKind.READING_DAY, self.config.reading_day),
                          (ReminderKind.ADVICE_DAY, self.config.advice_day)):
            if not day.enabled:
                continue
            rule = Recurring(day=day.day, at=day.at)
            async with self.db.transaction() as conn:
                await ReminderRepository.insert_schedule(
                    conn, kind=kind, title="", body="", rule=rule.model_dump_json(),
                    holiday_policy=day.holiday_policy,
                    audience=Audience.all_members().model_dump_json(), ack=False, at=now,
                    seed=kind.value,
                )

    async def create(
        self,
        actor: Actor | None,
        *,
        title: str,
        body: str,
        rule: Rule,
        audience: Audience,
        kind: ReminderKind = ReminderKind.NOTICE,
        policy: HolidayPolicy = HolidayPolicy.NEXT,
        ack: bool = False,
    ) -> ReminderSchedule:
        """A new schedule (staff; `actor` None is the operator's CLI); audited."""
        if actor is not None and not actor.can(Action.MANAGE_REMINDERS):
            raise NotAllowed
        title, body = " ".join(title.split()), body.strip()
        now = self.clock()
        for problem, failed in (
            (ReminderProblem.EMPTY_TITLE, not title),
            (ReminderProblem.TITLE_TOO_LONG, len(title) > MAX_TITLE),
            (ReminderProblem.EMPTY_BODY, not body and kind is ReminderKind.NOTICE),
            (ReminderProblem.BODY_TOO_LONG, len(body) > MAX_BODY),
            (ReminderProblem.NO_AUDIENCE, audience.is_empty()),
            (ReminderProblem.IN_THE_PAST, isinstance(rule, OneOff) and rule.at_utc <= now),
        ):
            if failed:
                raise Refused(problem)
        if isinstance(rule, Recurring):
            try:
                rule.trigger(self.zone)
            except ValueError:
                raise Refused(ReminderProblem.BAD_RULE) from None
        async with self.db.transaction() as conn:
            schedule_id = await ReminderRepository.insert_schedule(
                conn, kind=kind, title=title, body=body, rule=rule.model_dump_json(),
                holiday_policy=policy.value, audience=audience.model_dump_json(), ack=ack,
                at=now, created_by=actor.member_id if actor else None,
            )
            assert schedule_id is not None
            await record_audit(
                conn, "reminder_create", **audited_as(actor), subject=str(schedule_id),
                detail={"title": title, "rule": rule.model_dump(mode="json")}, at=now,
            )
        await self.plan(now)
        schedule = await self.repo.schedule(schedule_id)
        assert schedule is not None
        return schedule

    async def set_status(
        self, actor: Actor | None, schedule_id: int, status: ScheduleStatus
    ) -> ReminderSchedule:
        """Pause, resume or remove a schedule; its occurrences not yet started follow."""
        if actor is not None and not actor.can(Action.MANAGE_REMINDERS):
            raise NotAllowed
        schedule = await self.repo.schedule(schedule_id)
        if schedule is None or schedule.status is ScheduleStatus.REMOVED:
            raise Refused(ReminderProblem.NO_SUCH_SCHEDULE)
        now = self.clock()
        async with self.db.transaction() as conn:
            if not await ReminderRepository.set_schedule_status(conn, schedule_id, status, now):
                raise Refused(ReminderProblem.UNCHANGED)
            planned = await self.repo.pending_keys(f"schedule:{schedule_id}:", conn=conn)
            if status is ScheduleStatus.ACTIVE:  # what a pause withdrew and is still ahead
                await ReminderRepository.restore(
                    conn, [k for k, o in planned.items()
                           if o.status is OccurrenceStatus.WITHDRAWN and o.due_at > now]
                )
            else:
                await ReminderRepository.withdraw(conn, list(planned))
            await record_audit(
                conn, f"reminder_{status.value}", **audited_as(actor), subject=str(schedule_id),
                at=now,
            )
        if status is ScheduleStatus.ACTIVE:
            await self.plan(now)
        updated = await self.repo.schedule(schedule_id)
        assert updated is not None
        return updated

    async def next_times(self) -> dict[int, NextSend]:
        """When each active schedule next goes out: its occurrence planned and not started
        yet (what the loop will send), else what its rule gives (looking a year ahead)."""
        planned = await self.repo.planned_of_schedules()
        found: dict[int, NextSend] = {}
        for schedule in await self.repo.schedules():
            if schedule.status is not ScheduleStatus.ACTIVE:
                continue
            rule = rule_of(schedule)
            occurrence = planned.get(schedule.id)
            if occurrence is not None:
                found[schedule.id] = NextSend(
                    occurrence.due_at, held_by_quiet(rule, self.zone, self.quiet)
                )
                continue
            following = await self.next_time(rule, HolidayPolicy(schedule.holiday_policy))
            if following is not None:
                found[schedule.id] = following
        return found

    async def next_time(self, rule: Rule, policy: HolidayPolicy) -> NextSend | None:
        """When a rule next goes out, holidays and quiet hours applied (a year ahead at most):
        what a schedule being made will do."""
        now = self.clock()
        for occurrence in occurrences(
            rule, self.zone, await self.calendar(), self.quiet, after=now,
            until=now + timedelta(days=400), policy=policy,
        ):
            return NextSend(occurrence.due, held_by_quiet(rule, self.zone, self.quiet))
        return None

    # -- planning -------------------------------------------------------------------------------
    async def plan(self, now: datetime | None = None) -> int:
        """Write the occurrences of active schedules due up to PLAN_AHEAD from now (each once);
        returns how many are new. One planned before and not yet started moves to the time the
        rule gives now (a day entered with `calendar set` since). A schedule looks back no
        further than its creation or its last resumption, and no further than the grace
        period."""
        now = now or self.clock()
        calendar = await self.calendar()
        new = 0
        for schedule in await self.repo.schedules():
            if schedule.status is not ScheduleStatus.ACTIVE:
                continue
            after = max(schedule.updated_at, now - self.grace - timedelta(days=1))
            found = occurrences(
                rule_of(schedule), self.zone, calendar, self.quiet,
                after=after, until=now + PLAN_AHEAD,
                policy=HolidayPolicy(schedule.holiday_policy),
            )
            async with self.db.transaction() as conn:
                for occurrence in found:
                    key = f"schedule:{schedule.id}:{occurrence.nominal.isoformat()}"
                    if await ReminderRepository.plan(
                        conn, key, schedule.kind.value, occurrence.due, now,
                        schedule_id=schedule.id,
                    ):
                        new += 1
                    else:  # planned before: re-timed if the calendar changed since (调休)
                        await ReminderRepository.move(conn, key, occurrence.due)
        new += await self.events.plan(now, calendar)
        new += await self.proposals.plan(now, calendar)
        return new

    async def due(self, now: datetime | None = None) -> DueWork:
        """Occurrences to send now; those past the grace period are recorded as missed."""
        now = now or self.clock()
        send: list[DueOccurrence] = []
        missed: list[DueOccurrence] = []
        for occurrence in await self.repo.due(now):
            late = now - occurrence.due_at
            if occurrence.status is OccurrenceStatus.DUE and late > self.grace:
                async with self.db.transaction() as conn:
                    await ReminderRepository.set_status(
                        conn, occurrence.id, OccurrenceStatus.MISSED, now
                    )
                missed.append(await self.describe(occurrence))
            else:
                send.append(await self.describe(occurrence))
        return DueWork(send, missed)

    async def describe(self, occurrence: ReminderOccurrence) -> DueOccurrence:
        """`occurrence` with its schedule, event or proposal window (as they are now)."""
        schedule = event = window = None
        if occurrence.schedule_id is not None:
            schedule = await self.repo.schedule(occurrence.schedule_id)
        if occurrence.event_id is not None:
            event = await self.events.attendance.event(occurrence.event_id)
        if occurrence.key.startswith(PROPOSAL_PREFIX):
            window_id, _ = parse_proposal_key(occurrence)
            window = await self.proposals.repo.window(window_id)
        return DueOccurrence(occurrence, schedule, event, window)

    async def start(self, occurrence: ReminderOccurrence, recipients: int) -> None:
        async with self.db.transaction() as conn:
            await ReminderRepository.set_status(
                conn, occurrence.id, OccurrenceStatus.SENDING, self.clock(), recipients=recipients
            )

    async def finish(self, occurrence: ReminderOccurrence) -> None:
        async with self.db.transaction() as conn:
            await ReminderRepository.set_status(
                conn, occurrence.id, OccurrenceStatus.SENT, self.clock()
            )

    async def claim_staff_notice(self, occurrence: ReminderOccurrence) -> bool:
        """True once per occurrence: whoever gets True tells staff it was missed."""
        async with self.db.transaction() as conn:
            return await ReminderRepository.mark_staff_told(conn, occurrence.id)

    # -- audiences ------------------------------------------------------------------------------
    async def recipients(self, occurrence: ReminderOccurrence) -> list[Recipient]:
        """Who this occurrence goes to, as of now (the roster may have changed)."""
        if occurrence.schedule_id is not None:
            schedule = await self.repo.schedule(occurrence.schedule_id)
            if schedule is None:
                return []
            audience = audience_of(schedule)
            found = await self.repo.reachable_members(
                group_ids=None if audience.everyone or not audience.group_ids
                else audience.group_ids,
                roles=None if audience.everyone or not audience.roles else audience.roles,
            )
            return [Recipient(m, lang) for m, lang in found]
        if occurrence.key.startswith(PROPOSAL_PREFIX):
            member_ids = await self.proposals.audience(occurrence)
        else:
            member_ids = await self.events.audience(occurrence)
        found = await self.repo.reachable_members(member_ids=member_ids)
        return [Recipient(m, lang) for m, lang in found]

    async def acknowledge(self, member: Member, occurrence_id: int) -> AckOutcome:
        """收到 on a notice: recorded once, and only from someone it was sent to."""
        occurrence = await self.repo.occurrence(occurrence_id)
        if (
            occurrence is None
            or member.telegram_user_id is None
            or not await self.repo.was_sent(occurrence.delivery_key, member.telegram_user_id)
        ):
            return AckOutcome.NOT_YOURS
        async with self.db.transaction() as conn:
            new = await ReminderRepository.acknowledge(
                conn, occurrence_id, member.id, self.clock()
            )
        return AckOutcome.RECORDED if new else AckOutcome.ALREADY

    async def unreachable_of(self, occurrence: ReminderOccurrence) -> list[Member]:
        """The members this occurrence could not reach: they blocked the bot."""
        return await self.repo.blocked_recipients(occurrence.delivery_key)

    async def share_reading_note(self, member: Member, book: str, note: str) -> int:
        """A 读书心得 from the reading day's button: stored and audited; its id."""
        book, note = " ".join(book.split()), note.strip()
        if not book or len(book) > MAX_BOOK:
            raise Refused(ReminderProblem.BAD_BOOK)
        if not note or len(note) > MAX_NOTE:
            raise Refused(ReminderProblem.BAD_NOTE)
        async with self.db.transaction() as conn:
            note_id = await ReminderRepository.add_reading_note(
                conn, member.id, book, note, self.clock()
            )
            await record_audit(
                conn, "reading_note", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=str(note_id), detail={"book": book},
                at=self.clock(),
            )
        return note_id

    async def staff(self) -> list[Recipient]:
        found = await self.repo.reachable_members(roles=[Role.STAFF, Role.ADMIN])
        return [Recipient(m, lang) for m, lang in found]

