"""分享读书心得: from the 委员阅读日 reminder's button, a member gives a book's title and a few
lines about it; the note is stored (and counts in the duty record)."""

from __future__ import annotations

from pydantic import BaseModel
from telegram import Update

from bot.core.auth import Refused
from bot.reminders.service import MAX_BOOK, MAX_NOTE
from domain.models import Conversation
from handlers.reminders.buttons import ReadingNoteStart
from handlers.shared.common import (
    end_conversation,
    flow_data,
    is_private,
    open_conversation,
    popup,
    reply,
)
from handlers.shared.context import Context

KIND = "reading_note"


class ReadingNoteFlow(BaseModel):
    """The note being written: the book's title once it is given."""

    book: str = ""


async def start_note(update: Update, context: Context, data: ReadingNoteStart) -> None:
    """The 分享读书心得 button: ask for the book's title (private chat, members)."""
    if context.actor.member is None:
        await popup(update, context, "auth.not_registered_short")
        return
    if not is_private(update):
        await popup(update, context, "reading.private_only")
        return
    query = update.callback_query
    assert query is not None
    await query.answer()
    await open_conversation(update, context, KIND, "book", ReadingNoteFlow())
    await reply(update, context, "reading.ask_book", limit=MAX_BOOK)


async def on_step(update: Update, context: Context, conversation: Conversation) -> None:
    """The book's title, then the note; anything but text is asked for again."""
    message = update.effective_message
    member = context.actor.member
    if message is None or member is None:
        return
    typed = (message.text or "").strip()
    flow = flow_data(conversation, ReadingNoteFlow)
    if not typed:
        await reply(update, context, "reading.text_please")
        return
    if conversation.step == "book":
        if len(" ".join(typed.split())) > MAX_BOOK:
            await reply(update, context, "reading.book_too_long", limit=MAX_BOOK,
                        length=len(typed))
            return
        await open_conversation(update, context, KIND, "note", ReadingNoteFlow(book=typed))
        await reply(update, context, "reading.ask_note", limit=MAX_NOTE)
        return
    try:
        await context.services.reminders.share_reading_note(member, flow.book, typed)
    except Refused:
        await reply(update, context, "reading.note_too_long", limit=MAX_NOTE, length=len(typed))
        return
    await end_conversation(update, context)
    await reply(update, context, "reading.thanks", book=flow.book)
