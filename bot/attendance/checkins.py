"""The check-in part of AttendanceService: every path of checking in, and the code to show.

Paths: the group button, a scanned QR link, a typed code (throttled after wrong ones), a live
location, and staff marking someone present; the rotating code is shown at the venue.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from bot.attendance import tokens as checkin_tokens
from bot.attendance.base import AttendanceBase
from bot.attendance.outcomes import CheckInOutcome, CheckInResult, LiveCount
from bot.attendance.permissions import require_groups, require_reach
from bot.attendance.rules import (
    CODE_LOOKAHEAD,
    MAX_WRONG_CODES,
    WRONG_CODE_WINDOW,
    CheckInRequest,
    GeoPoint,
)
from bot.attendance.tokens import RotatingToken, TokenVerdict
from bot.core.auth import Action, Actor, NotAllowed
from domain.models import CheckInMethod, EventStatus, Member


class CheckIns(AttendanceBase):
    """Recording check-ins; each call returns once its check-in is committed (or refused)."""

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
            CheckInRequest(
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
            raise NotAllowed  # before saying whether such a member exists
        member = await self.members.by_id(member_id)
        if member is None:  # a stale or forged choice: nobody by that id is expected
            return CheckInResult(CheckInOutcome.NOT_EXPECTED, await self.repo.event(event_id))
        require_groups(actor, Action.MARK_PRESENT, [member.group_id or 0])
        return await self.writer.submit(
            CheckInRequest(
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
        require_reach(actor, Action.SHOW_CHECKIN_CODE, event)
        at = at or self.clock()
        if event.status is EventStatus.CANCELLED or at >= event.ends_at:
            return None
        return checkin_tokens.current_token(await self.token_secret(), event_id, at)

    async def counts(self, event_id: int, group_id: int | None = None) -> LiveCount:
        """已签到 N / 应到 M, for the event or for one of its groups."""
        checked_in, expected = await self.repo.counts(event_id, group_id)
        return LiveCount(checked_in=checked_in, expected=expected)
