"""Per-user settings and general commands: /lang, /help, /cancel."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.texts import LANGUAGES
from handlers.members.buttons import LanguageChoice
from handlers.shared.common import edit_pressed_message, reply, text
from handlers.shared.context import Context
from handlers.shared.menus import help_text, set_personal_menu

_LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


async def choose_language(update: Update, context: Context) -> None:
    """/lang [zh|en]: switch the language of the bot's answers."""
    assert update.effective_chat is not None and update.effective_user is not None
    wanted = (context.args[0].lower() if context.args else "")[:8]
    if wanted in ("zh", "cn", "zh-cn", "中文"):
        wanted = "zh"
    if wanted in LANGUAGES:
        await _set_language(update, context, wanted)
        return
    if wanted:
        await reply(update, context, "lang.unknown")
    codec = context.services.codec
    keyboard = InlineKeyboardMarkup(
        [[
            InlineKeyboardButton(name, callback_data=codec.encode(LanguageChoice(language=code)))
            for code, name in _LANGUAGE_NAMES.items()
        ]]
    )
    await context.bot.send_message(
        update.effective_chat.id, text(context, "lang.choose"), reply_markup=keyboard
    )


async def _set_language(update: Update, context: Context, language: str) -> None:
    assert update.effective_user is not None
    await context.services.settings.set_language(update.effective_user.id, language)
    context.lang = language
    await reply(update, context, "lang.set")


async def language_chosen(update: Update, context: Context, choice: LanguageChoice) -> None:
    """A button of /lang was pressed."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    await context.services.settings.set_language(update.effective_user.id, choice.language)
    context.lang = choice.language
    await query.answer()
    await edit_pressed_message(update, text(context, "lang.set"))
    if context.actor.is_privileged:
        await set_personal_menu(context.bot, context.state.registry, context.actor)


async def show_help(update: Update, context: Context) -> None:
    """/help: what this person can do, by role."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    help_lines = help_text(context.state.registry, context.actor, context.lang)
    await context.bot.send_message(chat_id, help_lines)


async def cancel(update: Update, context: Context) -> None:
    """/cancel: exit whatever conversation is under way (its capability may say more: that a
    draft is kept)."""
    assert update.effective_chat is not None and update.effective_user is not None
    settings = context.services.settings
    user_id, chat_id = update.effective_user.id, update.effective_chat.id
    conversation = await settings.conversation(user_id, chat_id)
    ended = await settings.end_conversation(user_id, chat_id)
    if not ended:
        await reply(update, context, "common.nothing_to_cancel")
        return
    on_exit = context.state.registry.exits.get(conversation.kind) if conversation else None
    if conversation is None or on_exit is None:
        await reply(update, context, "common.cancelled")
        return
    await on_exit(update, context, conversation)

