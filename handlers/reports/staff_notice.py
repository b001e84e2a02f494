"""Telling the staff who review of new and resubmitted reports, through the one sender.

[reports] new_report_notice: "immediate" pushes one message per submission to every reviewer
(with a button to open it), "batched" one list every notice_every_minutes of the reports
submitted in the window before, "off" neither (the queue and the daily nudge remain). The
author and co-authors are not told of their own report, even when they are staff. Each push is
keyed per submission (or per window) and recipient, so nothing is sent twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.texts import tr
from bot.reports.writing import SubmitResult
from domain.models import Report
from handlers.reports.buttons import ReviewOpen
from handlers.reports.nudge import reviewer_chats
from handlers.reports.render import recipient_language, short, title_of
from handlers.shared.context import Context, LiaisonApplication

log = logging.getLogger(__name__)

_BATCH_LINES = 30


def _others(report: Report, chats: list[int]) -> list[int]:
    """Reviewers other than the report's author and co-authors."""
    own = {report.author_telegram_id, *(c.telegram_user_id for c in report.coauthors)}
    return [chat for chat in chats if chat not in own]


async def tell_staff_of_submission(context: Context, result: SubmitResult) -> None:
    """"immediate": one message per new or resubmitted report to each reviewer, once."""
    if context.services.config.reports.new_report_notice != "immediate":
        return
    report = result.report
    codec = context.services.codec
    key = f"report_new:{report.id}:{report.version}"
    for chat_id in _others(report, await reviewer_chats(context)):
        language = await recipient_language(context, chat_id)
        notice = "review.notice_resubmitted" if result.resubmitted else "review.notice_new"
        message = tr(language, notice, number=report.number or "",
                     title=title_of(language, report), author=report.author_name,
                     version=report.version)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(
            tr(language, "review.button_open"),
            callback_data=codec.encode(ReviewOpen(report_id=report.id)),
        )]])
        await context.services.sender.push(key, chat_id, message, reply_markup=markup)


def _window(now: datetime, minutes: int) -> tuple[datetime, datetime]:
    """The last whole window of `minutes` before `now` (windows counted from the epoch)."""
    step = minutes * 60
    end = datetime.fromtimestamp(int(now.timestamp()) // step * step, UTC)
    return end - timedelta(minutes=minutes), end


async def tell_staff_in_batches(context: Context) -> None:
    """"batched": the reports submitted in the last window and still waiting, in one list."""
    services = context.services
    settings = services.config.reports
    if settings.new_report_notice != "batched":
        return
    start, end = _window(services.reports.clock(), settings.notice_every_minutes)
    waiting = await services.reports.submitted_between(start, end)
    if not waiting:
        return
    key = f"report_new_batch:{end.isoformat()}"
    for chat_id in await reviewer_chats(context):
        reports = [r for r in waiting if _others(r, [chat_id])]
        if not reports:
            continue
        language = await recipient_language(context, chat_id)
        lines = [tr(language, "review.notice_batch_heading", count=len(reports))]
        lines += [
            tr(language, "review.notice_batch_item", number=r.number or "",
               title=short(title_of(language, r), 20), author=r.author_name,
               version=r.version)
            for r in reports[:_BATCH_LINES]
        ]
        lines.append(tr(language, "review.nudge_footer"))
        await services.sender.push(key, chat_id, "\n".join(lines))


def schedule_batches(application: LiaisonApplication) -> None:
    """The batched notice, at the end of every window of [reports] notice_every_minutes."""
    settings = application.bot_data.config.reports
    jobs = application.job_queue
    if settings.new_report_notice != "batched":
        return
    if jobs is None:
        log.warning("no job queue: staff are not told of new reports in batches")
        return
    every = settings.notice_every_minutes * 60
    now = application.bot_data.config.clock().timestamp()
    first = every - now % every + 5  # a few seconds after the window closes
    jobs.run_repeating(tell_staff_in_batches, interval=every, first=first,
                       name="report_new_batch")
