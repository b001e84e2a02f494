"""Telegram's limits (sizes and flood control), configurable for tests.

Flood control follows Telegram's published guidance: about 30 messages per second per
bot overall, at most 20 messages per minute into one group, about one message per second
into one private chat (short bursts tolerated).  Exceeding a limit answers
``429 Too Many Requests: retry after N`` with ``parameters.retry_after = N``.
Only calls that send or edit messages are counted (``send*`` except ``sendChatAction``,
``edit*``, ``copyMessage(s)``, ``forwardMessage(s)``); rejected calls are not counted.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace


@dataclass
class Limits:
    """All limits of the test server.  ``Limits.off()`` disables flood control only."""

    flood_control: bool = True
    global_per_second: float = 30.0
    group_per_minute: int = 20
    private_per_second: float = 1.0
    private_burst: int = 3
    max_text: int = 4096
    max_caption: int = 1024
    max_callback_data: int = 64
    max_callback_answer: int = 200
    max_deep_link_payload: int = 64
    max_upload_bytes: int = 50 * 1024 * 1024
    max_download_bytes: int = 20 * 1024 * 1024
    max_buttons: int = 100
    max_commands: int = 100
    callback_answer_timeout: float = 15.0
    max_long_poll_timeout: int = 50

    @classmethod
    def off(cls, **overrides: object) -> Limits:
        """Limits with flood control disabled (size limits still apply)."""
        return replace(cls(flood_control=False), **overrides)  # type: ignore[arg-type]


def is_counted_method(method: str) -> bool:
    """Whether a call counts against flood control."""
    name = method.lower()
    if name == "sendchataction":
        return False
    return name.startswith(("send", "edit", "copymessage", "forwardmessage"))


@dataclass
class _Window:
    """Sliding-window counter: at most ``limit`` events in any ``period`` seconds."""

    limit: int
    period: float
    events: deque[float] = field(default_factory=deque)

    def wait_time(self, now: float) -> float:
        while self.events and self.events[0] <= now - self.period:
            self.events.popleft()
        if len(self.events) < self.limit:
            return 0.0
        return self.events[len(self.events) - self.limit] + self.period - now

    def add(self, now: float) -> None:
        self.events.append(now)


@dataclass
class _Bucket:
    """Token bucket: ``rate`` tokens per second, at most ``capacity`` stored."""

    rate: float
    capacity: float
    tokens: float
    stamp: float

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def add(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1


class FloodControl:
    """Applies :class:`Limits` to (chat kind, chat id) keys."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._global = _Window(max(1, int(limits.global_per_second)), 1.0)
        self._groups: dict[int, _Window] = {}
        self._private: dict[int, _Bucket] = {}

    def _private_bucket(self, chat_id: int, now: float) -> _Bucket:
        bucket = self._private.get(chat_id)
        if bucket is None:
            burst = max(1, self.limits.private_burst)
            bucket = _Bucket(self.limits.private_per_second, burst, burst, now)
            self._private[chat_id] = bucket
        return bucket

    def check(self, chat_id: int, is_group: bool, now: float) -> int | None:
        """Return ``retry_after`` seconds if the call must be refused, else record it."""
        if not self.limits.flood_control:
            return None
        waits = [self._global.wait_time(now)]
        if is_group:
            window = self._groups.setdefault(chat_id, _Window(self.limits.group_per_minute, 60.0))
            waits.append(window.wait_time(now))
        else:
            waits.append(self._private_bucket(chat_id, now).wait_time(now))
        wait = max(waits)
        if wait > 0:
            return max(1, math.ceil(wait))
        self._global.add(now)
        if is_group:
            self._groups[chat_id].add(now)
        else:
            self._private_bucket(chat_id, now).add(now)
        return None
