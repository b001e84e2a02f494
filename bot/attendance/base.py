"""What every part of the attendance service holds: database, roster, clock, rules, writer."""

from __future__ import annotations

from collections import defaultdict, deque
from zoneinfo import ZoneInfo

from bot.attendance.rules import AttendanceRules
from bot.attendance.writer import MAX_BATCH, CheckInWriter
from domain.clock import Now
from storage.attendance import AttendanceRepository
from storage.db import Database
from storage.members import MemberRepository
from storage.secrets import server_secret


class AttendanceBase:
    """The state shared by the parts of AttendanceService (check-ins, leave, events, views);
    `actor=None` in their methods means the operator's CLI."""

    def __init__(
        self,
        db: Database,
        members: MemberRepository,
        zone: ZoneInfo,
        *,
        clock: Now | None = None,
        rules: AttendanceRules | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.db = db
        self.members = members
        self.zone = zone
        self.clock = clock or db.clock
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
