"""Reminders: the loop that sends what is due (schedules, notices, event reminders) and the
buttons their messages carry."""

from __future__ import annotations

from handlers.reminders import delivery, notices
from handlers.reminders.buttons import ReminderAck
from handlers.shared.capability import Capability

CAPABILITY = Capability(
    name="reminders",
    buttons={ReminderAck: notices.acknowledged},
    jobs=(delivery.schedule_reminders,),
)
