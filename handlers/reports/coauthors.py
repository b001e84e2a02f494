"""The co-authors step of writing a report: found by name on the roster, added or removed."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.core.auth import Refused
from domain.models import Member, Report
from handlers.reports.access import writer
from handlers.reports.buttons import ReportCoauthorChoice
from handlers.reports.preview import people_names
from handlers.reports.render import answer, choice_button, refuse, send, short
from handlers.shared.common import button_rows, edit_pressed_message, label, reply, text
from handlers.shared.context import Context


def people_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup:
    codec = context.services.codec
    removals = [
        InlineKeyboardButton(
            label(context, "report.button_remove_person", name=c.name),
            callback_data=codec.encode(
                ReportCoauthorChoice(report_id=report.id, member_id=c.member_id, change="remove")
            ),
        )
        for c in report.coauthors
    ]
    done = "report.button_people_done" if report.coauthors else "report.button_skip"
    return InlineKeyboardMarkup(
        [*button_rows(removals, 2), [choice_button(context, done, report.id, "people_done")]]
    )


async def coauthor_chosen(update: Update, context: Context, data: ReportCoauthorChoice) -> None:
    """A co-author found by name was picked, or one was removed."""
    member = await writer(update, context)
    if member is None:
        return
    service = context.services.reports
    try:
        if data.change == "add":
            report = await service.add_coauthor(member, data.report_id, data.member_id)
        else:
            report = await service.remove_coauthor(member, data.report_id, data.member_id)
    except Refused as refused:
        await refuse(update, context, refused)
        return
    await answer(update)
    if data.change == "add":
        added = next((c.name for c in report.coauthors if c.member_id == data.member_id), "")
        message = text(context, "report.person_added", name=added,
                       people=people_names(context, report))
    else:
        message = text(context, "report.ask_people", people=people_names(context, report))
    await edit_pressed_message(update, message, people_keyboard(context, report))


async def on_people(
    update: Update, context: Context, member: Member, report_id: int, message: Message
) -> None:
    if message.text is None or not message.text.strip():
        await reply(update, context, "report.need_people_text")
        return
    report = await context.services.reports.editable_report(member, report_id)
    query = short(message.text, 20)
    found = await context.services.reports.coauthor_candidates(member, query)
    if not found:
        await reply(update, context, "report.people_none", query=query)
        return
    codec = context.services.codec
    buttons = [
        InlineKeyboardButton(
            label(context, "report.person_button", name=m.name,
                  group=m.group_name or text(context, "common.no_group")),
            callback_data=codec.encode(
                ReportCoauthorChoice(report_id=report.id, member_id=m.id, change="add")
            ),
        )
        for m in found
    ]
    done = "report.button_people_done" if report.coauthors else "report.button_skip"
    await send(update, context, text(context, "report.people_pick", count=len(found)),
               InlineKeyboardMarkup([
                   *button_rows(buttons, 2),
                   [choice_button(context, done, report.id, "people_done")],
               ]))
