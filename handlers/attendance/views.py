"""/events (a member's own events and those they run), /attendance and marking someone present."""

from __future__ import annotations

import contextlib
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.attendance.outcomes import (
    AfterwardsMark,
    AttendanceView,
    CheckInOutcome,
    CheckInResult,
    MarkBatch,
    MarkOutcome,
    MarkStatus,
)
from bot.attendance.permissions import may_act_for_groups
from bot.attendance.rules import mark_status_of
from bot.core.auth import Action, NotAllowed
from bot.core.numbers import parse_number
from bot.core.phones import normalize_phone
from bot.core.texts import tr
from bot.core.when import clock, when_text
from domain.models import AttendanceRecord, AttendanceStatus, Event, Member
from handlers.attendance.announcer import touch_live
from handlers.attendance.buttons import (
    EventLeaveAsk,
    EventManage,
    MarkAfterwardsChoice,
    MarkPresentChoice,
)
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


def _entry(context: Context, record: AttendanceRecord, zone: ZoneInfo) -> str:
    """A name in /attendance: with the check-in time, or the leave reason; a mark made after
    the end says so instead of a time."""
    notes = []
    if record.checkin is None and record.leave is not None and record.leave.reason:
        notes.append(record.leave.reason)
    if record.marked_afterwards:
        notes.append(text(context, "attendance.afterwards_label"))
    elif record.checkin is not None:
        return f"{record.member.name} {clock(record.checkin.at, zone)}"
    if not notes:
        return record.member.name
    separator = "；" if context.lang == "zh" else "; "
    return f"{record.member.name}（{separator.join(notes)}）"


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
        ("attendance.present", [_entry(context, r, zone) for r in view.present]),
        ("attendance.late", [_entry(context, r, zone) for r in view.late]),
        ("attendance.on_leave", [_entry(context, r, zone) for r in view.on_leave]),
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
    if view.ended and view.missing and context.actor.can(Action.MARK_PRESENT):
        lines.append(text(context, "attendance.afterwards_hint"))
    return "\n".join(lines)


