"""/events (a member's own events and those they run), /attendance and marking someone present."""

from __future__ import annotations

import contextlib
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.attendance.outcomes import AttendanceView, CheckInOutcome, CheckInResult
from bot.core.auth import Action, NotAllowed
from bot.core.numbers import parse_number
from bot.core.phones import normalize_phone
from bot.core.texts import tr
from bot.core.when import clock, when_text
from handlers.attendance.announcer import touch_live
from handlers.attendance.buttons import EventLeaveAsk, EventManage, MarkPresentChoice
from handlers.attendance.checkin import outcome_text
from handlers.attendance.picker import pick_event
from handlers.attendance.render import LIST_LIMIT, send, type_label
from handlers.shared.common import (
    button_rows,
    edit_pressed_message,
    label,
    popup,
    private_command_allowed,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context
from storage.models import AttendanceStatus, Event, Member

# /attendance offers a "mark present" button for at most this many missing members.
_MARK_BUTTONS = 24


# Names listed per section of /attendance before "… and N more".
_NAMES_ROOM = 3500


def _status_line(language: str, status: AttendanceStatus, at: datetime | None,
                 zone: ZoneInfo) -> str:
    if status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE) and at is not None:
        return tr(language, f"events.status_{status.value}", time=clock(at, zone))
    return tr(language, f"events.status_{status.value}")


async def list_events(update: Update, context: Context) -> None:
    """/events: the member's upcoming events with their own status, and the events they run."""
    if not await require_bound(update, context):
        return
    services = context.services
    zone, today = services.config.zone, services.today()
    actor = context.actor
    lines: list[str] = []
    buttons: list[InlineKeyboardButton] = []
    if actor.member is not None:
        mine = await services.attendance.events_for_member(actor.member)
        for item in mine[:LIST_LIMIT]:
            event = item.event
            lines.append(text(
                context, "events.item", number=event.id,
                type=type_label(context.lang, event.type), title=event.title,
                when=when_text(context.lang, event.starts_at, event.ends_at, zone, today=today),
                place=event.place or text(context, "event.place_none"),
                status=_status_line(context.lang, item.status,
                                    item.checkin.at if item.checkin else None, zone),
            ))
            if item.status is AttendanceStatus.NOT_YET:
                buttons.append(InlineKeyboardButton(
                    text(context, "events.leave_button", number=event.id),
                    callback_data=services.codec.encode(EventLeaveAsk(event_id=event.id)),
                ))
    body = [text(context, "events.title") if lines else text(context, "events.none")]
    body += lines
    if actor.can(Action.MANAGE_EVENTS):
        run = await services.attendance.events_run_by(actor, Action.MANAGE_EVENTS)
        if run:
            body.append(text(context, "events.run_title"))
            body += [
                text(context, "events.run_item", number=e.id, title=e.title,
                     when=when_text(context.lang, e.starts_at, e.ends_at, zone, today=today))
                for e in run[:LIST_LIMIT]
            ]
            body.append(text(context, "events.run_hint"))
    await send(update, context, "\n\n".join(body),
               InlineKeyboardMarkup(button_rows(buttons, 2)) if buttons else None)


def _names(context: Context, names: list[str], room: int) -> str:
    """Names joined, cut with "… N more" to fit `room` characters."""
    separator = "、" if context.lang == "zh" else ", "
    shown: list[str] = []
    used = 0
    for index, name in enumerate(names):
        if used + len(name) > room:
            return separator.join(shown) + text(context, "attendance.more",
                                                count=len(names) - index)
        shown.append(name)
        used += len(name) + len(separator)
    return separator.join(shown)


def attendance_text(context: Context, view: AttendanceView) -> str:
    zone = context.services.config.zone
    event = view.event
    count = view.count
    lines = [
        text(context, "attendance.title", number=event.id, title=event.title,
             when=when_text(context.lang, event.starts_at, event.ends_at, zone,
                            today=context.services.today())),
        text(context, "attendance.summary", expected=count.expected,
             checked_in=count.checked_in, late=len(view.late), leave=len(view.on_leave),
             pending=len(view.pending_leave), missing=len(view.missing)),
    ]
    room = _NAMES_ROOM // 5
    sections = (
        ("attendance.present", [
            f"{r.member.name} {clock(r.checkin.at, zone)}" for r in view.present if r.checkin
        ]),
        ("attendance.late", [
            f"{r.member.name} {clock(r.checkin.at, zone)}" for r in view.late if r.checkin
        ]),
        ("attendance.on_leave", [
            f"{r.member.name}（{r.leave.reason}）" if r.leave else r.member.name
            for r in view.on_leave
        ]),
        ("attendance.pending", [
            f"{r.member.name}（{r.leave.reason}）" if r.leave else r.member.name
            for r in view.pending_leave
        ]),
        ("attendance.absent" if view.ended else "attendance.missing",
         [r.member.name for r in view.missing]),
    )
    for key, names in sections:
        if names:
            lines.append(text(context, key, count=len(names), names=_names(context, names, room)))
    return "\n".join(lines)


