"""收到 under a notice: the member confirms they have read it (once; a second press is told)."""

from __future__ import annotations

from telegram import Update

from handlers.reminders.buttons import ReminderAck
from handlers.shared.common import popup
from handlers.shared.context import Context


async def acknowledged(update: Update, context: Context, data: ReminderAck) -> None:
    """A member pressed 收到 under a notice that was pushed to them."""
    member = context.actor.member
    if member is None:
        await popup(update, context, "auth.not_registered")
        return
    outcome = await context.services.reminders.acknowledge(member, data.occurrence_id)
    await popup(update, context, f"reminder.ack_{outcome.value}")
