"""Group chats: the bot being added or removed, and /bindgroup to tie a chat to a group."""

from __future__ import annotations

import logging

from telegram import ChatMemberAdministrator, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.core.auth import Action, NotAllowed
from handlers.members.buttons import BindGroupChoice
from handlers.shared.common import (
    edit_pressed_message,
    is_private,
    popup,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context

log = logging.getLogger(__name__)


async def bot_membership_changed(update: Update, context: Context) -> None:
    """The bot was added to (or removed from) a chat."""
    change = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        old = change.old_chat_member.status
        if old in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
            await context.bot.send_message(change.chat.id, text(context, "group.added"))
    else:
        log.info("bot left chat %s (%s)", change.chat.id, status)


async def _missing_rights(context: Context, chat_id: int) -> str | None:
    """A warning when the bot lacks what it needs in this chat, else None."""
    try:
        me = await context.bot.get_chat_member(chat_id, context.bot.id)
    except TelegramError as exc:
        log.info("getChatMember failed in %s: %s", chat_id, exc)
        return text(context, "group.rights_unknown")
    if not isinstance(me, ChatMemberAdministrator):
        return text(context, "group.not_admin")
    if not (me.can_delete_messages and me.can_pin_messages):
        return text(context, "group.missing_rights")
    return None


async def bind_group(update: Update, context: Context) -> None:
    """/bindgroup in a group chat: pick the activity group this chat belongs to."""
    if is_private(update):
        await reply(update, context, "group.use_in_group")
        return
    if not await require_bound(update, context):
        return
    actor = context.actor
    if not actor.can(Action.BIND_GROUP):
        await reply(update, context, "auth.leaders_staff_only")
        return
    groups = await context.services.registration.groups_bindable_by(actor)
    if not groups:
        await reply(update, context, "group.none_to_bind")
        return
    codec = context.services.codec
    rows = [
        [InlineKeyboardButton(g.name, callback_data=codec.encode(BindGroupChoice(group_id=g.id)))]
        for g in groups
    ]
    keyboard = InlineKeyboardMarkup(rows)
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, text(context, "group.choose"), reply_markup=keyboard
    )


async def bind_group_chosen(update: Update, context: Context, choice: BindGroupChoice) -> None:
    """A button of /bindgroup was pressed."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    if is_private(update):
        await popup(update, context, "callback.invalid")
        return
    if not await require_bound(update, context):
        return
    try:
        group = await context.services.registration.bind_group_chat(
            context.actor, choice.group_id, chat.id, chat.title
        )
    except NotAllowed:
        await popup(update, context, "auth.leaders_staff_only")
        return
    await query.answer()
    warning = await _missing_rights(context, chat.id)
    message = text(context, "group.bound", group=group.name)
    if warning:
        message += "\n\n" + warning
    await edit_pressed_message(update, message)
