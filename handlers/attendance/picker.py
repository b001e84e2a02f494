"""Which event a leader's or staff member's command is about, and the buttons under an event."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.attendance.permissions import may_reach
from bot.core.auth import Action
from bot.core.numbers import parse_number
from bot.core.when import short_moment_text
from domain.models import Event
from handlers.attendance.buttons import EventManage, EventManageAction
from handlers.attendance.render import LIST_LIMIT
from handlers.shared.common import label, reply, text
from handlers.shared.context import Context

# Pickers (/qr, /attendance… without a number) include events that ended this long ago.
_RECENT = timedelta(days=2)


async def pick_event(
    update: Update, context: Context, action: Action, then: EventManageAction
) -> Event | None:
    """The event named by the command's argument, or buttons to pick one (then None).

    Refuses (and returns None) for a person without `action`, an unknown number, or an event
    of groups they do not run.
    """
    actor = context.actor
    if not actor.can(action):
        await reply(update, context, "event.managers_only")
        return None
    services = context.services
    arg = (context.args or [""])[0]
    if arg:
        number = parse_number(arg)
        event = await services.attendance.event(number) if number is not None else None
        if event is None:
            await reply(update, context, "event.no_such_event", number=arg.lstrip("#")[:12])
            return None
        if not may_reach(actor, action, event):
            await reply(update, context, "event.not_yours")
            return None
        return event
    events = await services.attendance.events_run_by(actor, action, at=services.clock() - _RECENT)
    if len(events) == 1:
        return events[0]
    if not events:
        await reply(update, context, "event.none_to_pick")
        return None
    zone, today = services.config.zone, services.today()
    codec = services.codec
    buttons = [
        [InlineKeyboardButton(
            label(context, "event.pick_button", number=e.id, title=e.title,
                  when=short_moment_text(context.lang, e.starts_at, zone, today=today))[:60],
            callback_data=codec.encode(EventManage(event_id=e.id, action=then)),
        )]
        for e in events[:LIST_LIMIT]
    ]
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, text(context, "event.pick"),
        reply_markup=InlineKeyboardMarkup(buttons),
    )
    return None


def manage_keyboard(context: Context, event_id: int) -> InlineKeyboardMarkup:
    """修改 / 取消活动 / 签到二维码 / 出勤情况 under an event shown to whoever runs it."""
    codec = context.services.codec

    def button(key: str, action: EventManageAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text(context, key),
            callback_data=codec.encode(EventManage(event_id=event_id, action=action)),
        )

    return InlineKeyboardMarkup([
        [button("event.button_edit", "menu"), button("event.button_cancel", "cancel")],
        [button("event.button_qr", "qr"), button("event.button_attendance", "attendance")],
    ])
