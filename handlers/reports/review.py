"""/review, /export reports and the daily stale-review nudge: staff work through the reports.

The queue comes oldest first with counts per status; a report is shown with its files and a
button for each move the status machine allows (bot.reports: review_moves). A move that needs a
note, a level or an addressee asks for it (conversation kind "review"). Each button carries
the status the staff member saw, so of two people pressing at once the first wins and the
second is told. Authors hear of every change through the sender, once per move.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest

from bot.core.auth import Action, Actor, Refused
from bot.core.texts import LANGUAGES, tr
from bot.exports.spreadsheet import ExportFormat
from bot.reports.export import RegisterFilter
from bot.reports.review import MAX_LEADER, MoveResult
from bot.reports.workflow import Refusal, review_moves
from handlers.reports.buttons import ReviewLevel, ReviewList, ReviewMove, ReviewOpen, ReviewStep
from handlers.reports.render import (
    TEXT_ROOM,
    age_text,
    answer,
    category_label,
    history_lines,
    level_label,
    local_time,
    notify_comment,
    notify_move,
    recipient_language,
    refuse,
    report_status_detail,
    send,
    short,
    split_text,
    status_label,
    title_of,
)
from handlers.shared.common import (
    button_rows,
    current_conversation,
    edit_pressed_markup,
    edit_pressed_message,
    end_conversation,
    is_private,
    open_conversation,
    popup,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context, LiaisonApplication
from storage.models import (
    AdoptionLevel,
    AttachmentKind,
    Conversation,
    Report,
    ReportCategory,
    ReportHistory,
    ReportStatus,
)

log = logging.getLogger(__name__)

KIND = "review"
PAGE = 8
_SEARCH_LIMIT = 20
_NUDGE_LINES = 30
# Notes and comments on a card are cut to this length, so the card fits one message.
_CARD_NOTE = 200
_S = ReportStatus
# Moves made with one press; the others ask for a note, a level or an addressee first.
_ONE_PRESS = frozenset({_S.ACCEPTED, _S.KEPT})
_NUMBER = re.compile(r"^(\d{4})-(\d{1,5})$")
_DAYS = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:~|至|到|\.\.|—)\s*(\d{4}-\d{1,2}-\d{1,2}))?$"
)


class Step(StrEnum):
    NOTE = "note"
    FORWARDED_TO = "forwarded_to"
    LEADER = "leader"
    COMMENT = "comment"


# -- who may review ---------------------------------------------------------------------------
async def _reviewer(update: Update, context: Context) -> bool:
    """Staff (REVIEW_REPORTS); everyone else is told no."""
    if not await require_bound(update, context):
        return False
    if context.actor.can(Action.REVIEW_REPORTS):
        return True
    if update.callback_query is not None:
        await popup(update, context, "auth.staff_only")
    else:
        await reply(update, context, "auth.staff_only")
    return False


def _own(actor: Actor, report: Report) -> bool:
    return actor.member is not None and report.involves(actor.member.id)


# -- the queue and search ---------------------------------------------------------------------
def _report_button(context: Context, report: Report, now: datetime) -> InlineKeyboardButton:
    label = text(
        context, "review.list_item", number=report.number or "",
        title=short(title_of(context.lang, report), 14), author=report.author_name,
        age=age_text(context.lang, report.status_at, now),
    )
    return InlineKeyboardButton(
        label, callback_data=context.services.codec.encode(ReviewOpen(report_id=report.id))
    )


async def _queue_view(
    context: Context, status: ReportStatus | None, offset: int
) -> tuple[str, InlineKeyboardMarkup]:
    queue = await context.services.reports.queue(
        context.actor, status=status, limit=PAGE, offset=offset
    )
    if not queue.reports and queue.total and offset:
        # past the end (the queue shrank since the page button was shown): the last page
        offset = (queue.total - 1) // PAGE * PAGE
        queue = await context.services.reports.queue(
            context.actor, status=status, limit=PAGE, offset=offset
        )
    counts = {str(s): n for s, n in queue.counts.items()}
    if status is None:
        lines = [text(context, "review.queue_heading", count=queue.total)]
    else:
        lines = [text(context, "review.status_heading", status=status_label(context.lang, status),
                      count=queue.total)]
    lines.append(text(context, "review.counts_open", **counts))
    lines.append(text(context, "review.counts_closed", **counts))
    lines.append(text(context, "review.queue_pick" if queue.reports else "review.queue_empty"))
    lines.append(text(context, "review.search_hint"))
    now = context.services.reports.clock()
    codec = context.services.codec
    keyboard = [[_report_button(context, r, now)] for r in queue.reports]
    paging = []
    if offset > 0:
        paging.append(InlineKeyboardButton(
            text(context, "review.button_previous"),
            callback_data=codec.encode(ReviewList(status=status, offset=max(0, offset - PAGE))),
        ))
    if offset + PAGE < queue.total:
        paging.append(InlineKeyboardButton(
            text(context, "review.button_next"),
            callback_data=codec.encode(ReviewList(status=status, offset=offset + PAGE)),
        ))
    if paging:
        keyboard.append(paging)
    filters = [
        InlineKeyboardButton(
            text(context, "review.button_status", status=status_label(context.lang, s),
                 count=queue.counts.get(s, 0)),
            callback_data=codec.encode(ReviewList(status=s, offset=0)),
        )
        for s in ReportStatus
        if s is not _S.DRAFT and s is not status
    ]
    keyboard += button_rows(filters, 3)
    if status is not None:
        keyboard.append([InlineKeyboardButton(
            text(context, "review.button_queue"),
            callback_data=codec.encode(ReviewList(status=None, offset=0)),
        )])
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


async def review(update: Update, context: Context) -> None:
    """/review [number | name | group | category | status | date]: the queue, or a search."""
    if not is_private(update):
        await reply(update, context, "report.private_only")
        return
    if not await _reviewer(update, context):
        return
    words = " ".join(context.args or []).strip()[:60]
    if not words:
        view, markup = await _queue_view(context, None, 0)
        await send(update, context, view, markup)
        return
    found = await context.services.reports.search(
        context.actor, **await _search_terms(context, words), limit=_SEARCH_LIMIT
    )
    if not found:
        await reply(update, context, "review.search_none", query=words)
        return
    now = context.services.reports.clock()
    await send(
        update, context,
        text(context, "review.search_heading", query=words, count=len(found)),
        InlineKeyboardMarkup([[_report_button(context, r, now)] for r in found]),
    )


def _labels(prefix: str, values: list[str]) -> dict[str, str]:
    """Every language's label (and the value itself), lower-cased → value."""
    found: dict[str, str] = {}
    for value in values:
        found[value.lower()] = value
        for language in LANGUAGES:
            found[tr(language, f"{prefix}.{value}").lower()] = value
    return found


