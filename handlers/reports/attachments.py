"""Photos and documents sent while writing a report: saved at once, acknowledged once per album."""

from __future__ import annotations

from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import JobQueue

from bot.core.auth import Refused
from bot.core.texts import tr
from bot.reports.workflow import Refusal
from bot.reports.writing import MAX_ATTACHMENTS
from domain.models import AttachmentKind, Member, Report
from handlers.reports.buttons import ReportAction, ReportChoice
from handlers.reports.flows import WriteStep
from handlers.reports.render import choice_button, send
from handlers.shared.common import text
from handlers.shared.context import Context

# An album arrives as one update per photo; they are acknowledged together once no more
# have come for this long.
ALBUM_QUIET_SECONDS = 1.0


def file_of(message: Message) -> tuple[AttachmentKind, str, str, str | None, str | None] | None:
    """kind, file_id, file_unique_id, file name, mime type of a photo or document."""
    if message.photo:
        largest = message.photo[-1]
        return AttachmentKind.PHOTO, largest.file_id, largest.file_unique_id, None, None
    if message.document is not None:
        doc = message.document
        return (AttachmentKind.DOCUMENT, doc.file_id, doc.file_unique_id, doc.file_name,
                doc.mime_type)
    return None


def files_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup:
    done = "report.button_files_done" if report.attachments else "report.button_skip"
    buttons = [[choice_button(context, done, report.id, "files_done")]]
    if report.attachments:
        buttons.append(
            [choice_button(context, "report.button_files_clear", report.id, "files_clear")]
        )
    return InlineKeyboardMarkup(buttons)


async def on_files(
    update: Update, context: Context, member: Member, report_id: int, message: Message,
    *, after: WriteStep = WriteStep.FILES,
) -> None:
    found = file_of(message)
    if found is None:
        report = await context.services.reports.editable_report(member, report_id)
        await send(update, context, text(context, "report.need_file", limit=MAX_ATTACHMENTS),
                   files_keyboard(context, report))
        return
    kind, file_id, unique_id, file_name, mime = found
    refused = 0
    try:
        await context.services.reports.add_attachment(
            member, report_id, kind, file_id, unique_id, file_name=file_name, mime=mime
        )
    except Refused as exc:
        if exc.reason is not Refusal.TOO_MANY_ATTACHMENTS:
            raise
        refused = 1
    _acknowledge_files_later(context, message.chat_id, report_id, member.id, refused, after)


def _acknowledge_files_later(
    context: Context, chat_id: int, report_id: int, member_id: int, refused: int, step: WriteStep
) -> None:
    """Answer once the album (or single file) is complete: restart a short timer per chat."""
    jobs = cast("JobQueue[Context] | None", context.application.job_queue)
    assert jobs is not None
    name = f"report_files:{chat_id}"
    for pending in jobs.get_jobs_by_name(name):
        data = pending.data if isinstance(pending.data, dict) else {}
        refused += int(data.get("refused", 0))
        pending.schedule_removal()
    jobs.run_once(
        _acknowledge_files, ALBUM_QUIET_SECONDS, name=name, chat_id=chat_id,
        data={"report_id": report_id, "member_id": member_id, "refused": refused,
              "lang": context.lang, "step": str(step)},
    )


async def _acknowledge_files(context: Context) -> None:
    """How many attachments the report has now, and how many did not fit."""
    job = context.job
    assert job is not None and isinstance(job.data, dict) and job.chat_id is not None
    language = str(job.data["lang"])
    member = await context.services.members.by_id(int(job.data["member_id"]))
    if member is None:
        return
    try:
        report = await context.services.reports.editable_report(
            member, int(job.data["report_id"])
        )
    except Refused:
        return  # submitted or deleted meanwhile
    lines = [tr(language, "report.files_saved", count=len(report.attachments),
                limit=MAX_ATTACHMENTS)]
    if job.data["refused"]:
        lines.append(tr(language, "report.files_refused", refused=job.data["refused"],
                        limit=MAX_ATTACHMENTS))
    codec = context.services.codec
    writing = job.data.get("step") == WriteStep.BODY  # photos sent between pieces of text
    action: ReportAction = "body_done" if writing else "files_done"
    done = InlineKeyboardMarkup([[InlineKeyboardButton(
        tr(language, "report.button_body_done" if writing else "report.button_files_done"),
        callback_data=codec.encode(ReportChoice(report_id=report.id, action=action)),
    )]])
    await context.bot.send_message(job.chat_id, "\n".join(lines), reply_markup=done)
