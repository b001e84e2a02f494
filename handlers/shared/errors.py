"""The error handler: log with the update id, tell the user briefly, never show a traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.core.texts import language_for, tr
from handlers.shared.context import Context

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log first; then a short apology in the chat the update came from."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, Forbidden):
        # The user blocked the bot, or it was removed from the group, while the update was
        # being handled: nobody to answer, nothing wrong with the bot.
        log.info("update %s: may not write to the chat any more (%s)", update_id, context.error)
        return
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = getattr(context, "lang", None) or language_for(
        update.effective_user.language_code if update.effective_user else None
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(tr(language, "error.generic"), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, tr(language, "error.generic"))
    except TelegramError as exc:
        log.info("could not tell the user about the error: %s", exc)
