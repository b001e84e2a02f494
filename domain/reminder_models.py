"""The reminders' records as pydantic models: schedules and their occurrences."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain.base import Model


class ReminderKind(StrEnum):
    NOTICE = "notice"  # 通知: staff's text to an audience, maybe with a 收到 button
    READING_DAY = "reading_day"  # 委员阅读日: with a button to share a reading note
    ADVICE_DAY = "advice_day"  # 委员建言日: with a button to write a report


class ScheduleStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    REMOVED = "removed"


class OccurrenceStatus(StrEnum):
    DUE = "due"  # planned, not yet started
    SENDING = "sending"  # started: deliveries are being made (resumed after a restart)
    SENT = "sent"  # every recipient was tried
    MISSED = "missed"  # the bot was down past the grace period; staff were told
    WITHDRAWN = "withdrawn"  # what it announced was cancelled or changed before it went out



class ReminderSchedule(Model):
    id: int
    kind: ReminderKind
    title: str
    body: str
    rule: str  # JSON of bot.reminders.timing.Recurring | OneOff
    holiday_policy: str
    audience: str  # JSON of bot.reminders.audience.Audience
    ack: bool
    status: ScheduleStatus
    seed: str | None = None
    created_by: int | None = None
    created_at: datetime
    updated_at: datetime


class ReminderOccurrence(Model):
    id: int
    key: str
    kind: str
    schedule_id: int | None = None
    event_id: int | None = None
    due_at: datetime
    status: OccurrenceStatus
    recipients: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    staff_told: bool = False

    @property
    def delivery_key(self) -> str:
        """The key of its deliveries (one per recipient) in the deliveries table."""
        return f"occ:{self.id}"
