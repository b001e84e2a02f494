"""The reminders' inline buttons as typed callback data."""

from __future__ import annotations

from bot.telegram.callbacks import CallbackData


class ReminderAck(CallbackData):
    """收到: the member confirms they have read notice occurrence `occurrence_id`."""

    PREFIX = "rak"
    occurrence_id: int
