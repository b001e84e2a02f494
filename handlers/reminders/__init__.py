"""Reminders: the loop that sends what is due (schedules, notices, event reminders) and the
buttons their messages carry."""

from __future__ import annotations

from handlers.reminders import delivery, notices, reading
from handlers.reminders.buttons import ReadingNoteStart, ReminderAck
from handlers.shared.capability import Capability

CAPABILITY = Capability(
    name="reminders",
    buttons={ReminderAck: notices.acknowledged, ReadingNoteStart: reading.start_note},
    flows={reading.KIND: reading.on_step},
    jobs=(delivery.schedule_reminders,),
)
