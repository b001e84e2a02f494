"""The reports' guided conversations: writing a report and the review note step, typed.

Each is kept in the conversations table under its kind, its data a pydantic model stored as
JSON, so a restart loses nothing; private messages go to its `on_step` while it is open
(handlers.reports.write, handlers.reports.notes). Read the data with
handlers.shared.common.flow_data(conversation, WriteFlow | ReviewNoteFlow).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel
from telegram import Update

from domain.models import ReportStatus
from handlers.shared.context import Context

# -- writing a report (handlers.reports.write) ------------------------------------------------
WRITE_KIND = "report"


class WriteStep(StrEnum):
    """Where the member is in writing a report."""

    TITLE = "title"
    CATEGORY = "category"
    BODY = "body"
    FILES = "files"
    PEOPLE = "people"
    PREVIEW = "preview"


class WriteFlow(BaseModel):
    """What the writing conversation keeps besides its step."""

    KIND: ClassVar[str] = WRITE_KIND

    report_id: int
    editing: bool = False  # one part changed from the preview: back to the preview after it
    replace: bool = False  # the text is rewritten: its next piece replaces the body


# -- the review note step (handlers.reports.notes) --------------------------------------------
REVIEW_KIND = "review"


class NoteStep(StrEnum):
    """What staff are asked for after a move button (or a leader comment)."""

    NOTE = "note"
    FORWARDED_TO = "forwarded_to"
    LEADER = "leader"
    COMMENT = "comment"


class ReviewNoteFlow(BaseModel):
    """What the review note step keeps besides its step."""

    KIND: ClassVar[str] = REVIEW_KIND

    report_id: int
    expected: ReportStatus  # the status the staff member saw: the move is from there
    to: ReportStatus | None = None  # the move asked for (the note and addressee steps)
    level: str | None = None  # adopting: the level already chosen
    card: int | None = None  # the message with the report's card, to show the new status
    leader: str | None = None  # a leader comment: who commented (the comment step)


async def save_flow(
    update: Update, context: Context, step: WriteStep | NoteStep, flow: WriteFlow | ReviewNoteFlow
) -> None:
    """Start (or move on) the conversation `flow` belongs to, at `step`, in this chat.

    /cancel ends it, as any other guided conversation.
    """
    assert update.effective_user is not None and update.effective_chat is not None
    await context.services.settings.save_conversation(
        update.effective_user.id, update.effective_chat.id, flow.KIND, step, data=flow
    )
