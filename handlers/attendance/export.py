"""/export attendance [EVENT | FROM [TO]]: the attendance sheet as an .xlsx document (staff)."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.attendance.export import AttendanceFilter
from bot.core.auth import Action
from bot.core.numbers import parse_number
from bot.core.timeparse import parse_day
from bot.exports.spreadsheet import ExportFormat
from handlers.shared.common import is_private, reply, text
from handlers.shared.context import Context


async def export_attendance(update: Update, context: Context, args: list[str]) -> None:
    """/export attendance: this year; with an event number, that event; with days, those."""
    if not context.actor.can(Action.EXPORT_ATTENDANCE):
        await reply(update, context, "auth.staff_only")
        return
    if not is_private(update):
        await reply(update, context, "admin.private_only")
        return
    services = context.services
    today = services.today()
    days = [parse_day(a) for a in args]
    typed = args[0].lstrip("#") if len(args) == 1 else ""
    if typed.isdigit():  # a number, maybe one that is none (e.g. "²")
        number = parse_number(typed)
        if number is None or await services.attendance.event(number) is None:
            await reply(update, context, "event.no_such_event", number=typed[:12])
            return
        filters = AttendanceFilter(event_id=number)
        name, scope = f"attendance-event-{number}", text(context, "export.att_scope_event",
                                                        number=number)
    elif 1 <= len(args) <= 2 and all(d is not None for d in days):
        first, last = min(d for d in days if d), max(d for d in days if d)
        filters = AttendanceFilter(date_from=first, date_to=last)
        name = f"attendance-{first:%Y%m%d}-{last:%Y%m%d}"
        scope = text(context, "export.att_scope_days", first=first.isoformat(),
                     last=last.isoformat())
    elif not args:  # the period every export defaults to (the command line's too)
        filters = AttendanceFilter().with_default_period(today)
        name = f"attendance-{today.year}"
        scope = filters.period(context.lang)
    else:
        await reply(update, context, "export.att_usage")
        return
    files = await services.attendance_export.export(
        context.actor, ExportFormat.XLSX, filters, language=context.lang, name=name
    )
    assert update.effective_chat is not None
    for exported in files:
        await context.bot.send_document(
            update.effective_chat.id,
            InputFile(exported.content, filename=exported.name),
            caption=text(context, "export.att_caption", scope=scope),
        )
