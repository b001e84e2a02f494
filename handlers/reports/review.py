"""A report for staff: its files and card with a button for each allowed move, and making a move.

A report is shown with its files and a button for each move the status machine allows
(bot.reports.workflow: review_moves); a move that needs a note, a level or an addressee asks
for it first (handlers.reports.notes). Each button carries the status the staff member saw, so
of two people pressing at once the first wins and the second is told. Authors hear of every
change through the sender, once per move.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.core.auth import Refused
from bot.reports.review import MoveResult
from bot.reports.workflow import Refusal, review_moves
from domain.models import AttachmentKind, Report, ReportHistory, ReportStatus
from handlers.reports.access import is_own, reviewer
from handlers.reports.buttons import ReviewMove, ReviewOpen, ReviewStep, ReviewUndo
from handlers.reports.flows import REVIEW_KIND
from handlers.reports.render import (
    TEXT_ROOM,
    age_text,
    answer,
    category_label,
    history_lines,
    levels_of,
    local_time,
    notify_move,
    refuse,
    report_status_detail,
    send,
    split_text,
    title_of,
)
from handlers.shared.common import (
    button_rows,
    edit_pressed_markup,
    end_conversation,
    label,
    reply,
    text,
)
from handlers.shared.context import Context

log = logging.getLogger(__name__)

# Notes and comments on a card are cut to this length, so the card fits one message.
_CARD_NOTE = 200
_S = ReportStatus
# Moves made with one press; the others ask for a note, a level or an addressee first.
ONE_PRESS = frozenset({_S.ACCEPTED, _S.KEPT})


# -- the card ---------------------------------------------------------------------------------
def _card(
    context: Context, history: ReportHistory, now: datetime
) -> tuple[list[str], str, InlineKeyboardMarkup | None]:
    """A report for staff: long text pieces (if any), the card, and its buttons."""
    report = history.report
    zone = context.services.config.zone
    today = now.astimezone(zone).date()
    lines = [
        text(context, "review.card_heading", number=report.number or "",
             status=report_status_detail(context, report)),
        text(context, "report.field_title", title=title_of(context.lang, report)),
        text(context, "review.card_author", author=report.author_name,
             group=report.author_group_name or text(context, "common.no_group"),
             sector=report.author_sector or "—"),
    ]
    if report.coauthors:
        lines.append(text(context, "report.field_people",
                          people="、".join(c.name for c in report.coauthors)))
    lines.append(text(context, "report.field_category",
                      category=category_label(context.lang, report.category)))
    if report.submitted_at is not None:
        lines.append(text(context, "review.card_submitted",
                          time=local_time(context.lang, report.submitted_at, zone, today),
                          age=age_text(context.lang, report.submitted_at, now),
                          version=report.version))
    lines.append(text(context, "report.field_files", count=len(report.attachments)))
    history_text = history_lines(
        context.lang, levels_of(context), history, zone, today, with_actor=True,
        note_limit=_CARD_NOTE,
    )
    if history_text:
        lines.append(text(context, "review.card_history"))
        lines += history_text
    head = "\n".join(lines)
    body_head = text(context, "report.field_body", length=len(report.body))
    pieces: list[str] = []
    if len(head) + len(report.body) + len(body_head) < TEXT_ROOM:
        card = f"{head}\n{body_head}\n{_escape(report.body)}"
    else:
        pieces = [_escape(piece) for piece in split_text(report.body)]
        card = head + "\n" + text(context, "report.field_body_above", length=len(report.body))
    if is_own(context.actor, report):
        return pieces, card + "\n\n" + text(context, "review.own_report"), None
    return pieces, card, card_keyboard(context, report)


def _escape(value: str) -> str:
    return html.escape(value, quote=False)


def card_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup | None:
    codec = context.services.codec
    buttons = [
        InlineKeyboardButton(
            text(context, f"review.move_{to}"),
            callback_data=codec.encode(
                ReviewMove(report_id=report.id, to=to, expected=report.status)
            ),
        )
        for to in review_moves(report.status)
    ]
    if report.status is _S.ADOPTED:
        buttons.append(InlineKeyboardButton(
            text(context, "review.button_comment"),
            callback_data=codec.encode(ReviewStep(report_id=report.id, action="comment")),
        ))
    return InlineKeyboardMarkup(button_rows(buttons, 2)) if buttons else None


async def _send_attachments(update: Update, context: Context, report: Report) -> None:
    """The report's photos and documents, sent as the files (by their Telegram file_id)."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    count = len(report.attachments)
    for attachment in report.attachments:
        caption = text(context, "review.attachment_caption", number=report.number or "",
                       index=attachment.position, count=count)
        try:
            if attachment.kind is AttachmentKind.PHOTO:
                await context.bot.send_photo(chat_id, attachment.file_id, caption=caption)
            else:
                await context.bot.send_document(chat_id, attachment.file_id, caption=caption)
        except BadRequest as exc:  # a file Telegram no longer has
            log.warning("attachment %s of report %s: %s", attachment.position, report.id, exc)
            await reply(update, context, "review.attachment_missing", index=attachment.position)


async def report_opened(update: Update, context: Context, data: ReviewOpen) -> None:
    """A report picked from the queue or a search: its files, then the card with the moves."""
    if not await reviewer(update, context):
        return
    service = context.services.reports
    try:
        await service.get_for_review(context.actor, data.report_id)
        history = await service.history(data.report_id, context.actor)
    except Refused as refused:
        await refuse(update, context, refused)
        return
    await answer(update)
    await _send_attachments(update, context, history.report)
    pieces, card, markup = _card(context, history, service.clock())
    for piece in pieces:
        await send(update, context, piece)
    await send(update, context, card, markup)


