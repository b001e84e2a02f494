"""The report state machine: the statuses, the allowed moves and who makes them, and refusals.

A report (domain.models.ReportStatus) starts as a draft; its author submits it (and
resubmits it after it is returned); staff then move it along REVIEW_MOVES only, and may
undo their last move for a while ([reports] undo_minutes): the undo is a move back, marked
so. Some moves need more than a press: a note (returned, not adopted), a level (adopted) or an
addressee (forwarded). Every refusal of a report operation is a `Refused` with one of the `Refusal`
reasons below, which handlers turn into a text.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from domain.models import ReportMove, ReportStatus

_S = ReportStatus

# Every allowed move and who makes it. Nothing else is allowed.
AUTHOR_MOVES: frozenset[tuple[ReportStatus, ReportStatus]] = frozenset(
    {(_S.DRAFT, _S.SUBMITTED), (_S.RETURNED, _S.SUBMITTED)}
)
REVIEW_MOVES: dict[ReportStatus, tuple[ReportStatus, ...]] = {
    _S.SUBMITTED: (_S.ACCEPTED, _S.RETURNED),
    # accepted, then found to need changes after all: returned
    _S.ACCEPTED: (_S.ADOPTED, _S.FORWARDED, _S.KEPT, _S.NOT_ADOPTED, _S.RETURNED),
    _S.FORWARDED: (_S.ADOPTED, _S.NOT_ADOPTED),
    # adopted here, then forwarded (报送) to a higher level; the level adopted at is kept
    _S.ADOPTED: (_S.FORWARDED,),
}
# What a review move to each of these statuses needs besides the press.
NOTE_REQUIRED: frozenset[ReportStatus] = frozenset({_S.RETURNED, _S.NOT_ADOPTED})
LEVEL_REQUIRED: frozenset[ReportStatus] = frozenset({_S.ADOPTED})  # and a note if wished
ADDRESSEE_REQUIRED: frozenset[ReportStatus] = frozenset({_S.FORWARDED})
# Where the author may still change the report.
EDITABLE: frozenset[ReportStatus] = frozenset({_S.DRAFT, _S.RETURNED})
# What staff still have to act on: the review queue.
QUEUE_STATUSES: tuple[ReportStatus, ...] = (_S.SUBMITTED, _S.ACCEPTED, _S.FORWARDED)


def review_moves(status: ReportStatus) -> tuple[ReportStatus, ...]:
    """The statuses staff may move a report in `status` to (the buttons to show)."""
    return REVIEW_MOVES.get(status, ())


def is_allowed_move(from_status: ReportStatus, to_status: ReportStatus) -> bool:
    """Whether the status machine has this move at all, by author or staff."""
    return (from_status, to_status) in AUTHOR_MOVES or to_status in review_moves(from_status)


def effective_moves(moves: Sequence[ReportMove]) -> list[ReportMove]:
    """The moves that stand: without the undo moves and the moves they undid."""
    undone = {m.undoes for m in moves if m.undoes is not None}
    return [m for m in moves if m.undoes is None and m.id not in undone]


class Refusal(StrEnum):
    """Why a report operation was refused; handlers map each code to a catalog text."""

    NOT_FOUND = "not_found"  # no such report, or not one this person may see
    NOT_EDITABLE = "not_editable"  # only drafts and returned reports change (status given)
    TITLE_EMPTY = "title_empty"
    TITLE_TOO_LONG = "title_too_long"  # length, limit
    CATEGORY_MISSING = "category_missing"
    BODY_EMPTY = "body_empty"
    BODY_TOO_LONG = "body_too_long"  # length (after joining), limit
    TEXT_EMPTY = "text_empty"  # an empty piece of text was sent
    TOO_MANY_ATTACHMENTS = "too_many_attachments"  # length (already there), limit
    ATTACHMENT_NOT_FOUND = "attachment_not_found"
    COAUTHOR_UNKNOWN = "coauthor_unknown"
    COAUTHOR_IS_AUTHOR = "coauthor_is_author"
    TOO_MANY_COAUTHORS = "too_many_coauthors"  # limit
    OWN_REPORT = "own_report"  # staff may not review what they wrote or co-wrote
    MOVE_NOT_ALLOWED = "move_not_allowed"  # status = the status moved from
    ALREADY_HANDLED = "already_handled"  # status = what it is now
    NOTE_REQUIRED = "note_required"
    NOTE_TOO_LONG = "note_too_long"  # length, limit
    LEVEL_REQUIRED = "level_required"
    FORWARDED_TO_REQUIRED = "forwarded_to_required"
    FORWARDED_TO_TOO_LONG = "forwarded_to_too_long"  # length, limit
    NOT_ADOPTED = "not_adopted"  # leader comments only on adopted reports (status given)
    LEADER_REQUIRED = "leader_required"
    LEADER_TOO_LONG = "leader_too_long"  # length, limit
    COMMENT_EMPTY = "comment_empty"
    COMMENT_TOO_LONG = "comment_too_long"  # length, limit
    NOTHING_TO_UNDO = "nothing_to_undo"  # not the report's last move, or an undo itself
    UNDO_TOO_LATE = "undo_too_late"  # limit = the minutes an undo is possible
