"""Staff grade a member from the member's record (opened from /group): 评议作风表现 or
评议群众满意度 shows the grades of [duty_record.grades] in the record's message; a grade pressed
is recorded (audited, the earlier remarks kept), answered, and the record shown again. Anyone
else pressing these buttons is refused; the service checks the rights again."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.auth import Action, NotAllowed, Refused
from domain.duty_models import Dimension
from handlers.duty_record.answers import refuse, show
from handlers.duty_record.buttons import GradeChoice, GradeMenu, RecordScreen, RecordView
from handlers.duty_record.me import summary
from handlers.shared.common import button_rows, edit_pressed_message, label, popup, text
from handlers.shared.context import Context


def _dimension(context: Context, dimension: Dimension) -> str:
    return label(context, f"duty.staff_dimension_{dimension.value}")


async def _staff(update: Update, context: Context) -> bool:
    """True for staff; anyone else is told who grades."""
    if context.actor.can(Action.MANAGE_DUTY_RECORDS):
        return True
    await popup(update, context, "duty.grade_refused")
    return False


async def grade_menu_pressed(update: Update, context: Context, data: GradeMenu) -> None:
    """评议作风表现 / 评议群众满意度 under a record: the grades to choose from."""
    if not await _staff(update, context):
        return
    service = context.services.duty_record
    try:
        member, record = await service.record(context.actor, data.member_id, data.year)
    except Refused as exc:
        await refuse(update, context, exc, "group")
        return
    grade = record.grades.get(data.dimension)
    lines = [
        text(context, "duty.staff_grade_title", name=member.name, year=record.year,
             dimension=_dimension(context, data.dimension)),
        text(context, "duty.staff_grade_now", grade=grade.grade if grade is not None
             else label(context, "duty.staff_grade_none")),
    ]
    if grade is not None and grade.remarks:
        lines.append(text(context, "duty.staff_grade_remarks", remarks=grade.remarks))
    lines.append(text(context, "duty.staff_grade_hint"))
    codec = context.services.codec
    choices = [
        InlineKeyboardButton(
            label(context, "duty.staff_grade_current", grade=choice)
            if grade is not None and grade.grade == choice else choice,
            callback_data=codec.encode(GradeChoice(member_id=member.id, year=record.year,
                                                   dimension=data.dimension, choice=index)),
        )
        for index, choice in enumerate(service.grade_choices(data.dimension))
    ]
    back = InlineKeyboardButton(label(context, "duty.button_back"), callback_data=codec.encode(
        RecordView(member_id=member.id, year=record.year, screen=RecordScreen.SUMMARY)))
    await show(update, context, "\n".join(lines),
               InlineKeyboardMarkup([*button_rows(choices, 2), [back]]))


async def grade_chosen(update: Update, context: Context, data: GradeChoice) -> None:
    """A grade pressed: recorded (the earlier remarks kept), answered, the record shown."""
    if not await _staff(update, context):
        return
    service = context.services.duty_record
    choices = service.grade_choices(data.dimension)
    if data.choice >= len(choices):  # the config has fewer grades than when it was shown
        await popup(update, context, "callback.invalid")
        return
    grade = choices[data.choice]
    try:
        before = await service.set_grade(context.actor, data.member_id, data.year,
                                         data.dimension, grade)
        member, record = await service.record(context.actor, data.member_id, data.year)
    except NotAllowed:
        await popup(update, context, "duty.grade_refused")
        return
    except Refused as exc:
        await refuse(update, context, exc, "group")
        return
    kept = before is not None and bool(before.remarks)
    query = update.callback_query
    assert query is not None
    await query.answer(label(context, "duty.staff_grade_set_kept" if kept
                             else "duty.staff_grade_set", name=member.name, year=data.year,
                             dimension=_dimension(context, data.dimension), grade=grade))
    await edit_pressed_message(update, *summary(context, member, record))
