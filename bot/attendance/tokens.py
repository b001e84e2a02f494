"""Rotating check-in tokens: deep-link payloads and 6-digit codes derived from a server secret.

Time is cut into steps of STEP_SECONDS. For each event and step the server derives, with an
HMAC over (purpose, event, step), a deep-link payload `ci_<event>_<step>_<mac>` for the QR code
and a 6-digit code for `/checkin 123456`. Nothing is stored: a token is checked by deriving it
again. A token stays valid for GRACE_STEPS steps after the one it was made for, so a photo of the
projector sent to someone at home stops working about a minute after the screen moved on.

Everything here is a pure function of the secret, the event id and the time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

STEP_SECONDS = 30
# Steps after its own that a token is still accepted: 2 × 30 s = valid 60 s after replacement.
GRACE_STEPS = 2
# Tokens from one step ahead are accepted too, for a small clock difference between the process
# that drew the QR code (the CLI) and the bot.
SKEW_STEPS = 1
# A code that matched an event within this many steps before the grace is reported as expired
# (a stale photo), not as wrong.
CODE_EXPIRED_LOOKBACK_STEPS = 20
CODE_DIGITS = 6
LINK_PREFIX = "ci_"
_MAC_BYTES = 12  # 16 characters of base64url
_LINK = re.compile(r"ci_([1-9][0-9]{0,11})_([1-9][0-9]{0,11})_([A-Za-z0-9_-]{16})")
_CODE = re.compile(r"[0-9]{6}")
# A Chinese keyboard types full-width digits (１２３４５６): the same code.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class TokenVerdict(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"  # authentic, but its time has passed
    FORGED = "forged"  # malformed, not made with our secret, or no event has this code
    OTHER_EVENT = "other_event"  # authentic, but for an event other than the one asked about


@dataclass(frozen=True)
class TokenCheck:
    verdict: TokenVerdict
    event_id: int | None = None  # the event the token was made for, when authentic
    step: int | None = None

    @property
    def valid(self) -> bool:
        return self.verdict is TokenVerdict.VALID


def step_at(moment: datetime) -> int:
    """The time step containing `moment` (aware)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return int(moment.timestamp()) // STEP_SECONDS


def step_start(step: int) -> datetime:
    return datetime.fromtimestamp(step * STEP_SECONDS, UTC)


def valid_until(step: int) -> datetime:
    """The moment a token of `step` stops being accepted."""
    return step_start(step + GRACE_STEPS + 1)


def _digest(secret: bytes, purpose: str, event_id: int, step: int) -> bytes:
    message = f"{purpose}|{event_id}|{step}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def _link_mac(secret: bytes, event_id: int, step: int) -> str:
    raw = _digest(secret, "link", event_id, step)[:_MAC_BYTES]
    return base64.urlsafe_b64encode(raw).decode("ascii")


def link_payload(secret: bytes, event_id: int, step: int) -> str:
    """The deep-link payload for `event_id` during `step` (≤ 64 chars of [A-Za-z0-9_-])."""
    if event_id <= 0 or step <= 0:
        raise ValueError("event id and step must be positive")
    return f"{LINK_PREFIX}{event_id}_{step}_{_link_mac(secret, event_id, step)}"


def code_for(secret: bytes, event_id: int, step: int) -> str:
    """The 6-digit code for `event_id` during `step`."""
    number = int.from_bytes(_digest(secret, "code", event_id, step)[:8], "big")
    return f"{number % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def is_checkin_payload(payload: str) -> bool:
    """Whether a /start payload is meant as a check-in (valid or not)."""
    return payload.startswith(LINK_PREFIX)


def _age(step: int, now_step: int) -> str:
    """'current' when accepted now, 'expired' when too old, 'future' when too far ahead."""
    if step > now_step + SKEW_STEPS:
        return "future"
    if step < now_step - GRACE_STEPS:
        return "expired"
    return "current"


def verify_link(
    secret: bytes, payload: str, now: datetime, *, event_id: int | None = None
) -> TokenCheck:
    """Check a deep-link payload; with `event_id`, a token of another event is OTHER_EVENT."""
    match = _LINK.fullmatch(payload)
    if match is None:
        return TokenCheck(TokenVerdict.FORGED)
    token_event, step = int(match[1]), int(match[2])
    if not hmac.compare_digest(match[3], _link_mac(secret, token_event, step)):
        return TokenCheck(TokenVerdict.FORGED)
    age = _age(step, step_at(now))
    if age == "future":  # authentic tokens are never made this far ahead
        return TokenCheck(TokenVerdict.FORGED)
    if event_id is not None and token_event != event_id:
        return TokenCheck(TokenVerdict.OTHER_EVENT, token_event, step)
    if age == "expired":
        return TokenCheck(TokenVerdict.EXPIRED, token_event, step)
    return TokenCheck(TokenVerdict.VALID, token_event, step)


def _code_matches(secret: bytes, code: str, event_id: int, steps: range) -> int | None:
    for step in steps:
        if hmac.compare_digest(code, code_for(secret, event_id, step)):
            return step
    return None


def verify_code(
    secret: bytes,
    code: str,
    now: datetime,
    *,
    event_ids: Iterable[int],
    other_event_ids: Iterable[int] = (),
) -> TokenCheck:
    """Find the event a typed code belongs to.

    `event_ids` are the events the member may check in to (tried in order; the first match
    wins), `other_event_ids` the other events a code could currently be shown for: a current
    code of one of those is OTHER_EVENT. A code of any of them from shortly before the grace
    is EXPIRED; anything else is FORGED (a wrong code). Full-width digits are digits.
    """
    code = code.strip().translate(_FULL_WIDTH_DIGITS)
    if _CODE.fullmatch(code) is None:
        return TokenCheck(TokenVerdict.FORGED)
    now_step = step_at(now)
    current = range(now_step + SKEW_STEPS, now_step - GRACE_STEPS - 1, -1)
    older = range(
        now_step - GRACE_STEPS - 1, now_step - GRACE_STEPS - 1 - CODE_EXPIRED_LOOKBACK_STEPS, -1
    )
    mine = list(dict.fromkeys(event_ids))
    others = [e for e in dict.fromkeys(other_event_ids) if e not in mine]
    for verdict, candidates, steps in (
        (TokenVerdict.VALID, mine, current),
        (TokenVerdict.OTHER_EVENT, others, current),
        (TokenVerdict.EXPIRED, mine + others, older),
    ):
        for event_id in candidates:
            step = _code_matches(secret, code, event_id, steps)
            if step is not None:
                return TokenCheck(verdict, event_id, step)
    return TokenCheck(TokenVerdict.FORGED)


@dataclass(frozen=True)
class RotatingToken:
    """What a screen shows for one step: the link payload, the code and how long they last."""

    event_id: int
    step: int
    payload: str
    code: str

    @property
    def shown_until(self) -> datetime:
        """When the next token replaces this one on screen."""
        return step_start(self.step + 1)

    @property
    def valid_until(self) -> datetime:
        return valid_until(self.step)


def current_token(secret: bytes, event_id: int, now: datetime) -> RotatingToken:
    step = step_at(now)
    return RotatingToken(
        event_id=event_id,
        step=step,
        payload=link_payload(secret, event_id, step),
        code=code_for(secret, event_id, step),
    )


def delay_until_rotation(now: datetime) -> timedelta:
    """Time left until the next step begins (for refreshing a screen)."""
    return step_start(step_at(now) + 1) - now