def _day(text_value: str) -> date | None:
    try:
        return datetime.strptime(text_value, "%Y-%m-%d").date()  # noqa: DTZ007 (a day)
    except ValueError:
        return None


async def _search_terms(context: Context, words: str) -> dict[str, Any]:
    """What `/review WORDS` asks for: a number, days, a status, a category, a group, a name."""
    number = _NUMBER.match(words)
    if number:
        return {"number": f"{number.group(1)}-{int(number.group(2)):04d}"}
    days = _DAYS.match(words)
    if days:
        first = _day(days.group(1))
        last = _day(days.group(2)) if days.group(2) else first
        if first is not None and last is not None:
            return {"date_from": min(first, last), "date_to": max(first, last)}
    statuses = _labels("report_status", [s.value for s in ReportStatus if s is not _S.DRAFT])
    if words.lower() in statuses:
        return {"status": ReportStatus(statuses[words.lower()])}
    categories = _labels("report_category", [c.value for c in ReportCategory])
    if words.lower() in categories:
        return {"category": ReportCategory(categories[words.lower()])}
    for group in await context.services.members.list_groups():
        if group.name == words:
            return {"group_id": group.id}
    return {"author_name": words}


async def list_chosen(update: Update, context: Context, data: ReviewList) -> None:
    """A status filter or page button under the queue."""
    if not await _reviewer(update, context):
        return
    view, markup = await _queue_view(context, data.status, max(0, data.offset))
    await answer(update)
    await edit_pressed_message(update, view, markup)


