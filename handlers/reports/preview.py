"""The preview of a report being written: all of it, with its submit, edit and leave buttons.

提交 / 修改, then one clear pair: ⏸ 暂存退出 (leave, the draft kept) and 🗑 删除 (delete it,
after a confirmation); a returned report has 暂存退出 only. The presses are served by
handlers.reports.write (report_chosen).
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update

from domain.models import Report, ReportStatus
from handlers.reports.flows import WriteFlow, WriteStep, save_flow
from handlers.reports.render import (
    TEXT_ROOM,
    category_label,
    choice_button,
    last_note,
    send,
    split_text,
    title_of,
)
from handlers.shared.common import text
from handlers.shared.context import Context


def people_names(context: Context, report: Report) -> str:
    return "、".join(c.name for c in report.coauthors) or text(context, "report.none")


def overview(context: Context, report: Report, heading: str) -> tuple[list[str], str]:
    """The report as its author sees it: pieces of a long text, then the summary."""
    summary = [heading]
    summary.append(text(context, "report.field_title", title=title_of(context.lang, report)))
    summary.append(text(context, "report.field_category",
                        category=category_label(context.lang, report.category)))
    summary.append(text(context, "report.field_files", count=len(report.attachments)))
    summary.append(text(context, "report.field_people", people=people_names(context, report)))
    head = "\n".join(summary)
    if not report.body:
        return [], head + "\n" + text(context, "report.field_body_missing")
    body_head = text(context, "report.field_body", length=len(report.body))
    if len(head) + len(report.body) + len(body_head) < TEXT_ROOM:
        return [], f"{head}\n{body_head}\n{html.escape(report.body, quote=False)}"
    pieces = [html.escape(piece, quote=False) for piece in split_text(report.body)]
    return pieces, head + "\n" + text(context, "report.field_body_above", length=len(report.body))


async def show_preview(update: Update, context: Context, report: Report) -> None:
    """The preview with 提交 / 修改 / 暂存退出 / 删除."""
    await save_flow(update, context, WriteStep.PREVIEW, WriteFlow(report_id=report.id))
    heading = text(context, "report.preview_heading")
    if report.status is ReportStatus.RETURNED:
        history = await context.services.reports.history(report.id, context.actor)
        heading = text(context, "report.preview_returned", number=report.number or "",
                       note=last_note(history) or text(context, "report.none"))
    pieces, summary = overview(context, report, heading)
    for piece in pieces:
        await send(update, context, piece)
    await send(update, context, summary, preview_keyboard(context, report))


# -- keyboards --------------------------------------------------------------------------------
def preview_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup:
    rid = report.id
    if report.status is ReportStatus.RETURNED:
        return InlineKeyboardMarkup([
            [choice_button(context, "report.button_resubmit", rid, "submit"),
             choice_button(context, "report.button_edit", rid, "edit")],
            [choice_button(context, "report.button_save", rid, "save")],
        ])
    return InlineKeyboardMarkup([
        [choice_button(context, "report.button_submit", rid, "submit"),
         choice_button(context, "report.button_edit", rid, "edit")],
        [choice_button(context, "report.button_save", rid, "save"),
         choice_button(context, "report.button_delete", rid, "delete")],
    ])


def edit_keyboard(context: Context, report_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [choice_button(context, "report.part_title", report_id, "title"),
         choice_button(context, "report.part_category", report_id, "category")],
        [choice_button(context, "report.part_body", report_id, "body"),
         choice_button(context, "report.part_files", report_id, "files")],
        [choice_button(context, "report.part_people", report_id, "people"),
         choice_button(context, "report.button_back", report_id, "preview")],
    ])


def delete_keyboard(context: Context, report_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        choice_button(context, "report.button_delete_yes", report_id, "delete_yes"),
        choice_button(context, "report.button_back", report_id, "preview"),
    ]])