async def _refresh_card(
    context: Context, chat_id: int, message_id: int, report_id: int
) -> None:
    """Show the report's new status (and buttons) on a card sent earlier."""
    service = context.services.reports
    history = await service.history(report_id, context.actor)
    _, card, markup = _card(context, history, service.clock())
    try:
        await context.bot.edit_message_text(card, chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:  # unchanged, deleted, or too old to edit: the move stands
        log.info("card of report %s not updated: %s", report_id, exc.message)


async def refresh_pressed_card(update: Update, context: Context, report_id: int) -> None:
    """Show the report as it is now on the card whose button was pressed (a stale button:
    someone else moved it first, or this person did already)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await _refresh_card(context, query.message.chat.id, query.message.message_id, report_id)


def done_already(context: Context, report: Report) -> str:
    """The popup for a move this person made already (plain text)."""
    return label(context, "review.done_already", number=report.number or "",
                 status=report_status_detail(context, report))


# -- moves ------------------------------------------------------------------------------------
def _notify_ids(report: Report) -> tuple[int, ...]:
    ids = [report.author_telegram_id, *(c.telegram_user_id for c in report.coauthors)]
    return tuple(dict.fromkeys(i for i in ids if i is not None))


async def repeat_of_own_move(
    context: Context, report_id: int, to: ReportStatus, expected: ReportStatus
) -> MoveResult | None:
    """The move this person already made, when a press or note comes again (say, delivered
    again after a restart): the author is then told, if that had not happened yet."""
    try:
        history = await context.services.reports.history(report_id, context.actor)
    except Refused:
        return None
    last = history.moves[-1] if history.moves else None
    report = history.report
    if (
        last is None
        or report.status is not to
        or last.to_status is not to
        or last.from_status is not expected
        or last.actor_tg_id != context.actor.telegram_user_id
    ):
        return None
    return MoveResult(report, last, _notify_ids(report))


async def make_move(
    update: Update,
    context: Context,
    report_id: int,
    to: ReportStatus,
    expected: ReportStatus,
    *,
    note: str | None = None,
    level: str | None = None,
    forwarded_to: str | None = None,
    card: int | None = None,
) -> None:
    """Make the move, tell the author, then confirm to the staff member."""
    try:
        result = await context.services.reports.move(
            report_id, context.actor, to, expected_status=expected, note=note, level=level,
            forwarded_to=forwarded_to,
        )
    except Refused as refused:
        repeated = None
        if refused.reason is Refusal.ALREADY_HANDLED:
            repeated = await repeat_of_own_move(context, report_id, to, expected)
        if repeated is not None:
            result = repeated
        else:
            if refused.reason not in (Refusal.NOTE_TOO_LONG, Refusal.FORWARDED_TO_TOO_LONG,
                                      Refusal.NOTE_REQUIRED, Refusal.FORWARDED_TO_REQUIRED):
                await _end_review(update, context)
            await refuse(update, context, refused)
            chat = update.effective_chat
            if refused.reason is Refusal.ALREADY_HANDLED and chat is not None and card:
                await _refresh_card(context, chat.id, card, report_id)  # show what it is now
            return
    if update.callback_query is not None and to in ONE_PRESS:
        await answer(update)  # at once: the pushes below may wait behind bulk ones
    await notify_move(context, result)
    await _end_review(update, context)
    report = result.report
    done = text(context, "review.moved", number=report.number or "",
                status=report_status_detail(context, report),
                people=len(result.notify_telegram_ids))
    chat = update.effective_chat
    if chat is not None and card is not None:
        await _refresh_card(context, chat.id, card, report_id)
    await send(update, context, done, _undo_keyboard(context, result))


def _undo_keyboard(context: Context, result: MoveResult) -> InlineKeyboardMarkup | None:
    """↩️ 撤销这一步 under a move's confirmation, while [reports] undo_minutes allow it."""
    minutes = context.services.config.reports.undo_minutes
    if not minutes or result.move.undoes is not None:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        text(context, "review.button_undo"),
        callback_data=context.services.codec.encode(
            ReviewUndo(report_id=result.report.id, move_id=result.move.id)
        ),
    )]])


async def undo_chosen(update: Update, context: Context, data: ReviewUndo) -> None:
    """↩️ 撤销这一步: the move is undone, the author told of the correction, the card shown."""
    if not await reviewer(update, context):
        return
    minutes = context.services.config.reports.undo_minutes
    try:
        result = await context.services.reports.undo_move(
            data.report_id, context.actor, data.move_id, within=timedelta(minutes=minutes)
        )
    except Refused as refused:
        await refuse(update, context, refused)
        return
    await answer(update)
    await edit_pressed_markup(update, None)
    await notify_move(context, result)
    report = result.report
    await send(
        update, context,
        text(context, "review.undone", number=report.number or "",
             status=report_status_detail(context, report),
             people=len(result.notify_telegram_ids)),
        card_keyboard(context, report),
    )


async def _end_review(update: Update, context: Context) -> None:
    assert update.effective_user is not None and update.effective_chat is not None
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    if conversation is not None and conversation.kind == REVIEW_KIND:
        await end_conversation(update, context)
