"""The one clock: every calendar "now" of the bot comes from a `Clock`.

The program builds one where it is composed (the running bot, each command-line command) and
hands it to the database and every service; handlers, jobs and exporters read it through the
services. Nothing else reads the calendar time: ruff's banned-API rule (pyproject.toml) fails
on `datetime.now()`, `date.today()` or `time.time()` anywhere but here. Monotonic time
(asyncio's loop time, `time.monotonic()`) measures intervals and timeouts, not dates, and is
read where it is needed.

The clock runs with the system's, moved by a fixed offset: none in normal running. An
operator may rehearse the bot at another instant (what the reminders do on the next reading
day, at the year's end) with `LIAISON_BOT_CLOCK_OFFSET`, in seconds; the end-to-end tests
start the real bot at a chosen instant the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo

OFFSET_ENV = "LIAISON_BOT_CLOCK_OFFSET"

# What a service is given to read "now" from: a Clock, or a test's stand-in for one.
Now = Callable[[], datetime]


class Clock:
    """Calling it gives the current time, aware, in UTC."""

    __slots__ = ("offset",)

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def local(self, zone: tzinfo) -> datetime:
        """Now in `zone` (the committee's)."""
        return self().astimezone(zone)

    def today(self, zone: tzinfo) -> date:
        """Today's date in `zone`."""
        return self.local(zone).date()

    def __repr__(self) -> str:
        return f"Clock(offset={self.offset.total_seconds():+.3f}s)"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Clock:
        """The system's clock, moved by $LIAISON_BOT_CLOCK_OFFSET seconds when it is set.

        Raises ValueError, in words for the operator, for anything but a finite number.
        """
        text = environ.get(OFFSET_ENV, "").strip()
        if not text:
            return cls()
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds) or abs(seconds) > 100 * 366 * 86400:
            raise ValueError(
                f"{OFFSET_ENV}={text!r}: give the clock's offset in seconds, e.g. 86400 for a "
                "day ahead or -3600 for an hour back"
            )
        return cls(timedelta(seconds=seconds))

