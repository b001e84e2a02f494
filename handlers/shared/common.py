"""Helpers every handler uses: who is acting, in which language, and how to answer them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.core.auth import Action, Actor
from bot.core.texts import language_for, plain, tr
from domain.models import Conversation
from handlers.shared.context import Context

log = logging.getLogger(__name__)

FlowData = TypeVar("FlowData", bound=BaseModel)

# Telegram's size limits, shared by every handler.
MAX_MESSAGE_CHARS = 4096


async def resolve_actor(update: Update, context: Context) -> None:
    """Runs before every handler: sets context.actor and context.lang.

    A message sent on behalf of a chat (an anonymous group administrator, a linked channel:
    `sender_chat`, and no `from` or a stand-in one) has nobody to act for: a command to this
    bot is answered with how to send it, and no handler runs."""
    services = context.services
    user = update.effective_user
    message = update.effective_message
    if user is None or (message is not None and message.sender_chat is not None):
        context.actor = Actor(0, None, frozenset())
        context.lang = language_for(None)
        if message is not None and _command_to_this_bot(context, message.text or ""):
            await reply(update, context, "common.no_sender")
        raise ApplicationHandlerStop
    member, chosen = await services.members.account(user.id)
    admin_ids = set(services.config.admins.telegram_user_ids)
    context.actor = Actor.resolve(user.id, member, admin_ids)
    context.lang = language_for(user.language_code, chosen)
    if member is not None and not member.active and user.id not in admin_ids:
        # Left the roster: one answer to whatever they send or press, and nothing else runs.
        if update.callback_query is not None:
            await popup(update, context, "auth.departed")
        elif update.effective_message is not None:
            await reply(update, context, "auth.departed")
        raise ApplicationHandlerStop


def _command_to_this_bot(context: Context, typed: str) -> bool:
    """Whether `typed` is one of the bot's commands, to it (/lang or /lang@this_bot)."""
    if not typed.startswith("/"):
        return False
    name, _, to = typed.split(maxsplit=1)[0][1:].partition("@")
    if to and to.lower() != (context.bot.username or "").lower():
        return False
    return name.lower() in {c.name for c in context.state.registry.commands}


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def text(context: Context, key: str, /, **values: object) -> str:
    """The text `key` in the acting user's language."""
    return tr(context.lang, key, **values)


def label(context: Context, key: str, /, **values: object) -> str:
    """The text `key` for a button label (plain text: values as typed, never escaped)."""
    return plain(context.lang, key, **values)


async def reply(update: Update, context: Context, key: str, /, **values: object) -> None:
    """Answer in the chat the update came from, in the user's language."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.send_message(chat.id, text(context, key, **values))
    except Forbidden as exc:
        log.info("cannot reply in chat %s: %s", chat.id, exc)


async def popup(update: Update, context: Context, key: str, /, **values: object) -> None:
    """Answer a button press with a short popup (no new message)."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text(context, key, **values), show_alert=True)
    except BadRequest as exc:  # the query is too old: the user has moved on
        log.info("callback answer failed: %s", exc)


def _harmless_edit_refusal(exc: BadRequest) -> bool:
    """A second tap on the same button (a double tap, or a client that had not yet seen the
    first edit) asks for the same edit again: Telegram answers "message is not modified"; a
    message deleted meanwhile is "not found". Neither is an error."""
    return "not modified" in exc.message or "not found" in exc.message


async def edit_pressed_message(
    update: Update, text_html: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the message whose button was pressed (without `markup`: remove its buttons)."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.edit_message_text(text_html, reply_markup=markup)
    except BadRequest as exc:
        if not _harmless_edit_refusal(exc):
            raise


async def edit_pressed_markup(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    """Change (or remove) the buttons of the message whose button was pressed."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as exc:
        if not _harmless_edit_refusal(exc):
            raise


async def tell(
    update: Update, context: Context, key: str, /, popup_key: str | None = None,
    **values: object,
) -> None:
    """A short answer: a popup under a pressed button (`popup_key` if given), else a message."""
    if update.callback_query is not None:
        await popup(update, context, popup_key or key, **values)
    else:
        await reply(update, context, key, **values)


async def allowed(update: Update, context: Context, action: Action, refusal: str) -> bool:
    """True when the acting person may do `action`; else they are told `refusal`."""
    if context.actor.can(action):
        return True
    await tell(update, context, refusal)
    return False


async def require_bound(update: Update, context: Context) -> bool:
    """True for a bound member (or a bootstrap admin); else tells them how to register."""
    if context.actor.is_bound or context.actor.is_staff:
        return True
    await tell(update, context, "auth.not_registered", popup_key="auth.not_registered_short")
    return False


async def private_command_allowed(
    update: Update, context: Context, command: str, action: Action | None = None
) -> bool:
    """The prologue of the event commands: a bound member, holding `action` if one is named,
    in private chat; otherwise tells them why not."""
    if not await require_bound(update, context):
        return False
    if action is not None and not context.actor.can(action):
        await reply(update, context, "event.managers_only")
        return False
    if not is_private(update):
        await reply(update, context, "event.use_private", command=command)
        return False
    return True


def button_rows(
    buttons: Sequence[InlineKeyboardButton], per_row: int
) -> list[list[InlineKeyboardButton]]:
    """Buttons laid out `per_row` to a row (big enough for a thumb)."""
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


# -- guided conversations: the step lives in the database, so a restart loses nothing --------
async def open_conversation(
    update: Update, context: Context, kind: str, step: str,
    data: BaseModel | dict[str, object],
) -> None:
    """Start (or move on) the conversation `kind` of this user in this chat.

    Later private messages are routed to handlers.FLOWS[kind] until end_conversation();
    /cancel ends any of them.
    """
    assert update.effective_user is not None and update.effective_chat is not None
    await context.services.settings.save_conversation(
        update.effective_user.id, update.effective_chat.id, kind, step, data
    )


async def current_conversation(
    update: Update, context: Context, kind: str, **expected: object
) -> Conversation | None:
    """The open conversation of this user in this chat if it is of `kind` and its data holds
    the `expected` values (e.g. report_id=7); else None."""
    assert update.effective_user is not None and update.effective_chat is not None
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    if conversation is None or conversation.kind != kind:
        return None
    if any(conversation.data.get(key) != value for key, value in expected.items()):
        return None
    return conversation


async def end_conversation(update: Update, context: Context) -> None:
    assert update.effective_user is not None and update.effective_chat is not None
    await context.services.settings.end_conversation(
        update.effective_user.id, update.effective_chat.id
    )


def flow_data(conversation: Conversation, model: type[FlowData]) -> FlowData:
    """The data of an open guided conversation, as its flow's pydantic model."""
    return model.model_validate(conversation.data)