def _attendance_keyboard(context: Context, view: AttendanceView) -> InlineKeyboardMarkup:
    codec = context.services.codec
    marks = []
    if not view.ended and context.actor.can(Action.MARK_PRESENT):  # not for a deputy
        marks = [
            InlineKeyboardButton(
                label(context, "attendance.mark_button", name=r.member.name),
                callback_data=codec.encode(
                    MarkPresentChoice(event_id=view.event.id, member_id=r.member.id)
                ),
            )
            for r in view.missing[:_MARK_BUTTONS]
        ]
    refresh = InlineKeyboardButton(
        text(context, "attendance.refresh_button"),
        callback_data=codec.encode(EventManage(event_id=view.event.id, action="attendance")),
    )
    return InlineKeyboardMarkup([*button_rows(marks, 3), [refresh]])


async def show_attendance(update: Update, context: Context) -> None:
    """/attendance [EVENT]: present, late, on leave, missing (leaders: their group)."""
    # in private: names and leave reasons are not for the whole group
    if not await private_command_allowed(update, context, "attendance"):
        return
    event = await pick_event(update, context, Action.VIEW_ATTENDANCE, "attendance")
    if event is not None:
        await show_attendance_for(update, context, event)


async def show_attendance_for(update: Update, context: Context, event: Event) -> None:
    """The attendance of `event`: a new message, or the pressed one brought up to date."""
    try:
        view = await context.services.attendance.attendance_view(context.actor, event.id)
    except NotAllowed:
        await (popup(update, context, "event.not_yours") if update.callback_query
               else reply(update, context, "event.not_yours"))
        return
    assert view is not None and update.effective_chat is not None
    body = attendance_text(context, view)
    keyboard = _attendance_keyboard(context, view)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.answer()
        await edit_pressed_message(update, body, keyboard)
        return
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=keyboard)


def _marked_text(context: Context, member: Member, result: CheckInResult) -> str:
    zone = context.services.config.zone
    if result.recorded:
        assert result.checkin is not None
        return text(context, "attendance.marked", name=member.name,
                    time=clock(result.checkin.at, zone))
    if result.outcome is CheckInOutcome.ALREADY:
        assert result.checkin is not None
        return text(context, "attendance.already_marked", name=member.name,
                    time=clock(result.checkin.at, zone))
    if result.outcome is CheckInOutcome.NOT_EXPECTED:
        return text(context, "attendance.not_expected", name=member.name)
    return outcome_text(context, result)


async def mark_present_chosen(update: Update, context: Context, choice: MarkPresentChoice
                              ) -> None:
    """A "✅ name" button of /attendance: that member is here (checked in by the leader)."""
    if not await require_bound(update, context):
        return
    services = context.services
    member = await services.members.by_id(choice.member_id)
    try:
        result = await services.attendance.mark_present_by_staff(
            context.actor, choice.event_id, choice.member_id
        )
    except NotAllowed:
        await popup(update, context, "event.not_yours")
        return
    if member is None:
        await popup(update, context, "callback.invalid")
        return
    if result.recorded:
        await touch_live(context, member, choice.event_id)
    query = update.callback_query
    assert query is not None
    with contextlib.suppress(BadRequest):
        await query.answer(_marked_text(context, member, result), show_alert=True)
    event = await services.attendance.event(choice.event_id)
    if event is not None and query.message is not None:
        view = await services.attendance.attendance_view(context.actor, event.id)
        assert view is not None
        with contextlib.suppress(BadRequest):  # "not modified" when nothing changed
            await query.edit_message_text(attendance_text(context, view),
                                          reply_markup=_attendance_keyboard(context, view))


async def mark_present(update: Update, context: Context) -> None:
    """/markpresent EVENT PHONE: record the check-in of a member who has no phone with them."""
    if not await private_command_allowed(update, context, "markpresent", Action.MARK_PRESENT):
        return
    args = context.args or []
    phone = normalize_phone(" ".join(args[1:])[:40]) if len(args) > 1 else None
    if phone is None:
        await reply(update, context, "attendance.mark_usage")
        return
    typed = args[0].lstrip("#")
    number = parse_number(typed)
    if number is None:
        await reply(update, context, "event.no_such_event", number=typed[:12])
        return
    services = context.services
    member = await services.members.by_phone(phone)
    if member is None:
        await reply(update, context, "admin.no_such_member", phone=phone)
        return
    try:
        result = await services.attendance.mark_present_by_staff(
            context.actor, number, member.id
        )
    except NotAllowed:
        await reply(update, context, "event.not_yours")
        return
    if result.recorded:
        await touch_live(context, member, number)
    if result.outcome is CheckInOutcome.NO_SUCH_EVENT:
        await reply(update, context, "event.no_such_event", number=number)
        return
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, _marked_text(context, member, result))
