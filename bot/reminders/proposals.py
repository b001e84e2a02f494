"""Proposal windows (提案征集), Telegram-free: staff open a window, the bot announces it and
reminds at T-14, T-7, T-3, T-1 and on the morning of the deadline only the members who have
not filed; members say how many they filed, staff correct counts and see who has not filed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.core.auth import Action, Actor, NotAllowed, Refused, audited_as
from bot.reminders.calendar import WorkCalendar
from bot.reminders.timing import QuietHours, ahead_of, delay_past_quiet
from domain.models import Member
from domain.proposal_models import (
    FILERS,
    FilingSource,
    ProposalFiling,
    ProposalWindow,
    WindowStatus,
)
from domain.reminder_models import ReminderOccurrence
from storage.audit import record_audit
from storage.db import Database
from storage.proposals import ProposalRepository
from storage.reminders import ReminderRepository

MAX_TITLE = 60
MAX_REPORTED = 20  # what a member may say they filed at once; the office may record more
MAX_COUNT = 99
# How far ahead occurrences are written (as far as schedules are planned).
_AHEAD = timedelta(days=8)
KEY_PREFIX = "proposal:"


class ProposalReminder(StrEnum):
    """The occurrences of a window: its announcement and the countdown to its deadline."""

    OPEN = "open"
    T14 = "T-14"
    T7 = "T-7"
    T3 = "T-3"
    T1 = "T-1"
    T0 = "T-0"  # the morning of the deadline

    @property
    def days_before(self) -> int:
        return int(self.value[2:]) if self is not ProposalReminder.OPEN else 0


class ProposalProblem(StrEnum):
    """Why a window cannot be opened or a count cannot be recorded."""

    EMPTY_TITLE = "empty_title"
    TITLE_TOO_LONG = "title_too_long"
    DEADLINE_PAST = "deadline_past"
    DEADLINE_BEFORE_OPENING = "deadline_before_opening"
    NO_SUCH_WINDOW = "no_such_window"
    CLOSED = "closed"  # the deadline has passed
    NOT_OPEN_YET = "not_open_yet"
    BAD_COUNT = "bad_count"
    CONFIRMED = "confirmed"  # the office has confirmed the member's count
    NOT_A_FILER = "not_a_filer"  # staff do not file proposals


class FilingOutcome(StrEnum):
    RECORDED = "recorded"
    UNCHANGED = "unchanged"


def proposal_key(window_id: int, which: ProposalReminder) -> str:
    return f"{KEY_PREFIX}{window_id}:{which.value}"


def parse_proposal_key(occurrence: ReminderOccurrence) -> tuple[int, ProposalReminder]:
    """The window and which of its occurrences `occurrence` is ("proposal:<window>:<which>")."""
    _, window, which = occurrence.key.split(":", 2)
    return int(window), ProposalReminder(which)


@dataclass(frozen=True)
class WindowView:
    """A window as a member sees it: the window and their filing (None: not reported)."""

    window: ProposalWindow
    filing: ProposalFiling | None


class ProposalService:
    """Windows, their reminders' times and audiences, and the counts of filed proposals."""

    def __init__(
        self, db: Database, zone: tzinfo, quiet: QuietHours, at: time,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.zone = zone
        self.quiet = quiet
        self.at = at  # the time of day of the announcement and the countdown
        self.clock = clock
        self.repo = ProposalRepository(db)
        self.reminders = ReminderRepository(db)

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    # -- windows ---------------------------------------------------------------------------------
    async def open_window(
        self, actor: Actor | None, title: str, opens_on: date, deadline: date
    ) -> ProposalWindow:
        """A new window (staff; `actor` None is the operator's CLI); audited. Its announcement
        and countdown are planned by the reminders loop."""
        if actor is not None and not actor.can(Action.MANAGE_REMINDERS):
            raise NotAllowed
        title = " ".join(title.split())
        for problem, failed in (
            (ProposalProblem.EMPTY_TITLE, not title),
            (ProposalProblem.TITLE_TOO_LONG, len(title) > MAX_TITLE),
            (ProposalProblem.DEADLINE_PAST, deadline < self.today()),
            (ProposalProblem.DEADLINE_BEFORE_OPENING, deadline < opens_on),
        ):
            if failed:
                raise Refused(problem)
        now = self.clock()
        async with self.db.transaction() as conn:
            window_id = await ProposalRepository.insert_window(
                conn, title=title, opens_on=opens_on, deadline=deadline,
                created_by=actor.member_id if actor else None, at=now,
            )
            await record_audit(
                conn, "proposal_window_open", **audited_as(actor), subject=f"proposal:{window_id}",
                detail={"title": title, "opens_on": opens_on.isoformat(),
                        "deadline": deadline.isoformat()}, at=now,
            )
        window = await self.repo.window(window_id)
        assert window is not None
        return window

    async def open_windows(self) -> list[ProposalWindow]:
        return await self.repo.windows(WindowStatus.OPEN)

    async def window(self, window_id: int) -> ProposalWindow:
        window = await self.repo.window(window_id)
        if window is None:
            raise Refused(ProposalProblem.NO_SUCH_WINDOW)
        return window

    async def views_for(self, member: Member) -> list[WindowView]:
        """The open windows with this member's filing in each."""
        return [WindowView(w, await self.repo.filing(w.id, member.id))
                for w in await self.open_windows()]

    # -- when the reminders go out ---------------------------------------------------------------
    def wanted(
        self, window: ProposalWindow, calendar: WorkCalendar
    ) -> dict[ProposalReminder, datetime | None]:
        """When each occurrence of `window` goes out (None: not at all). The announcement on
        the opening day (at once when the window is opened later than that); each countdown
        reminder moved earlier off holidays and out of quiet hours, never past the deadline,
        and left out when it would come on or before the opening day or as early as the one
        before it."""
        opening = datetime.combine(window.opens_on, self.at, tzinfo=self.zone)
        announce = delay_past_quiet(
            max(opening, window.created_at.astimezone(self.zone)), self.quiet
        )
        times: dict[ProposalReminder, datetime | None] = {ProposalReminder.OPEN: announce}
        end = datetime.combine(window.deadline + timedelta(days=1), time(0), tzinfo=self.zone)
        previous = announce
        for which in list(ProposalReminder)[1:]:
            wanted = datetime.combine(
                window.deadline - timedelta(days=which.days_before), self.at, tzinfo=self.zone
            )
            due = ahead_of(end, wanted, calendar, self.quiet)
            if due is None or due.date() <= window.opens_on or due <= previous:
                times[which] = None
                continue
            times[which] = previous = due
        return times

    async def plan(self, now: datetime, calendar: WorkCalendar) -> int:
        """Write the occurrences of open windows due within the planning horizon (each once);
        close the windows whose deadline has passed, withdrawing what they had pending.
        Returns how many occurrences are new."""
        today = now.astimezone(self.zone).date()
        new = 0
        for window in await self.open_windows():
            pending = await self.reminders.pending_keys(f"{KEY_PREFIX}{window.id}:")
            async with self.db.transaction() as conn:
                if window.deadline < today:
                    await ProposalRepository.close_window(conn, window.id, now)
                    await ReminderRepository.withdraw(conn, list(pending))
                    continue
                for which, due in self.wanted(window, calendar).items():
                    key = proposal_key(window.id, which)
                    if due is not None and key not in pending and due <= now + _AHEAD:
                        kind = "proposal_open" if which is ProposalReminder.OPEN \
                            else "proposal_reminder"
                        new += await ReminderRepository.plan(conn, key, kind, due, now)
        return new

    async def audience(self, occurrence: ReminderOccurrence) -> list[int]:
        """Who an occurrence goes to, as of now: the announcement to every member, the
        reminders to the members who have not filed; nobody once the window is closed."""
        window_id, which = parse_proposal_key(occurrence)
        window = await self.repo.window(window_id)
        if window is None or window.status is not WindowStatus.OPEN:
            return []
        if which is ProposalReminder.OPEN:
            return [m.id for m in await self.repo.filers()]
        return [m.id for m in await self.repo.not_filed(window_id)]

    # -- counts ----------------------------------------------------------------------------------
    async def check_may_report(self, member: Member, window_id: int) -> ProposalWindow:
        """The window, when `member` may report a count in it now; else Refused."""
        window = await self.window(window_id)
        if member.role not in FILERS:
            raise Refused(ProposalProblem.NOT_A_FILER)
        if window.status is WindowStatus.CLOSED or window.deadline < self.today():
            raise Refused(ProposalProblem.CLOSED)
        if window.opens_on > self.today():
            raise Refused(ProposalProblem.NOT_OPEN_YET)
        return window

    async def report_filed(self, member: Member, window_id: int, count: int) -> FilingOutcome:
        """A member says they filed `count` proposals (1–20) in the window."""
        await self.check_may_report(member, window_id)
        if not 1 <= count <= MAX_REPORTED:
            raise Refused(ProposalProblem.BAD_COUNT, limit=MAX_REPORTED)
        existing = await self.repo.filing(window_id, member.id)
        if existing is not None and existing.count == count:
            return FilingOutcome.UNCHANGED
        if existing is not None and existing.audited:
            raise Refused(ProposalProblem.CONFIRMED, length=existing.count)
        async with self.db.transaction() as conn:
            await ProposalRepository.set_filing(
                conn, window_id, member.id, count, FilingSource.CHAT,
                by=member.telegram_user_id, at=self.clock(),
            )
            await record_audit(
                conn, "proposal_filed", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=f"proposal:{window_id}",
                detail={"count": count}, at=self.clock(),
            )
        return FilingOutcome.RECORDED

    async def correct_count(
        self, actor: Actor | None, window_id: int, member: Member, count: int
    ) -> FilingOutcome:
        """Staff set a member's count (0–99), confirmed by the office; audited."""
        if actor is not None and not actor.can(Action.MANAGE_REMINDERS):
            raise NotAllowed
        await self.window(window_id)
        if member.role not in FILERS:
            raise Refused(ProposalProblem.NOT_A_FILER)
        if not 0 <= count <= MAX_COUNT:
            raise Refused(ProposalProblem.BAD_COUNT, limit=MAX_COUNT)
        existing = await self.repo.filing(window_id, member.id)
        if existing is not None and existing.count == count and existing.audited:
            return FilingOutcome.UNCHANGED
        async with self.db.transaction() as conn:
            await ProposalRepository.set_filing(
                conn, window_id, member.id, count, FilingSource.STAFF,
                by=actor.telegram_user_id if actor else None, at=self.clock(),
            )
            await record_audit(
                conn, "proposal_count_set", **audited_as(actor),
                subject=f"proposal:{window_id}",
                detail={"member_id": member.id, "count": count,
                        "was": existing.count if existing else None}, at=self.clock(),
            )
        return FilingOutcome.RECORDED

    async def not_filed_by_group(
        self, actor: Actor | None, window_id: int
    ) -> dict[str, list[Member]]:
        """Staff: the members who have not filed, by group (no group: key "")."""
        if actor is not None and not actor.can(Action.MANAGE_REMINDERS):
            raise NotAllowed
        await self.window(window_id)
        groups: dict[str, list[Member]] = {}
        for member in await self.repo.not_filed(window_id):
            groups.setdefault(member.group_name or "", []).append(member)
        return groups

    async def tally(self, window_id: int) -> tuple[int, int, int]:
        """(members who filed, proposals filed, members in all)."""
        filings = await self.repo.filings(window_id)
        filers = {m.id for m in await self.repo.filers()}
        counted = [f.count for m, f in filings.items() if m in filers and f.count > 0]
        return len(counted), sum(counted), len(filers)
