"""/drafts and /myreports: a member's drafts to continue, and their submitted reports' history."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from domain.models import Report, ReportStatus
from handlers.reports.access import private_writer
from handlers.reports.buttons import ReportChoice
from handlers.reports.render import (
    TEXT_ROOM,
    choice_button,
    history_lines,
    levels_of,
    local_time,
    report_status_detail,
    send,
    short,
    split_text,
    title_of,
)
from handlers.shared.common import label, reply, text
from handlers.shared.context import Context

_LIST_LIMIT = 20


async def list_drafts(update: Update, context: Context) -> None:
    """/drafts: the member's drafts, each a button to continue it."""
    member = await private_writer(update, context)
    if member is None:
        return
    drafts = await context.services.reports.list_drafts(member, limit=_LIST_LIMIT)
    if not drafts:
        await reply(update, context, "report.no_drafts")
        return
    zone, today = context.services.config.zone, context.services.today()
    buttons = [
        [InlineKeyboardButton(
            label(context, "report.draft_button", title=short(title_of(context.lang, d), 20),
                 time=local_time(context.lang, d.updated_at, zone, today)),
            callback_data=context.services.codec.encode(
                ReportChoice(report_id=d.id, action="resume")
            ),
        )]
        for d in drafts
    ]
    buttons.append([choice_button(context, "report.button_new", 0, "new")])
    await send(update, context, text(context, "report.drafts_list", count=len(drafts)),
               InlineKeyboardMarkup(buttons))


async def my_reports(update: Update, context: Context) -> None:
    """/myreports: the member's submitted reports with their status and history."""
    member = await private_writer(update, context)
    if member is None:
        return
    service = context.services.reports
    histories = await service.my_reports(member, limit=_LIST_LIMIT)
    drafts = await service.list_drafts(member)
    if not histories:
        key = "report.mine_only_drafts" if drafts else "report.mine_none"
        await reply(update, context, key, count=len(drafts))
        return
    zone, today = context.services.config.zone, context.services.today()
    blocks = [text(context, "report.mine_heading", count=len(histories))]
    rework: list[Report] = []
    for history in histories:
        report = history.report
        lines = [text(context, "report.mine_item", number=report.number or "",
                      title=title_of(context.lang, report),
                      status=report_status_detail(context, report, member=True))]
        if report.author_member_id != member.id:
            lines.append(text(context, "report.mine_coauthored", author=report.author_name))
        lines += history_lines(context.lang, levels_of(context), history, zone, today,
                               with_actor=False)
        blocks.append("\n".join(lines))
        if report.status is ReportStatus.RETURNED and report.author_member_id == member.id:
            rework.append(report)
    if drafts:
        blocks.append(text(context, "report.mine_drafts_hint", count=len(drafts)))
    pages: list[str] = []
    for block in blocks:
        if pages and len(pages[-1]) + len(block) + 2 <= TEXT_ROOM:
            pages[-1] += "\n\n" + block
        else:
            pages.extend(split_text(block))
    markup = None
    if rework:
        markup = InlineKeyboardMarkup([
            [InlineKeyboardButton(
                text(context, "report.button_rework_number", number=r.number or ""),
                callback_data=context.services.codec.encode(
                    ReportChoice(report_id=r.id, action="resume")
                ),
            )]
            for r in rework
        ])
    for index, page in enumerate(pages):
        await send(update, context, page, markup if index == len(pages) - 1 else None)