# -- one report -------------------------------------------------------------------------------
def _card(
    context: Context, history: ReportHistory, now: datetime
) -> tuple[list[str], str, InlineKeyboardMarkup | None]:
    """A report for staff: long text pieces (if any), the card, and its buttons."""
    report = history.report
    zone = context.services.config.zone
    lines = [
        text(context, "review.card_heading", number=report.number or "",
             status=report_status_detail(context.lang, report)),
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
                          time=local_time(report.submitted_at, zone),
                          age=age_text(context.lang, report.submitted_at, now),
                          version=report.version))
    lines.append(text(context, "report.field_files", count=len(report.attachments)))
    history_text = history_lines(
        context.lang, history, zone, with_actor=True, note_limit=_CARD_NOTE
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
    if _own(context.actor, report):
        return pieces, card + "\n\n" + text(context, "review.own_report"), None
    return pieces, card, _card_keyboard(context, report)


def _escape(value: str) -> str:
    return html.escape(value, quote=False)


def _card_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup | None:
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


def _level_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup:
    codec = context.services.codec
    levels = [
        InlineKeyboardButton(
            level_label(context.lang, level),
            callback_data=codec.encode(
                ReviewLevel(report_id=report.id, level=level, expected=report.status)
            ),
        )
        for level in AdoptionLevel
    ]
    back = InlineKeyboardButton(
        text(context, "review.button_back"),
        callback_data=codec.encode(ReviewStep(report_id=report.id, action="card")),
    )
    return InlineKeyboardMarkup([levels, [back]])


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
    if not await _reviewer(update, context):
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


# -- moves ------------------------------------------------------------------------------------
def _notify_ids(report: Report) -> tuple[int, ...]:
    ids = [report.author_telegram_id, *(c.telegram_user_id for c in report.coauthors)]
    return tuple(dict.fromkeys(i for i in ids if i is not None))


async def _repeat_of_own_move(
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


async def move_chosen(update: Update, context: Context, data: ReviewMove) -> None:
    """A move button on a card: made at once, or after asking for a level, note or addressee."""
    if not await _reviewer(update, context):
        return
    try:
        report = await context.services.reports.check_move(
            data.report_id, context.actor, data.to, expected_status=data.expected
        )
    except Refused as refused:
        repeated = None
        if refused.reason is Refusal.ALREADY_HANDLED:
            repeated = await _repeat_of_own_move(
                context, data.report_id, data.to, data.expected
            )
        if repeated is not None:
            await notify_move(context, repeated)
            await answer(update)
            return
        await refuse(update, context, refused)
        return
    query = update.callback_query
    card = query.message.message_id if query is not None and query.message else None
    if data.to in _ONE_PRESS:
        await _move(update, context, data.report_id, data.to, data.expected, card=card)
        return
    await answer(update)
    if data.to is _S.ADOPTED:
        await edit_pressed_markup(update, _level_keyboard(context, report))
        return
    step = Step.FORWARDED_TO if data.to is _S.FORWARDED else Step.NOTE
    await _ask(update, context, report, step, {"to": str(data.to), "card": card})


async def level_chosen(update: Update, context: Context, data: ReviewLevel) -> None:
    """The level of an adoption: then an optional note."""
    if not await _reviewer(update, context):
        return
    try:
        report = await context.services.reports.check_move(
            data.report_id, context.actor, _S.ADOPTED, expected_status=data.expected
        )
    except Refused as refused:
        await refuse(update, context, refused)
        return
    await answer(update)
    await edit_pressed_markup(update, _card_keyboard(context, report))
    query = update.callback_query
    card = query.message.message_id if query is not None and query.message else None
    await _ask(update, context, report, Step.NOTE,
               {"to": str(_S.ADOPTED), "level": str(data.level), "card": card})


async def _ask(
    update: Update, context: Context, report: Report, step: Step, data: dict[str, object]
) -> None:
    """Open the review conversation at `step` and ask for its text."""
    await open_conversation(
        update, context, KIND, step,
        {"report_id": report.id, "expected": str(report.status), **data},
    )
    codec = context.services.codec
    cancel = InlineKeyboardButton(
        text(context, "review.button_cancel"),
        callback_data=codec.encode(ReviewStep(report_id=report.id, action="cancel")),
    )
    buttons = [cancel]
    number = report.number or ""
    if step is Step.NOTE and data.get("to") == _S.ADOPTED:
        level = AdoptionLevel(str(data["level"]))
        prompt = text(context, "review.ask_note_adopted", number=number,
                      level=level_label(context.lang, level))
        buttons.insert(0, InlineKeyboardButton(
            text(context, "review.button_no_note"),
            callback_data=codec.encode(ReviewStep(report_id=report.id, action="no_note")),
        ))
    elif step is Step.NOTE:
        prompt = text(context, "review.ask_note", number=number,
                      status=status_label(context.lang, ReportStatus(str(data["to"]))))
    elif step is Step.FORWARDED_TO:
        prompt = text(context, "review.ask_forwarded_to", number=number)
    elif step is Step.LEADER:
        prompt = text(context, "review.ask_leader", number=number)
    else:
        prompt = text(context, "review.ask_comment", number=number, leader=data.get("leader"))
    await send(update, context, prompt, InlineKeyboardMarkup([buttons]))


async def _move(
    update: Update,
    context: Context,
    report_id: int,
    to: ReportStatus,
    expected: ReportStatus,
    *,
    note: str | None = None,
    level: AdoptionLevel | None = None,
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
            repeated = await _repeat_of_own_move(context, report_id, to, expected)
        if repeated is not None:
            result = repeated
        else:
            if refused.reason not in (Refusal.NOTE_TOO_LONG, Refusal.FORWARDED_TO_TOO_LONG,
                                      Refusal.NOTE_REQUIRED, Refusal.FORWARDED_TO_REQUIRED):
                await _end_review(update, context)
            await refuse(update, context, refused)
            return
    if update.callback_query is not None and to in _ONE_PRESS:
        await answer(update)  # at once: the pushes below may wait behind bulk ones
    await notify_move(context, result)
    await _end_review(update, context)
    report = result.report
    done = text(context, "review.moved", number=report.number or "",
                status=report_status_detail(context.lang, report),
                people=len(result.notify_telegram_ids))
    chat = update.effective_chat
    if chat is not None and card is not None:
        await _refresh_card(context, chat.id, card, report_id)
    await send(update, context, done)


async def _end_review(update: Update, context: Context) -> None:
    assert update.effective_user is not None and update.effective_chat is not None
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    if conversation is not None and conversation.kind == KIND:
        await end_conversation(update, context)


async def step_chosen(update: Update, context: Context, data: ReviewStep) -> None:
    """Leader comment, no note, cancel, or back to the card's buttons."""
    if not await _reviewer(update, context):
        return
    service = context.services.reports
    if data.action == "cancel":
        open_step = await current_conversation(update, context, KIND, report_id=data.report_id)
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
        await edit_pressed_markup(update, None if _own(context.actor, report)
                          else _card_keyboard(context, report))
        return
    if data.action == "comment":
        if _own(context.actor, report):
            await refuse(update, context, Refused(Refusal.OWN_REPORT))
            return
        if report.status is not _S.ADOPTED:
            await refuse(update, context, Refused(Refusal.NOT_ADOPTED, status=report.status))
            return
        await answer(update)
        await _ask(update, context, report, Step.LEADER, {})
        return
    # no_note: adopt without a note, at the level chosen before
    conversation = await current_conversation(update, context, KIND, report_id=data.report_id)
    if conversation is None or conversation.step != Step.NOTE:
        await popup(update, context, "review.step_gone")
        return
    await answer(update)
    await edit_pressed_markup(update, None)
    await _move_from(update, context, conversation, note=None)


async def _move_from(
    update: Update, context: Context, conversation: Conversation, *, note: str | None = None,
    forwarded_to: str | None = None,
) -> None:
    data = conversation.data
    level = data.get("level")
    card = data.get("card")
    await _move(
        update, context, int(str(data["report_id"])), ReportStatus(str(data["to"])),
        ReportStatus(str(data["expected"])), note=note,
        level=AdoptionLevel(str(level)) if level else None, forwarded_to=forwarded_to,
        card=int(str(card)) if card else None,
    )


async def on_step(update: Update, context: Context, conversation: Conversation) -> None:
    """A private message while a note, addressee or leader comment is asked for."""
    if not await _reviewer(update, context):
        await end_conversation(update, context)
        return
    message = update.effective_message
    words = message.text if message is not None else None
    if words is None:
        await reply(update, context, "review.need_text")
        return
    try:
        step = Step(conversation.step)
        report_id = int(str(conversation.data["report_id"]))
    except (ValueError, KeyError):
        await end_conversation(update, context)
        await reply(update, context, "common.not_understood")
        return
    if step is Step.NOTE:
        await _move_from(update, context, conversation, note=words)
    elif step is Step.FORWARDED_TO:
        await _move_from(update, context, conversation, forwarded_to=words)
    elif step is Step.LEADER:
        leader = " ".join(words.split())
        try:
            if not leader or len(leader) > MAX_LEADER:
                reason = Refusal.LEADER_REQUIRED if not leader else Refusal.LEADER_TOO_LONG
                raise Refused(reason, length=len(leader), limit=MAX_LEADER)
            report = await context.services.reports.get_for_review(context.actor, report_id)
        except Refused as refused:
            await refuse(update, context, refused)
            return
        await _ask(update, context, report, Step.COMMENT, {"leader": leader})
    else:
        await _comment(update, context, report_id, str(conversation.data.get("leader", "")),
                       words)


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


# -- /export reports --------------------------------------------------------------------------
async def export_reports(update: Update, context: Context, args: list[str]) -> None:
    """/export reports [FROM [TO]] [STATUS]: the register as an .xlsx document."""
    if not is_private(update):
        await reply(update, context, "report.private_only")
        return
    if not await _reviewer(update, context):
        return
    days = [d for d in (_day(a) for a in args) if d is not None]
    statuses = _labels("report_status", [s.value for s in ReportStatus if s is not _S.DRAFT])
    chosen = [statuses[a.lower()] for a in args if a.lower() in statuses]
    if len(days) + len(chosen) != len(args) or len(days) > 2 or len(chosen) > 1:
        await reply(update, context, "review.export_usage")
        return
    filters = RegisterFilter(
        date_from=min(days) if days else None,
        date_to=max(days) if len(days) == 2 else None,
        status=ReportStatus(chosen[0]) if chosen else None,
    )
    today = datetime.now(context.services.config.zone).strftime("%Y%m%d")
    try:
        files = await context.services.report_export.export(
            context.actor, ExportFormat.XLSX, filters, language=context.lang,
            name=f"reports-{today}",
        )
    except Refused as refused:
        await refuse(update, context, refused)
        return
    assert update.effective_chat is not None
    for exported in files:
        await context.bot.send_document(
            update.effective_chat.id,
            InputFile(exported.content, filename=exported.name),
            caption=text(context, "review.export_caption"),
        )


# -- the daily nudge --------------------------------------------------------------------------
def _nudge_text(
    language: str, reports: list[Report], days: int, now: datetime
) -> str:
    lines = [tr(language, "review.nudge_heading", count=len(reports), days=days)]
    for report in reports[:_NUDGE_LINES]:
        lines.append(tr(language, "review.nudge_item", number=report.number or "",
                        title=short(title_of(language, report), 20), author=report.author_name,
                        age=age_text(language, report.status_at, now)))
    if len(reports) > _NUDGE_LINES:
        lines.append(tr(language, "review.nudge_more", count=len(reports) - _NUDGE_LINES))
    lines.append(tr(language, "review.nudge_footer"))
    return "\n".join(lines)


async def _reviewer_chats(context: Context) -> list[int]:
    """Telegram ids of everyone who reviews reports: bound staff, and the configured admins."""
    services = context.services
    admin_ids = set(services.config.admins.telegram_user_ids)
    chats = [
        member.telegram_user_id
        for member in await services.members.list_members()
        if member.telegram_user_id is not None
        and Actor.resolve(member.telegram_user_id, member, admin_ids).can(Action.REVIEW_REPORTS)
    ]
    return list(dict.fromkeys([*chats, *sorted(admin_ids)]))


async def nudge_stale_reports(context: Context) -> None:
    """Daily: reports submitted and untouched for N days, listed to staff once a day."""
    services = context.services
    config = services.config
    stale = await services.reports.stale_reports(config.reports.stale_days)
    if not stale:
        return
    now = services.reports.clock()
    key = f"report_nudge:{now.astimezone(config.zone).date().isoformat()}"
    for chat_id in await _reviewer_chats(context):
        language = await recipient_language(context, chat_id)
        message = _nudge_text(language, stale, config.reports.stale_days, now)
        await services.sender.push(key, chat_id, message)


def schedule_nudge(application: LiaisonApplication) -> None:
    """The daily nudge at [reports] nudge_time; also soon after start-up when today's time has
    passed (a bot that was down then still nudges once that day: the key is per day)."""
    jobs = application.job_queue
    if jobs is None:
        log.warning("no job queue: the daily nudge about waiting reports is off")
        return
    config = application.bot_data.config
    hour, minute = (int(part) for part in config.reports.nudge_time.split(":"))
    at = time(hour, minute, tzinfo=config.zone)
    jobs.run_daily(nudge_stale_reports, at, name="report_nudge")
    if datetime.now(config.zone).time() >= time(hour, minute):
        jobs.run_once(
            nudge_stale_reports, timedelta(seconds=1), name="report_nudge_catch_up",
            job_kwargs={"misfire_grace_time": None},
        )