def _attendance_keyboard(context: Context, view: AttendanceView) -> InlineKeyboardMarkup:
    codec = context.services.codec
    marks = []
    if context.actor.can(Action.MARK_PRESENT):  # not for a deputy
        # over: a name asks what to mark afterwards (present, late, on leave)
        key = "attendance.afterwards_button" if view.ended else "attendance.mark_button"
        marks = [
            InlineKeyboardButton(
                label(context, key, name=r.member.name),
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


def _afterwards_text(context: Context, member: Member, event_id: int, batch: MarkBatch) -> str:
    """What became of a mark after the end, for the leader or staff member who made it."""
    [result] = batch.results
    outcome = result.outcome
    if outcome is MarkOutcome.NOT_EXPECTED:
        return text(context, "attendance.not_expected", name=member.name)
    if outcome is MarkOutcome.NO_SUCH_EVENT:
        return text(context, "event.no_such_event", number=event_id)
    standing = (tr(context.lang, f"attendance_status.{result.standing.value}")
                if result.standing is not None else "")
    return text(context, f"attendance.afterwards_{outcome.value}", name=member.name,
                status=standing, number=event_id)


async def _mark_afterwards(
    context: Context, event_id: int, member: Member, status: MarkStatus
) -> MarkBatch:
    """Record `status` for `member` after the end of `event_id` (NotAllowed passes through);
    a check-in brings the count under the group's announcement up to date."""
    batch = await context.services.attendance.mark_afterwards(
        context.actor, event_id, [AfterwardsMark(member.id, status)], source="chat"
    )
    if batch.written and status is not MarkStatus.LEAVE:
        await touch_live(context, member, event_id)
    return batch


def _ask_afterwards(
    context: Context, view: AttendanceView, member: Member
) -> tuple[str, InlineKeyboardMarkup]:
    """The attendance list with the question what to mark for `member`, and its buttons."""
    codec = context.services.codec
    choices = [
        InlineKeyboardButton(
            label(context, f"attendance.afterwards_{status.value}_button"),
            callback_data=codec.encode(MarkAfterwardsChoice(
                event_id=view.event.id, member_id=member.id, status=status.value)),
        )
        for status in MarkStatus
    ]
    back = InlineKeyboardButton(
        label(context, "attendance.afterwards_back_button"),
        callback_data=codec.encode(EventManage(event_id=view.event.id, action="attendance")),
    )
    body = attendance_text(context, view) + "\n\n" + text(
        context, "attendance.afterwards_ask", name=member.name)
    return body, InlineKeyboardMarkup([choices, [back]])


async def _refresh_view(update: Update, context: Context, event_id: int) -> None:
    """Bring the pressed /attendance message up to date (its buttons too)."""
    query = update.callback_query
    assert query is not None
    if query.message is None:
        return
    view = await context.services.attendance.attendance_view(context.actor, event_id)
    if view is None:
        return
    with contextlib.suppress(BadRequest):  # "not modified" when nothing changed
        await query.edit_message_text(attendance_text(context, view),
                                      reply_markup=_attendance_keyboard(context, view))


async def mark_present_chosen(update: Update, context: Context, choice: MarkPresentChoice
                              ) -> None:
    """A name button of /attendance: that member is here (checked in by the leader); once
    the event is over, what to mark for them afterwards is asked first."""
    if not await require_bound(update, context):
        return
    services = context.services
    member = await services.members.by_id(choice.member_id)
    event = await services.attendance.event(choice.event_id)
    if member is None or event is None:
        await popup(update, context, "callback.invalid")
        return
    if services.clock() >= event.ends_at:
        if not may_act_for_groups(context.actor, Action.MARK_PRESENT, [member.group_id or 0]):
            await popup(update, context, "event.not_yours")
            return
        try:
            view = await services.attendance.attendance_view(context.actor, event.id)
        except NotAllowed:
            await popup(update, context, "event.not_yours")
            return
        assert view is not None
        body, keyboard = _ask_afterwards(context, view, member)
        query = update.callback_query
        assert query is not None
        await query.answer()
        await edit_pressed_message(update, body, keyboard)
        return
    try:
        result = await services.attendance.mark_present_by_staff(
            context.actor, choice.event_id, choice.member_id
        )
    except NotAllowed:
        await popup(update, context, "event.not_yours")
        return
    if result.recorded:
        await touch_live(context, member, choice.event_id)
    query = update.callback_query
    assert query is not None
    with contextlib.suppress(BadRequest):
        await query.answer(_marked_text(context, member, result), show_alert=True)
    await _refresh_view(update, context, choice.event_id)


async def mark_afterwards_chosen(update: Update, context: Context, choice: MarkAfterwardsChoice
                                 ) -> None:
    """已签到 / 迟到 / 请假 for a member, asked after the end: recorded as marked afterwards."""
    if not await require_bound(update, context):
        return
    member = await context.services.members.by_id(choice.member_id)
    if member is None:
        await popup(update, context, "callback.invalid")
        return
    try:
        batch = await _mark_afterwards(context, choice.event_id, member,
                                       MarkStatus(choice.status))
    except NotAllowed:
        await popup(update, context, "event.not_yours")
        return
    query = update.callback_query
    assert query is not None
    with contextlib.suppress(BadRequest):
        await query.answer(_afterwards_text(context, member, choice.event_id, batch),
                           show_alert=True)
    await _refresh_view(update, context, choice.event_id)


def _mark_arguments(args: list[str]) -> tuple[str, str, MarkStatus | None] | None:
    """/markpresent EVENT PHONE [STATUS] → (event as typed, phone as typed, status or None)."""
    if len(args) < 2:
        return None
    status = mark_status_of(args[-1]) if len(args) > 2 else None
    phone_words = args[1:-1] if status is not None else args[1:]
    return args[0], " ".join(phone_words)[:40], status


async def mark_present(update: Update, context: Context) -> None:
    """/markpresent EVENT PHONE [迟到|请假]: record the check-in of a member who has no phone
    with them; after the event's end, mark them present, late or on leave afterwards."""
    if not await private_command_allowed(update, context, "markpresent", Action.MARK_PRESENT):
        return
    given = _mark_arguments(context.args or [])
    phone = normalize_phone(given[1]) if given is not None else None
    if given is None or phone is None:
        await reply(update, context, "attendance.mark_usage")
        return
    typed = given[0].lstrip("#")
    number = parse_number(typed)
    if number is None:
        await reply(update, context, "event.no_such_event", number=typed[:12])
        return
    member = await context.services.members.by_phone(phone)
    if member is None:
        await reply(update, context, "admin.no_such_member", phone=phone)
        return
    assert update.effective_chat is not None
    try:
        answer = await _mark_answer(context, number, member, given[2])
    except NotAllowed:
        await reply(update, context, "event.not_yours")
        return
    await context.bot.send_message(update.effective_chat.id, answer)


async def _mark_answer(
    context: Context, number: int, member: Member, status: MarkStatus | None
) -> str:
    """What /markpresent does, and says: a check-in while the event runs; once it is over
    (and for 迟到 or 请假, which are only marked then) a mark afterwards."""
    services = context.services
    event = await services.attendance.event(number)
    over = event is not None and services.clock() >= event.ends_at
    if not over and status in (None, MarkStatus.PRESENT):
        result = await services.attendance.mark_present_by_staff(
            context.actor, number, member.id
        )
        if result.recorded:
            await touch_live(context, member, number)
        if result.outcome is CheckInOutcome.NO_SUCH_EVENT:
            return text(context, "event.no_such_event", number=number)
        if result.outcome is not CheckInOutcome.TOO_LATE:  # over meanwhile: as below
            return _marked_text(context, member, result)
    batch = await _mark_afterwards(context, number, member, status or MarkStatus.PRESENT)
    return _afterwards_text(context, member, number, batch)
