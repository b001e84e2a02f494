"""Reminders: the loop that sends what is due (schedules, notices, event reminders), the
buttons their messages carry, and /reminders, where staff manage schedules in chat."""

from __future__ import annotations

from handlers.reminders import delivery, manage, new_reminder, notices
from handlers.reminders.buttons import (
    ReminderAck,
    ReminderDraftChoice,
    ReminderManage,
    ReminderScreen,
)
from handlers.shared.capability import Capability, Menu, command

CAPABILITY = Capability(
    name="reminders",
    commands=(command("reminders", manage.reminders_command, Menu.STAFF),),
    buttons={
        ReminderAck: notices.acknowledged,
        ReminderScreen: manage.screen_chosen,
        ReminderManage: manage.schedule_managed,
        ReminderDraftChoice: new_reminder.draft_chosen,
    },
    flows={new_reminder.KIND: new_reminder.on_new_step},
    jobs=(delivery.schedule_reminders,),
)
