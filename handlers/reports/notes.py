"""The step after a move button: the level, note or addressee a move needs; leader comments.

A move that needs more than a press asks for it in a guided conversation (kind "review"), then
is made by handlers.reports.review; a leader's comment on an adopted report is asked for the
same way (who, then what).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.auth import Refused
from bot.reports.review import MAX_LEADER
from bot.reports.workflow import Refusal
from domain.models import Conversation, Report, ReportStatus
from handlers.reports.access import is_own, reviewer
from handlers.reports.buttons import ReviewLevel, ReviewMove, ReviewStep
from handlers.reports.flows import REVIEW_KIND, NoteStep, ReviewNoteFlow, save_flow
from handlers.reports.render import (
    answer,
    level_label,
    levels_of,
    notify_comment,
    notify_move,
    refuse,
    send,
    status_label,
)
from handlers.reports.review import (
    ONE_PRESS,
    card_keyboard,
    done_already,
    make_move,
    refresh_pressed_card,
    repeat_of_own_move,
)
from handlers.shared.common import (
    current_conversation,
    edit_pressed_markup,
    end_conversation,
    flow_data,
    popup,
    reply,
    text,
)
from handlers.shared.context import Context

_S = ReportStatus


async def move_chosen(update: Update, context: Context, data: ReviewMove) -> None:
    """A move button on a card: made at once, or after asking for a level, note or addressee."""
    if not await reviewer(update, context):
        return
    try:
        report = await context.services.reports.check_move(
            data.report_id, context.actor, data.to, expected_status=data.expected
        )
    except Refused as refused:
        repeated = None
        if refused.reason is Refusal.ALREADY_HANDLED:
            repeated = await repeat_of_own_move(
                context, data.report_id, data.to, data.expected
            )
        if repeated is not None:  # their own button again: say so, and tell the author once
            await answer(update, done_already(context, repeated.report))
            await notify_move(context, repeated)
        else:
            await refuse(update, context, refused)
        if refused.reason is Refusal.ALREADY_HANDLED:
            await refresh_pressed_card(update, context, data.report_id)
        return
    query = update.callback_query
    card = query.message.message_id if query is not None and query.message else None
    if data.to in ONE_PRESS:
        await make_move(update, context, data.report_id, data.to, data.expected, card=card)
        return
    await answer(update)
    if data.to is _S.ADOPTED:
        await edit_pressed_markup(update, _level_keyboard(context, report))
        return
    step = NoteStep.FORWARDED_TO if data.to is _S.FORWARDED else NoteStep.NOTE
    await _ask(update, context, report, step, to=data.to, card=card)


async def level_chosen(update: Update, context: Context, data: ReviewLevel) -> None:
    """The level of an adoption: then an optional note."""
    if not await reviewer(update, context):
        return
    try:
        report = await context.services.reports.check_move(
            data.report_id, context.actor, _S.ADOPTED, expected_status=data.expected
        )
    except Refused as refused:
        await refuse(update, context, refused)
        if refused.reason is Refusal.ALREADY_HANDLED:
            await refresh_pressed_card(update, context, data.report_id)
        return
    await answer(update)
    await edit_pressed_markup(update, card_keyboard(context, report))
    query = update.callback_query
    card = query.message.message_id if query is not None and query.message else None
    await _ask(update, context, report, NoteStep.NOTE, to=_S.ADOPTED, level=data.level, card=card)


def _level_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup:
    codec = context.services.codec
    levels = [
        InlineKeyboardButton(
            level.name(context.lang),
            callback_data=codec.encode(
                ReviewLevel(report_id=report.id, level=level.code, expected=report.status)
            ),
        )
        for level in levels_of(context)
    ]
    back = InlineKeyboardButton(
        text(context, "review.button_back"),
        callback_data=codec.encode(ReviewStep(report_id=report.id, action="card")),
    )
    return InlineKeyboardMarkup([levels, [back]])


async def _ask(
    update: Update,
    context: Context,
    report: Report,
    step: NoteStep,
    *,
    to: ReportStatus | None = None,
    level: str | None = None,
    card: int | None = None,
    leader: str | None = None,
) -> None:
    """Open the review conversation at `step` and ask for its text."""
    flow = ReviewNoteFlow(
        report_id=report.id, expected=report.status, to=to, level=level, card=card, leader=leader
    )
    await save_flow(update, context, step, flow)
    codec = context.services.codec
    cancel = InlineKeyboardButton(
        text(context, "review.button_cancel"),
        callback_data=codec.encode(ReviewStep(report_id=report.id, action="cancel")),
    )
    buttons = [cancel]
    number = report.number or ""
    if step is NoteStep.NOTE and flow.to is _S.ADOPTED:
        assert flow.level is not None  # chosen before the note is asked for
        prompt = text(context, "review.ask_note_adopted", number=number,
                      level=level_label(context, flow.level))
        buttons.insert(0, InlineKeyboardButton(
            text(context, "review.button_no_note"),
            callback_data=codec.encode(ReviewStep(report_id=report.id, action="no_note")),
        ))
    elif step is NoteStep.NOTE:
        assert flow.to is not None  # a note goes with a move
        prompt = text(context, "review.ask_note", number=number,
                      status=status_label(context.lang, flow.to))
    elif step is NoteStep.FORWARDED_TO:
        prompt = text(context, "review.ask_forwarded_to", number=number)
    elif step is NoteStep.LEADER:
        prompt = text(context, "review.ask_leader", number=number)
    else:
        prompt = text(context, "review.ask_comment", number=number, leader=flow.leader)
    await send(update, context, prompt, InlineKeyboardMarkup([buttons]))


async def step_chosen(update: Update, context: Context, data: ReviewStep) -> None:
    """Leader comment, no note, cancel, or back to the card's buttons."""
    if not await reviewer(update, context):
        return
    service = context.services.reports
    if data.action == "cancel":
        open_step = await current_conversation(
            update, context, REVIEW_KIND, report_id=data.report_id
        )
        await edit_pressed_markup(update, None)
        if open_step is None:  # the note was sent already, or another step began
            await popup(update, context, "review.step_gone")
            return
        await answer(update)
        await end_conversation(update, context)
        await reply(update, context, "review.step_cancelled")
        return
    try:
        report = await service.get_for_review(context.actor, data.report_id)
    except Refused as refused:
        await refuse(update, context, refused)
        return
    if data.action == "card":
        await answer(update)
        await edit_pressed_markup(update, None if is_own(context.actor, report)
                          else card_keyboard(context, report))
        return
    if data.action == "comment":
        if is_own(context.actor, report):
            await refuse(update, context, Refused(Refusal.OWN_REPORT))
            return
        if report.status is not _S.ADOPTED:
            await refuse(update, context, Refused(Refusal.NOT_ADOPTED, status=report.status))
            return
        await answer(update)
        await _ask(update, context, report, NoteStep.LEADER)
        return
    # no_note: adopt without a note, at the level chosen before
    conversation = await current_conversation(
        update, context, REVIEW_KIND, report_id=data.report_id
    )
    if conversation is None or conversation.step != NoteStep.NOTE:
        await popup(update, context, "review.step_gone")
        return
    await answer(update)
    await edit_pressed_markup(update, None)
    await _move_from(update, context, flow_data(conversation, ReviewNoteFlow), note=None)


