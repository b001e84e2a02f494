"""Reminders: the loop that sends what is due (schedules, notices, event reminders, proposal
windows), the buttons their messages carry, /reminders where staff manage schedules in chat,
and /proposals."""

from __future__ import annotations

from handlers.reminders import (
    delivery,
    manage,
    new_reminder,
    notices,
    proposal_new,
    proposals,
    reading,
)
from handlers.reminders.buttons import (
    ReadingNoteStart,
    ReminderAck,
    ReminderDraftChoice,
    ReminderManage,
    ReminderScreen,
)
from handlers.reminders.proposal_buttons import ProposalDraftChoice, ProposalFiled, ProposalMissing
from handlers.shared.capability import Capability, Menu, command

CAPABILITY = Capability(
    name="reminders",
    commands=(
        command("reminders", manage.reminders_command, Menu.STAFF),
        command("proposals", proposals.proposals_command, Menu.MEMBER, Menu.STAFF),
    ),
    buttons={
        ReminderAck: notices.acknowledged,
        ReminderScreen: manage.screen_chosen,
        ReminderManage: manage.schedule_managed,
        ReminderDraftChoice: new_reminder.draft_chosen,
        ReadingNoteStart: reading.start_note,
        ProposalFiled: proposals.filed_pressed,
        ProposalDraftChoice: proposal_new.draft_chosen,
        ProposalMissing: proposals.missing_pressed,
    },
    flows={
        new_reminder.KIND: new_reminder.on_new_step,
        reading.KIND: reading.on_step,
        proposals.KIND_COUNT: proposals.on_count_typed,
        proposal_new.KIND_NEW: proposal_new.on_new_window_step,
    },
    jobs=(delivery.schedule_reminders,),
    stops=(delivery.stop_sending,),
)
