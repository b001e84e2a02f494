"""Public-opinion reports (社情民意信息), shared by the writing and the review handlers:
labels, refusal texts, history lines, long-text splitting, the writing conversation's button
and the pushes to authors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden

from bot.core.auth import Refused
from bot.core.config import LevelConfig, level_name
from bot.core.texts import language_for, tr
from bot.core.when import moment_text
from bot.reports.review import CommentResult, MoveResult
from bot.reports.wording import status_detail, status_label
from domain.models import (
    LeaderComment,
    Report,
    ReportCategory,
    ReportHistory,
    ReportMove,
    ReportStatus,
)
from handlers.reports.buttons import ReportAction, ReportChoice
from handlers.shared.common import text
from handlers.shared.context import Context

log = logging.getLogger(__name__)

# Room left in a 4096-character message for what surrounds a long text.
TEXT_ROOM = 3500
MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


# -- labels -----------------------------------------------------------------------------------
def category_label(language: str, category: ReportCategory | None) -> str:
    if category is None:
        return tr(language, "report.not_yet")
    return tr(language, f"report_category.{category}")


def levels_of(context: Context) -> list[LevelConfig]:
    """The adoption levels, from the committee's config: the only source of their names."""
    return context.services.config.duty_record.levels


def level_label(context: Context, code: str) -> str:
    return level_name(levels_of(context), code, context.lang)


def report_status_detail(context: Context, report: Report, *, member: bool = False) -> str:
    return status_detail(context.lang, levels_of(context), report.status, report.level,
                         report.forwarded_to, member=member)


def refusal_text(language: str, refused: Refused) -> str:
    """What to tell the person whose report operation was refused."""
    found = refused.status
    status = status_label(language, ReportStatus(found)) if found is not None else ""
    return tr(
        language, f"report_refusal.{refused.reason}",
        status=status, length=refused.length or 0, limit=refused.limit or 0,
    )


def local_time(language: str, moment: datetime, zone: tzinfo, today: date) -> str:
    """A moment as people read it: 12月3日（周四）14:00 (the year only when not `today`'s)."""
    return moment_text(language, moment, zone, today=today)


