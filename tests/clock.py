"""Clocks for tests: the system's (what a bot with no offset reads), and a frozen one that a
unit test moves by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.clock import Clock

SYSTEM = Clock()


def utc_now() -> datetime:
    """Now by the system's clock, aware, in UTC (a bot started with no offset agrees)."""
    return SYSTEM()


def clock_at(moment: datetime) -> Clock:
    """A clock that reads `moment` now and runs on from it (as a bot started at it would)."""
    return Clock(moment - SYSTEM())


class FrozenClock(Clock):
    """A clock that stands still at `moment` until a test moves it."""

    __slots__ = ("moment",)

    def __init__(self, moment: datetime) -> None:
        super().__init__()
        if moment.tzinfo is None:
            raise ValueError("naive datetime")
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta
