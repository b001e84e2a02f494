"""The reports' guided conversations: writing a report and the review note step, their steps.

Each is kept in the conversations table under its kind, so a restart loses nothing; private
messages go to its `on_step` while it is open (handlers.reports.write, handlers.reports.notes).
"""

from __future__ import annotations

from enum import StrEnum

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


# -- the review note step (handlers.reports.notes) --------------------------------------------
REVIEW_KIND = "review"


class NoteStep(StrEnum):
    """What staff are asked for after a move button (or a leader comment)."""

    NOTE = "note"
    FORWARDED_TO = "forwarded_to"
    LEADER = "leader"
    COMMENT = "comment"
