"""收到 under a notice: the member confirms they have read it (once; a second press is told).
Once confirmed, the button reads "✅ 已确认收到", so the notice shows it is done."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.reminders.service import AckOutcome
from handlers.reminders.buttons import ReminderAck
from handlers.shared.common import edit_pressed_markup, label, popup
from handlers.shared.context import Context


async def acknowledged(update: Update, context: Context, data: ReminderAck) -> None:
    """A member pressed 收到 under a notice that was pushed to them."""
    member = context.actor.member
    if member is None:
        await popup(update, context, "auth.not_registered")
        return
    outcome = await context.services.reminders.acknowledge(member, data.occurrence_id)
    await popup(update, context, f"reminder.ack_{outcome.value}")
    if outcome is not AckOutcome.NOT_YOURS:
        await _mark_confirmed(update, context)


async def _mark_confirmed(update: Update, context: Context) -> None:
    """The pressed 收到 becomes "✅ 已确认收到" (the same button: a press again is answered
    that it was confirmed); nothing is sent when the message shows it already."""
    query = update.callback_query
    message = query.message if query is not None else None
    if query is None or not isinstance(message, Message) or message.reply_markup is None:
        return  # too old for Telegram to include the message: nothing to redraw
    markup = message.reply_markup
    caption = label(context, "reminder.ack_done_button")
    rows = [
        [InlineKeyboardButton(caption, callback_data=query.data)
         if button.callback_data == query.data else button for button in row]
        for row in markup.inline_keyboard
    ]
    marked = InlineKeyboardMarkup(rows)
    if marked != markup:
        await edit_pressed_markup(update, marked)