def age_text(language: str, since: datetime, now: datetime) -> str:
    """How long ago, roughly: 5 分钟, 3 小时, 2 天."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds >= DAY:
        return tr(language, "report.age_days", count=seconds // DAY)
    if seconds >= HOUR:
        return tr(language, "report.age_hours", count=seconds // HOUR)
    return tr(language, "report.age_minutes", count=max(1, seconds // MINUTE))


def short(text: str, limit: int) -> str:
    """One line of at most `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def title_of(language: str, report: Report) -> str:
    return report.title or tr(language, "report.untitled")


# -- history ----------------------------------------------------------------------------------
def move_line(
    language: str, levels: Sequence[LevelConfig], move: ReportMove, zone: tzinfo, today: date,
    *, with_actor: bool, note_limit: int = 0,
) -> str:
    """One move: when, to what (by whom), and its note (cut to `note_limit` if given).
    Without the actor it is the author's view, in the author's words."""
    values: dict[str, object] = {
        "date": local_time(language, move.at, zone, today),
        "status": status_detail(language, levels, move.to_status, move.level,
                                move.forwarded_to, member=not with_actor),
    }
    if move.to_status is ReportStatus.SUBMITTED and move.from_status is ReportStatus.RETURNED:
        values["status"] = tr(language, "report.resubmitted_label", version=move.version)
    key = "report.history_undo" if move.undoes is not None else "report.history_move"
    if with_actor and move.actor_name:
        key += "_by"
        values["actor"] = move.actor_name
    if move.note:
        key += "_note"
        values["note"] = short(move.note, note_limit) if note_limit else move.note
    return tr(language, key, **values)


def comment_line(
    language: str, comment: LeaderComment, zone: tzinfo, today: date, *, note_limit: int = 0
) -> str:
    words = short(comment.text, note_limit) if note_limit else comment.text
    return tr(language, "report.history_comment",
              date=local_time(language, comment.at, zone, today), leader=comment.leader,
              text=words)


def history_lines(
    language: str, levels: Sequence[LevelConfig], history: ReportHistory, zone: tzinfo,
    today: date, *, with_actor: bool, note_limit: int = 0,
) -> list[str]:
    """Every move and leader comment of a report, oldest first, one line each."""
    dated: list[tuple[datetime, str]] = [
        (m.at, move_line(language, levels, m, zone, today, with_actor=with_actor,
                         note_limit=note_limit))
        for m in history.moves
    ]
    dated += [
        (c.at, comment_line(language, c, zone, today, note_limit=note_limit))
        for c in history.comments
    ]
    return [line for _, line in sorted(dated, key=lambda item: item[0])]


def last_note(history: ReportHistory) -> str | None:
    return history.moves[-1].note if history.moves else None


# -- sending ----------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"[。！？；!?;…](?:[”’」』）)\"']*)|\.(?=\s)")


def _cut_at(text: str, limit: int) -> int:
    """Where to end a piece of `text` of at most `limit` characters: after the last paragraph
    end in its second half, else after the last sentence end, else the last line end, else
    at the limit."""
    window = text[:limit]
    line_end = window.rfind("\n")
    if line_end > limit // 2:
        return line_end
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if sentence_ends and sentence_ends[-1] > max(line_end, 0):
        return sentence_ends[-1]
    return line_end if line_end > 0 else limit


def split_text(text: str, limit: int = TEXT_ROOM) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at paragraph (line) ends, else at
    sentence ends, so a long report is never shown split mid-sentence where it can be helped."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_at(rest, limit)
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


async def send(
    update: Update,
    context: Context,
    text_html: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send `text_html` (already HTML) into the chat of the update."""
    chat = update.effective_chat
    if chat is None:
        return None
    try:
        return await context.bot.send_message(chat.id, text_html, reply_markup=markup)
    except Forbidden as exc:
        log.info("cannot send to chat %s: %s", chat.id, exc)
        return None


async def answer(update: Update, text_plain: str | None = None) -> None:
    """Answer the button press (a popup when there is something to say)."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text_plain, show_alert=text_plain is not None)
    except BadRequest as exc:  # too old or already answered (a redelivered press)
        log.info("callback answer failed: %s", exc)


async def refuse(update: Update, context: Context, refused: Refused) -> None:
    """Tell the person why: a popup for a button press, else a message."""
    message = refusal_text(context.lang, refused)
    if update.callback_query is not None:
        await answer(update, message)
    else:
        await send(update, context, message)


def choice_button(
    context: Context, key: str, report_id: int, action: ReportAction
) -> InlineKeyboardButton:
    """A button of the writing conversation: do `action` to report `report_id`."""
    return InlineKeyboardButton(
        text(context, key),
        callback_data=context.services.codec.encode(
            ReportChoice(report_id=report_id, action=action)
        ),
    )


# -- pushes to authors and co-authors ---------------------------------------------------------
async def recipient_language(context: Context, telegram_user_id: int) -> str:
    """The language a person chose with /lang, else Chinese (their client is not known here)."""
    return language_for(None, await context.services.settings.language(telegram_user_id))


async def push_to(
    context: Context,
    key: str,
    telegram_ids: Iterable[int],
    render: Callable[[str, int], tuple[str, InlineKeyboardMarkup | None]],
) -> None:
    """Push `render(language, telegram_id)` to each person once for `key`."""
    for telegram_id in telegram_ids:
        language = await recipient_language(context, telegram_id)
        text_html, markup = render(language, telegram_id)
        await context.services.sender.push(key, telegram_id, text_html, reply_markup=markup)


def move_notice(language: str, levels: Sequence[LevelConfig], report: Report,
                move: ReportMove) -> str:
    """The author's notice of `move`, which left `report` as it is: its status reads with
    the report's level and addressee (an adoption stands when it is forwarded on)."""
    notice = "report.notice_undo" if move.undoes is not None else "report.notice_move"
    lines = [
        tr(language, notice, title=title_of(language, report),
           number=report.number or "",
           status=status_detail(language, levels, move.to_status, report.level,
                                report.forwarded_to, member=True))
    ]
    if move.note:
        lines.append(tr(language, "report.notice_note", note=move.note))
    if move.to_status is ReportStatus.RETURNED and move.undoes is None:
        lines.append(tr(language, "report.notice_returned_hint"))
    return "\n".join(lines)


async def notify_move(context: Context, result: MoveResult) -> None:
    """Tell the author (and co-authors) of a status change, each in their language, once."""
    report, move = result.report, result.move
    codec = context.services.codec

    def render(language: str, telegram_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
        markup = None
        if (
            move.to_status is ReportStatus.RETURNED
            and move.undoes is None
            and telegram_id == report.author_telegram_id
        ):
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                tr(language, "report.button_rework"),
                callback_data=codec.encode(ReportChoice(report_id=report.id, action="resume")),
            )]])
        return move_notice(language, levels_of(context), report, move), markup

    await push_to(
        context, f"report:{report.id}:move:{move.id}", result.notify_telegram_ids, render
    )


async def notify_comment(context: Context, result: CommentResult) -> None:
    """Tell the author (and co-authors) of a leader's comment, once."""
    report, comment = result.report, result.comment

    def render(language: str, _telegram_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
        return tr(language, "report.notice_comment", title=title_of(language, report),
                  number=report.number or "", leader=comment.leader, text=comment.text), None

    await push_to(
        context, f"report:{report.id}:comment:{comment.id}", result.notify_telegram_ids, render
    )