async def _move_from(
    update: Update, context: Context, flow: ReviewNoteFlow, *, note: str | None = None,
    forwarded_to: str | None = None,
) -> None:
    """Make the move the note or addressee was asked for."""
    if flow.to is None:  # not a move's step: nothing to make
        await end_conversation(update, context)
        await reply(update, context, "common.not_understood")
        return
    await make_move(
        update, context, flow.report_id, flow.to, flow.expected, note=note, level=flow.level,
        forwarded_to=forwarded_to, card=flow.card,
    )


async def on_step(update: Update, context: Context, conversation: Conversation) -> None:
    """A private message while a note, addressee or leader comment is asked for."""
    if not await reviewer(update, context):
        await end_conversation(update, context)
        return
    message = update.effective_message
    words = message.text if message is not None else None
    if words is None:
        await reply(update, context, "review.need_text")
        return
    try:
        step = NoteStep(conversation.step)
        flow = flow_data(conversation, ReviewNoteFlow)
    except ValueError:  # a step or data this version does not know (pydantic's errors too)
        await end_conversation(update, context)
        await reply(update, context, "common.not_understood")
        return
    report_id = flow.report_id
    if step is NoteStep.NOTE:
        await _move_from(update, context, flow, note=words)
    elif step is NoteStep.FORWARDED_TO:
        await _move_from(update, context, flow, forwarded_to=words)
    elif step is NoteStep.LEADER:
        leader = " ".join(words.split())
        try:
            if not leader or len(leader) > MAX_LEADER:
                reason = Refusal.LEADER_REQUIRED if not leader else Refusal.LEADER_TOO_LONG
                raise Refused(reason, length=len(leader), limit=MAX_LEADER)
            report = await context.services.reports.get_for_review(context.actor, report_id)
        except Refused as refused:
            await refuse(update, context, refused)
            return
        await _ask(update, context, report, NoteStep.COMMENT, leader=leader)
    else:
        await _comment(update, context, report_id, flow.leader or "", words)


async def _comment(
    update: Update, context: Context, report_id: int, leader: str, words: str
) -> None:
    try:
        result = await context.services.reports.add_leader_comment(
            report_id, context.actor, leader, words
        )
    except Refused as refused:
        if refused.reason not in (Refusal.COMMENT_EMPTY, Refusal.COMMENT_TOO_LONG):
            await end_conversation(update, context)
        await refuse(update, context, refused)
        return
    await notify_comment(context, result)
    await end_conversation(update, context)
    await reply(update, context, "review.comment_saved", number=result.report.number or "",
                leader=result.comment.leader)
