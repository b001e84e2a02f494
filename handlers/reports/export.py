"""/export reports [FROM [TO]] [STATUS]: the register of reports as an .xlsx document."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.core.auth import Refused
from bot.core.texts import labels_lookup
from bot.core.timeparse import parse_day
from bot.exports.spreadsheet import ExportFormat
from bot.reports.export import RegisterFilter
from domain.models import ReportStatus
from handlers.reports.access import reviewer
from handlers.reports.render import refuse
from handlers.shared.common import is_private, reply, text
from handlers.shared.context import Context

_S = ReportStatus


async def export_reports(update: Update, context: Context, args: list[str]) -> None:
    """/export reports [FROM [TO]] [STATUS]: the register as an .xlsx document."""
    if not is_private(update):
        await reply(update, context, "report.private_only")
        return
    if not await reviewer(update, context):
        return
    days = [d for d in (parse_day(a) for a in args) if d is not None]
    statuses = labels_lookup("report_status", [s.value for s in ReportStatus if s is not _S.DRAFT])
    chosen = [statuses[a.lower()] for a in args if a.lower() in statuses]
    if len(days) + len(chosen) != len(args) or len(days) > 2 or len(chosen) > 1:
        await reply(update, context, "review.export_usage")
        return
    filters = RegisterFilter(
        date_from=min(days) if days else None,
        date_to=max(days) if len(days) == 2 else None,
        status=ReportStatus(chosen[0]) if chosen else None,
    )
    today = context.services.today().strftime("%Y%m%d")
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
