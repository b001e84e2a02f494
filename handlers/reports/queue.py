"""/review: the reports staff must act on, oldest first, page by page, or a search.

The queue comes with counts per status and a button per status to list those; /review WORDS
searches by number, days, status, category, group or author.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.texts import labels_lookup
from bot.core.timeparse import parse_day
from domain.models import Report, ReportCategory, ReportStatus
from handlers.reports.access import reviewer
from handlers.reports.buttons import ReviewList, ReviewOpen
from handlers.reports.render import (
    age_text,
    answer,
    send,
    short,
    status_label,
    title_of,
)
from handlers.shared.common import (
    button_rows,
    edit_pressed_message,
    is_private,
    label,
    reply,
    text,
)
from handlers.shared.context import Context

PAGE = 8
_SEARCH_LIMIT = 20
_S = ReportStatus
_NUMBER = re.compile(r"^(\d{4})-(\d{1,5})$")
_DAYS = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:~|至|到|\.\.|—)\s*(\d{4}-\d{1,2}-\d{1,2}))?$"
)


def _report_button(context: Context, report: Report, now: datetime) -> InlineKeyboardButton:
    shown = label(
        context, "review.list_item", number=report.number or "",
        title=short(title_of(context.lang, report), 14), author=report.author_name,
        age=age_text(context.lang, report.status_at, now),
    )
    return InlineKeyboardButton(
        shown, callback_data=context.services.codec.encode(ReviewOpen(report_id=report.id))
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
    if not await reviewer(update, context):
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


async def _search_terms(context: Context, words: str) -> dict[str, Any]:
    """What `/review WORDS` asks for: a number, days, a status, a category, a group, a name."""
    number = _NUMBER.match(words)
    if number:
        return {"number": f"{number.group(1)}-{int(number.group(2)):04d}"}
    days = _DAYS.match(words)
    if days:
        first = parse_day(days.group(1))
        last = parse_day(days.group(2)) if days.group(2) else first
        if first is not None and last is not None:
            return {"date_from": min(first, last), "date_to": max(first, last)}
    statuses = labels_lookup("report_status", [s.value for s in ReportStatus if s is not _S.DRAFT])
    if words.lower() in statuses:
        return {"status": ReportStatus(statuses[words.lower()])}
    categories = labels_lookup("report_category", [c.value for c in ReportCategory])
    if words.lower() in categories:
        return {"category": ReportCategory(categories[words.lower()])}
    for group in await context.services.members.list_groups():
        if group.name == words:
            return {"group_id": group.id}
    return {"author_name": words}


async def list_chosen(update: Update, context: Context, data: ReviewList) -> None:
    """A status filter or page button under the queue."""
    if not await reviewer(update, context):
        return
    view, markup = await _queue_view(context, data.status, max(0, data.offset))
    await answer(update)
    await edit_pressed_message(update, view, markup)
