"""What the /reminders screens share: staff only, a screen shown anew or in place of the
pressed message, and the buttons that lead from one screen to another."""

from __future__ import annotations

from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.auth import Action
from domain.reminder_models import ReminderSchedule
from handlers.reminders.buttons import ReminderManage, ReminderManageAction, ReminderScreen
from handlers.shared.common import allowed, edit_pressed_message, label, text
from handlers.shared.context import Context


def screen_button(context: Context, key: str, action: Literal["list", "new", "log"]
                  ) -> InlineKeyboardButton:
    data = ReminderScreen(action=action)
    return InlineKeyboardButton(label(context, key),
                                callback_data=context.services.codec.encode(data))


def manage_button(context: Context, key: str, schedule_id: int, action: ReminderManageAction
                  ) -> InlineKeyboardButton:
    data = ReminderManage(schedule_id=schedule_id, action=action)
    return InlineKeyboardButton(label(context, key),
                                callback_data=context.services.codec.encode(data))


async def say(update: Update, context: Context, body: str,
              markup: InlineKeyboardMarkup | None = None) -> None:
    """A new message in this chat (a command), or the pressed message replaced (a button)."""
    if update.callback_query is not None:
        await edit_pressed_message(update, body, markup)
        return
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=markup)


async def staff_allowed(update: Update, context: Context) -> bool:
    """Staff only; anyone else is told who manages reminders."""
    return await allowed(update, context, Action.MANAGE_REMINDERS, "reminders.staff_only")


def title_of(context: Context, schedule: ReminderSchedule) -> str:
    return schedule.title or text(context, f"reminder_kind.{schedule.kind.value}")
