"""Saving the step of an attendance conversation together with its data, a pydantic model."""

from __future__ import annotations

from pydantic import BaseModel
from telegram import Update

from handlers.shared.context import Context


async def save_step(update: Update, context: Context, kind: str, step: str, data: BaseModel
                    ) -> None:
    """Start (or move on) the conversation `kind` of this user in this chat, keeping `data`.

    Later private messages go to the flow of `kind` until the conversation ends; read the data
    back with handlers.shared.common.flow_data(conversation, type(data)).
    """
    assert update.effective_user is not None and update.effective_chat is not None
    await context.services.settings.save_conversation(
        update.effective_user.id, update.effective_chat.id, kind, step, data=data
    )
