"""/me [year]: a member's own duty record of the year, with buttons for the lists behind its
counts; the same screens open from /group for a leader or staff (the service checks rights)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.auth import Action, Refused
from bot.duty_record.service import DutyRecord
from domain.duty_models import Dimension
from domain.models import Member
from handlers.duty_record import render
from handlers.duty_record.answers import NoYear, prologue, refuse, send, show, year_argument
from handlers.duty_record.buttons import GradeMenu, GroupMemberRecord, RecordScreen, RecordView
from handlers.shared.common import button_rows, label, reply
from handlers.shared.context import Context


def grade_rows(context: Context, member: Member, record: DutyRecord
               ) -> list[list[InlineKeyboardButton]]:
    """Staff's 评议 buttons under a member's record, one per grade with the grade now: each
    opens the grades to choose from (handlers/duty_record/grading.py)."""
    codec = context.services.codec
    return [[InlineKeyboardButton(
        label(context, "duty.staff_grade_button",
              dimension=label(context, f"duty.staff_dimension_{dimension.value}"),
              grade=record.grades[dimension].grade if dimension in record.grades
              else label(context, "duty.staff_grade_none")),
        callback_data=codec.encode(GradeMenu(member_id=member.id, year=record.year,
                                             dimension=dimension)),
    )] for dimension in Dimension]


def summary(context: Context, member: Member, record: DutyRecord
            ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The record's summary and a button per list with something in it; for staff, a button
    per grade they give."""
    services = context.services
    body = render.record_text(context.lang, member, record, services.config.duty_record.levels,
                              services.duty_record.today())
    buttons = [
        InlineKeyboardButton(
            render.button_label(context.lang, screen),
            callback_data=services.codec.encode(
                RecordView(member_id=member.id, year=record.year, screen=screen)),
        )
        for screen in render.list_buttons(record)
    ]
    rows = button_rows(buttons, 2)
    if context.actor.can(Action.MANAGE_DUTY_RECORDS):
        rows += grade_rows(context, member, record)
    return body, InlineKeyboardMarkup(rows) if rows else None


async def me_command(update: Update, context: Context) -> None:
    """/me [year]: the member's own record (this year by default)."""
    if not await prologue(update, context, "me"):
        return
    try:
        year = year_argument(context.args or [])
    except NoYear:
        await reply(update, context, "duty.me_usage",
                    year=context.services.duty_record.today().year - 1)
        return
    try:
        member, record = await context.services.duty_record.record(context.actor, None, year)
    except Refused as exc:
        await refuse(update, context, exc, "me")
        return
    await send(update, context, *summary(context, member, record))


async def group_member_pressed(update: Update, context: Context,
                               data: GroupMemberRecord) -> None:
    """A member's name under /group: their record as a new message."""
    try:
        member, record = await context.services.duty_record.record(
            context.actor, data.member_id, data.year)
    except Refused as exc:
        await refuse(update, context, exc, "group")
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await send(update, context, *summary(context, member, record))


async def record_view_pressed(update: Update, context: Context, data: RecordView) -> None:
    """活动 / 社情民意 / 提案 / 读书心得 under a record, the pages of a list, ‹ 返回."""
    services = context.services
    service = services.duty_record
    try:
        if data.screen is RecordScreen.SUMMARY:
            member, record = await service.record(context.actor, data.member_id, data.year)
            await show(update, context, *summary(context, member, record))
            return
        member, lists = await service.member_lists(context.actor, data.member_id, data.year)
    except Refused as exc:
        await refuse(update, context, exc, "me")
        return
    lines = render.list_lines(context.lang, data.screen, lists,
                              services.config.duty_record.levels, services.config.zone)
    body, page, pages = render.list_page(context.lang, member, data.year, data.screen, lines,
                                         data.page)

    def button(key: str, screen: RecordScreen, to_page: int) -> InlineKeyboardButton:
        view = RecordView(member_id=member.id, year=data.year, screen=screen, page=to_page)
        return InlineKeyboardButton(label(context, key), callback_data=services.codec.encode(view))

    turns = []
    if page > 0:
        turns.append(button("duty.button_prev", data.screen, page - 1))
    if page < pages - 1:
        turns.append(button("duty.button_next", data.screen, page + 1))
    rows = [turns] if turns else []
    rows.append([button("duty.button_back", RecordScreen.SUMMARY, 0)])
    await show(update, context, body, InlineKeyboardMarkup(rows))
