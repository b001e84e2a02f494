"""/export duty [YEAR] [GROUP]: the 履职登记表 as an .xlsx document (staff, in private chat)."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.core.auth import Action, Refused
from bot.core.numbers import parse_number
from bot.duty_record.export import DutyFilter
from bot.duty_record.service import FIRST_YEAR
from bot.exports.spreadsheet import ExportFormat
from handlers.shared.common import is_private, reply, text
from handlers.shared.context import Context

_SHOWN_NAME = 40  # of a group name that matches none, in the answer


async def export_duty(update: Update, context: Context, args: list[str]) -> None:
    """/export duty: this year's register of everyone; a year and a group's name narrow it."""
    if not context.actor.can(Action.MANAGE_DUTY_RECORDS):
        await reply(update, context, "auth.staff_only")
        return
    if not is_private(update):
        await reply(update, context, "admin.private_only")
        return
    service = context.services.duty_record
    numbers = [n for n in (parse_number(a) for a in args) if n is not None]
    words = [a for a in args if parse_number(a) is None]
    if len(numbers) > 1:
        await reply(update, context, "duty_export.usage")
        return
    this_year = service.today().year
    try:
        year = service.check_year(numbers[0] if numbers else None)
    except Refused:
        await reply(update, context, "duty_export.bad_year", first=FIRST_YEAR, last=this_year)
        return
    group = None
    if words:
        typed = " ".join(words)
        groups = await service.members.list_groups()
        found = [g for g in groups if g.name.casefold() == typed.casefold()]
        if not found:
            await reply(update, context, "duty_export.no_such_group", name=typed[:_SHOWN_NAME],
                        groups="、".join(g.name for g in groups))
            return
        group = found[0]
    filters = DutyFilter(year, group_id=group.id if group else None)
    name = f"duty-{year}" + (f"-group-{group.id}" if group else "")
    files = await context.services.duty_export.export(
        context.actor, ExportFormat.XLSX, filters, language=context.lang, name=name,
    )
    scope = group.name if group else text(context, "duty_export.scope_all")
    assert update.effective_chat is not None
    for exported in files:
        await context.bot.send_document(
            update.effective_chat.id,
            InputFile(exported.content, filename=exported.name),
            caption=text(context, "duty_export.caption", year=year, scope=scope),
        )
