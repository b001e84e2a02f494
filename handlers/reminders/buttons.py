"""The reminders' inline buttons as typed callback data."""

from __future__ import annotations

from bot.telegram.callbacks import CallbackData


class ReminderAck(CallbackData):
    """收到: the member confirms they have read notice occurrence `occurrence_id`."""

    PREFIX = "rak"
    occurrence_id: int


class ReadingNoteStart(CallbackData):
    """分享读书心得 under the reading day's reminder (occurrence `occurrence_id`)."""

    PREFIX = "rdn"
    occurrence_id: int
