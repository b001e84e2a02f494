"""Group chats: the bot being added or removed, and /bindgroup to tie a chat to a group (a chat
bound to another group is moved by staff only, once they confirm, and its old leader is told)."""

from __future__ import annotations

import logging
from typing import Literal

from telegram import ChatMemberAdministrator, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.core.auth import Action, NotAllowed, Refused
from bot.core.texts import tr
from domain.models import ActivityGroup
from handlers.members.buttons import BindGroupChoice, RebindAnswer
from handlers.shared.common import (
    edit_pressed_message,
    is_private,
    label,
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
    assert update.effective_chat is not None
    registration = context.services.registration
    current = await registration.group_of_chat(update.effective_chat.id)
    if current is not None and not (
        actor.can(Action.REBIND_GROUP) or actor.can(Action.BIND_GROUP, current.id)
    ):
        # the chat of another group: not theirs to take over
        await reply(update, context, "group.bound_elsewhere", group=current.name)
        return
    groups = await registration.groups_bindable_by(actor)
    if not groups:
        await reply(update, context, "group.none_to_bind")
        return
    codec = context.services.codec
    rows = [
        [InlineKeyboardButton(g.name, callback_data=codec.encode(BindGroupChoice(group_id=g.id)))]
        for g in groups
    ]
    keyboard = InlineKeyboardMarkup(rows)
    question = (
        text(context, "group.choose") if current is None
        else text(context, "group.choose_rebind", group=current.name)
    )
    await context.bot.send_message(update.effective_chat.id, question, reply_markup=keyboard)


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
    registration = context.services.registration
    current = await registration.group_of_chat(chat.id)
    if current is not None and current.id != choice.group_id:
        await _ask_before_rebinding(update, context, current, choice.group_id)
        return
    try:
        group = await registration.bind_group_chat(
            context.actor, choice.group_id, chat.id, chat.title
        )
    except NotAllowed:
        await popup(update, context, "auth.leaders_staff_only")
        return
    except Refused:  # bound to another group between the look and the press
        await popup(update, context, "group.rebind_stale")
        return
    await query.answer()
    await _say_bound(update, context, chat.id, text(context, "group.bound", group=group.name))


async def _ask_before_rebinding(
    update: Update, context: Context, current: ActivityGroup, group_id: int
) -> None:
    """A chat bound to `current`, and another group pressed: staff are asked first, anyone
    else is refused."""
    if not context.actor.can(Action.REBIND_GROUP):
        await popup(update, context, "group.bound_elsewhere", group=current.name)
        return
    target = await context.services.members.group_by_id(group_id)
    if target is None:  # the group was merged or deleted since
        await popup(update, context, "callback.invalid")
        return
    codec = context.services.codec

    def button(key: str, answer: Literal["yes", "no"]) -> InlineKeyboardButton:
        data = RebindAnswer(group_id=target.id, replacing=current.id, answer=answer)
        return InlineKeyboardButton(label(context, key), callback_data=codec.encode(data))

    keyboard = InlineKeyboardMarkup([[
        button("group.rebind_yes_button", "yes"), button("group.rebind_no_button", "no"),
    ]])
    assert update.callback_query is not None
    await update.callback_query.answer()
    await edit_pressed_message(
        update, text(context, "group.rebind_question", old=current.name, new=target.name),
        keyboard,
    )


async def rebind_answered(update: Update, context: Context, choice: RebindAnswer) -> None:
    """确定改绑 or 保持原绑定 under the question of /bindgroup in a chat of another group."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    if is_private(update):
        await popup(update, context, "callback.invalid")
        return
    if not await require_bound(update, context):
        return
    if not context.actor.can(Action.REBIND_GROUP):
        await popup(update, context, "group.rebind_staff_only")
        return
    services = context.services
    if choice.answer == "no":
        current = await services.registration.group_of_chat(chat.id)
        if current is None:
            await popup(update, context, "group.rebind_stale")
            return
        await query.answer()
        await edit_pressed_message(update, text(context, "group.rebind_kept", group=current.name))
        return
    try:
        rebound = await services.registration.rebind_group_chat(
            context.actor, choice.group_id, chat.id, chat.title, replacing=choice.replacing
        )
    except NotAllowed:
        await popup(update, context, "group.rebind_staff_only")
        return
    except Refused:
        await popup(update, context, "group.rebind_stale")
        return
    previous = rebound.previous
    if previous is None:  # a second tap: bound so already, no one is told again
        await query.answer()
        await edit_pressed_message(update, text(context, "group.bound", group=rebound.group.name))
        return
    await query.answer()
    await _say_bound(update, context, chat.id, text(
        context, "group.rebound", group=rebound.group.name, old=previous.name))
    key = f"group_rebind:{chat.id}:{rebound.at.strftime('%Y%m%dT%H%M%S%f')}"
    for leader in rebound.old_leaders:
        assert leader.telegram_user_id is not None
        language = await services.settings.language(leader.telegram_user_id) or "zh"
        notice = tr(language, "group.rebind_notice", name=leader.name,
                    chat=chat.title or str(chat.id), old=previous.name, new=rebound.group.name)
        await services.sender.push(key, leader.telegram_user_id, notice)


async def _say_bound(update: Update, context: Context, chat_id: int, message: str) -> None:
    """Replace the pressed message by `message`, with a warning when the bot lacks rights."""
    warning = await _missing_rights(context, chat_id)
    if warning:
        message += "\n\n" + warning
    await edit_pressed_message(update, message)
