"""Check-in in chat: the QR deep link, /checkin CODE, the 签到 button under an announcement, the
live-location step, /qr for the screen at the venue, /attendance and marking someone present.

Every path records through the attendance service, which answers once the check-in is
committed; then the member is answered. The popup of the group button is answered within the
update. The confirmation message of a QR code or code is sent by a task of its own, so the
update does not hold one of the bot's update slots while the message waits its turn under
Telegram's 30 messages a second (a crowd scanning at once queues there for many seconds). A
crash between the commit and a confirmation loses only the confirmation: scanning again says
"already checked in at 09:02".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from datetime import UTC, datetime, timedelta
from typing import cast

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import JobQueue

from bot.attendance import tokens as checkin_tokens
from bot.attendance.outcomes import AttendanceView, CheckInOutcome, CheckInResult
from bot.attendance.qr import deep_link, qr_png
from bot.attendance.rules import GeoPoint
from bot.core.auth import Action, Actor, NotAllowed
from bot.core.phones import normalize_phone
from bot.core.texts import tr
from handlers.attendance.buttons import EventCheckIn, EventManage, MarkPresentChoice, QrControl
from handlers.attendance.events import (
    clock,
    may_reach,
    moment_text,
    pick_event,
    touch_announcement,
    when_text,
)
from handlers.shared.common import (
    button_rows,
    edit_pressed_message,
    end_conversation,
    is_private,
    open_conversation,
    popup,
    private_command_allowed,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context, LiaisonApplication
from storage.db import utc_now
from storage.models import CheckInMethod, Conversation, Event, Member
from storage.screens import QrScreen

log = logging.getLogger(__name__)

KIND_LOCATION = "checkin_location"
# /attendance offers a "mark present" button for at most this many missing members.
_MARK_BUTTONS = 24
# Names listed per section of /attendance before "… and N more".
_NAMES_ROOM = 3500


# -- outcomes ----------------------------------------------------------------------------------
def outcome_text(context: Context, result: CheckInResult) -> str:
    """What a check-in's outcome means for the member, in one or two short sentences."""
    zone = context.services.config.zone
    outcome = result.outcome
    if outcome in (CheckInOutcome.RECORDED, CheckInOutcome.LATE, CheckInOutcome.ALREADY):
        assert result.checkin is not None
        return text(context, f"checkin.{outcome.value}", time=clock(result.checkin.at, zone))
    if outcome is CheckInOutcome.TOO_EARLY:
        assert result.opens_at is not None
        return text(context, "checkin.too_early",
                    opens=moment_text(context.lang, result.opens_at, zone))
    if outcome is CheckInOutcome.NEED_LOCATION:
        venue = result.event.venue if result.event else None
        return text(context, "checkin.need_location", radius=venue.radius_m if venue else 0)
    if outcome is CheckInOutcome.OUTSIDE_VENUE:
        assert result.event is not None and result.event.venue is not None
        return text(context, "checkin.outside_venue", distance=round(result.distance_m or 0),
                    radius=result.event.venue.radius_m)
    if outcome is CheckInOutcome.TOO_MANY_ATTEMPTS:
        wait = result.retry_after or timedelta(minutes=1)
        return text(context, "checkin.too_many_attempts",
                    minutes=max(1, math.ceil(wait.total_seconds() / 60)))
    return text(context, f"checkin.{outcome.value}")


def _private_text(context: Context, result: CheckInResult) -> str:
    """The outcome, under the event's title when there is one."""
    body = outcome_text(context, result)
    if result.event is None or result.outcome is CheckInOutcome.NOT_EXPECTED:
        return body
    return text(context, "checkin.for_event", title=result.event.title) + "\n" + body


async def touch_live(context: Context, member: Member, event_id: int) -> None:
    """A check-in was recorded: refresh the count under the announcement in the member's
    group chat (coalesced with every other check-in of the moment)."""
    if member.group_id is None:
        return
    ann = await context.services.attendance.announcement_in_group(event_id, member.group_id)
    if ann is not None:
        touch_announcement(context, event_id, ann.chat_id, ann.message_id)


async def _send_quietly(context: Context, chat_id: int, body: str) -> None:
    try:
        await context.bot.send_message(chat_id, body)
    except TelegramError as exc:  # blocked, or the Bot API is gone: it is recorded anyway
        log.info("check-in confirmation to %s not sent: %s", chat_id, exc)


async def _member(update: Update, context: Context) -> Member | None:
    """The bound member checking in, or None after telling them how to register."""
    member = context.actor.member
    if member is None:
        if update.callback_query is not None:
            await popup(update, context, "auth.not_registered_short")
        else:
            await reply(update, context, "auth.not_registered")
    return member


async def _answer_in_private(
    update: Update, context: Context, result: CheckInResult, method: CheckInMethod
) -> None:
    """Reply to a QR or code check-in; NEED_LOCATION moves on to the location step."""
    member = context.actor.member
    assert member is not None and update.effective_chat is not None
    chat_id = update.effective_chat.id
    if result.outcome is CheckInOutcome.NEED_LOCATION:
        assert result.event is not None
        await open_conversation(update, context, KIND_LOCATION, "location",
                                {"event_id": result.event.id, "method": method.value})
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, _private_text(context, result))
        return
    if result.recorded:
        await touch_live(context, member, result.event.id if result.event else 0)
    # outside the update's slot (see the module's docstring)
    context.application.create_task(
        _send_quietly(context, chat_id, _private_text(context, result)),
        name=f"check-in reply {chat_id}",
    )


# -- the paths ---------------------------------------------------------------------------------
async def checkin_link(update: Update, context: Context, payload: str) -> None:
    """t.me/<bot>?start=ci_…: the QR code at the venue was scanned."""
    member = await _member(update, context)
    if member is None:
        return
    result = await context.services.attendance.check_in_by_link(member, payload)
    await _answer_in_private(update, context, result, CheckInMethod.QR)


async def checkin_command(update: Update, context: Context) -> None:
    """/checkin 123456 in private chat; typed in a group, the code would be seen by all."""
    message = update.effective_message
    assert message is not None and update.effective_chat is not None
    if not is_private(update):
        deleted = False
        try:
            deleted = await context.bot.delete_message(update.effective_chat.id,
                                                       message.message_id)
        except TelegramError as exc:  # not an admin with the right to delete
            log.info("could not delete a code typed in %s: %s", update.effective_chat.id, exc)
        await reply(update, context,
                    "checkin.code_in_group_deleted" if deleted else "checkin.code_in_group")
        return
    member = await _member(update, context)
    if member is None:
        return
    code = "".join(context.args or [])[:32]
    if not code:
        await reply(update, context, "checkin.code_usage")
        return
    result = await context.services.attendance.check_in_by_code(member, code)
    await _answer_in_private(update, context, result, CheckInMethod.CODE)


async def checkin_button(update: Update, context: Context, choice: EventCheckIn) -> None:
    """签到 under an announcement: a popup, never a new message."""
    query = update.callback_query
    assert query is not None
    member = await _member(update, context)
    if member is None:
        return
    result = await context.services.attendance.check_in(
        member, choice.event_id, CheckInMethod.BUTTON
    )
    try:
        await query.answer(outcome_text(context, result), show_alert=not result.recorded)
    except TelegramError as exc:  # too old (handled again after a restart): recorded anyway
        log.info("check-in popup not shown: %s", exc)
    if result.recorded:
        await touch_live(context, member, choice.event_id)


async def on_location_step(update: Update, context: Context, conversation: Conversation) -> None:
    """The live location asked for after a valid QR code or code at an event with a venue."""
    message = update.effective_message
    assert message is not None
    member = await _member(update, context)
    if member is None:
        return
    location = message.location
    if location is None:
        await reply(update, context, "checkin.location_needed")
        return
    live = location.to_dict().get("live_period") is not None
    event_id = int(str(conversation.data["event_id"]))
    method = CheckInMethod(str(conversation.data.get("method", CheckInMethod.QR.value)))
    result = await context.services.attendance.check_in(
        member, event_id, method,
        location=GeoPoint(location.latitude, location.longitude, live=live),
    )
    if result.outcome in (CheckInOutcome.LOCATION_NOT_LIVE, CheckInOutcome.OUTSIDE_VENUE):
        await reply(update, context, "checkin.location_again", problem=outcome_text(context,
                                                                                     result))
        return
    await end_conversation(update, context)
    if result.recorded:
        await touch_live(context, member, event_id)
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, _private_text(context, result))


# -- /qr: the code for the screen at the venue -------------------------------------------------
def _qr_job_name(chat_id: int) -> str:
    return f"qr:{chat_id}"


async def _send_qr(
    context: Context, chat_id: int, actor: Actor, event: Event, language: str,
    *, until: datetime | None,
) -> int | None:
    """Send the current QR code (photo, code, link); its message id, or None when the event
    is over or cancelled (after saying so)."""
    token = await context.services.attendance.rotating_token(actor, event.id)
    if token is None:
        await context.bot.send_message(chat_id, tr(language, "qr.over", title=event.title))
        return None
    zone = context.services.config.zone
    link = deep_link(context.bot.username, token.payload)
    png = await asyncio.to_thread(qr_png, link)
    caption = tr(language, "qr.caption", title=event.title, code=token.code, link=link,
                 valid=clock(token.valid_until, zone),
                 seconds=checkin_tokens.STEP_SECONDS)
    if until is not None:
        caption += "\n" + tr(language, "qr.auto", until=clock(until, zone))
    codec = context.services.codec
    buttons = [InlineKeyboardButton(
        tr(language, "qr.refresh_button"),
        callback_data=codec.encode(QrControl(event_id=event.id, action="refresh")),
    )]
    if until is not None:
        buttons.append(InlineKeyboardButton(
            tr(language, "qr.stop_button"),
            callback_data=codec.encode(QrControl(event_id=event.id, action="stop")),
        ))
    message = await context.bot.send_photo(
        chat_id, InputFile(png, filename=f"checkin-{event.id}.png"), caption=caption,
        reply_markup=InlineKeyboardMarkup([buttons]),
    )
    return message.message_id


def _jobs(context: Context) -> JobQueue[Context]:
    jobs = context.application.job_queue
    assert jobs is not None
    return cast("JobQueue[Context]", jobs)


async def _stop_refreshing(context: Context, chat_id: int) -> None:
    for job in _jobs(context).get_jobs_by_name(_qr_job_name(chat_id)):
        job.schedule_removal()
    await context.services.qr_screens.remove(chat_id)


def _keep_fresh(jobs: JobQueue[Context], screen: QrScreen, first: timedelta) -> None:
    """Replace the screen's code with the current one every step, from `first` on."""
    jobs.run_repeating(
        _refresh_qr, interval=checkin_tokens.STEP_SECONDS, first=first,
        name=_qr_job_name(screen.chat_id), chat_id=screen.chat_id,
        user_id=screen.telegram_user_id,
        data={"event_id": screen.event_id, "message_id": screen.message_id,
              "language": screen.language, "until": screen.until.timestamp()},
    )


async def _start_qr(context: Context, chat_id: int, actor: Actor, event: Event, language: str
                    ) -> None:
    """Send the code and keep it fresh: a new one every step, for a few hours at most (across
    restarts of the bot: the screen is saved)."""
    await _stop_refreshing(context, chat_id)
    hours = context.services.config.attendance.qr_refresh_hours
    until = min(utc_now() + timedelta(hours=hours), event.ends_at)
    message_id = await _send_qr(context, chat_id, actor, event, language, until=until)
    if message_id is None or actor.telegram_user_id is None:
        return
    screen = QrScreen(chat_id, event.id, actor.telegram_user_id, message_id, language, until)
    await context.services.qr_screens.save(screen)
    first = checkin_tokens.delay_until_rotation(utc_now()) + timedelta(seconds=0.5)
    _keep_fresh(_jobs(context), screen, first)


async def _resume_qr_screens(context: Context) -> None:
    """At start-up: screens that were kept fresh before the restart get a current code now
    (the one shown may have expired meanwhile), and are kept fresh again."""
    screens = context.services.qr_screens
    for screen in await screens.all():
        if screen.until <= utc_now():
            await screens.remove(screen.chat_id)
            with contextlib.suppress(TelegramError):
                await context.bot.edit_message_reply_markup(screen.chat_id, screen.message_id,
                                                            reply_markup=None)
            continue
        _keep_fresh(_jobs(context), screen, timedelta(seconds=0.5))
    log.debug("QR screens resumed")


def schedule_qr_screens(application: LiaisonApplication) -> None:
    """Resume the saved QR screens once the bot has started."""
    jobs = application.job_queue
    assert jobs is not None
    jobs.run_once(_resume_qr_screens, 1.0, name="qr_resume")


async def _refresh_qr(context: Context) -> None:
    """The /qr job: replace the code on screen with the current one."""
    job = context.job
    assert job is not None and isinstance(job.data, dict)
    assert job.chat_id is not None and job.user_id is not None
    data = job.data
    services = context.services
    member = await services.members.by_telegram_id(job.user_id)
    actor = Actor.resolve(job.user_id, member, set(services.config.admins.telegram_user_ids))
    event = await services.attendance.event(int(data["event_id"]))
    old = int(data["message_id"])
    until = datetime.fromtimestamp(float(data["until"]), UTC)
    try:
        if event is None or utc_now() >= until or not may_reach(
            actor, Action.SHOW_CHECKIN_CODE, event
        ):
            job.schedule_removal()
            await services.qr_screens.remove(job.chat_id)
            with contextlib.suppress(TelegramError):
                await context.bot.edit_message_reply_markup(job.chat_id, old, reply_markup=None)
            return
        message_id = await _send_qr(context, job.chat_id, actor, event, str(data["language"]),
                                    until=until)
    except NotAllowed:
        message_id = None
    except TelegramError as exc:
        log.warning("QR code for chat %s not refreshed: %s", job.chat_id, exc)
        return
    if message_id is None:
        job.schedule_removal()
        await services.qr_screens.remove(job.chat_id)
    else:
        data["message_id"] = message_id
        await services.qr_screens.moved(job.chat_id, message_id)
    with contextlib.suppress(TelegramError):
        await context.bot.delete_message(job.chat_id, old)


async def show_qr(update: Update, context: Context) -> None:
    """/qr [EVENT]: the rotating QR code and 6-digit code, for the screen at the venue."""
    if not await require_bound(update, context):
        return
    if not is_private(update):
        await reply(update, context, "qr.private_only")
        return
    event = await pick_event(update, context, Action.SHOW_CHECKIN_CODE, "qr")
    if event is not None:
        await show_qr_for(update, context, event)


async def show_qr_for(update: Update, context: Context, event: Event) -> None:
    """The QR code of `event` (from /qr or a button under the event)."""
    if update.callback_query is not None:
        if not is_private(update):
            await popup(update, context, "qr.private_only")
            return
        await update.callback_query.answer()
    if not may_reach(context.actor, Action.SHOW_CHECKIN_CODE, event):
        await reply(update, context, "event.not_yours")
        return
    assert update.effective_chat is not None
    await _start_qr(context, update.effective_chat.id, context.actor, event, context.lang)


async def qr_control(update: Update, context: Context, choice: QrControl) -> None:
    """刷新 (a fresh code now) or 停止 (stop replacing it) under a /qr message."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    chat_id = update.effective_chat.id
    if choice.action == "stop":
        await _stop_refreshing(context, chat_id)
        await query.answer(text(context, "qr.stopped"))
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(InlineKeyboardMarkup([[InlineKeyboardButton(
                text(context, "qr.refresh_button"),
                callback_data=context.services.codec.encode(
                    QrControl(event_id=choice.event_id, action="refresh")
                ),
            )]]))
        return
    event = await context.services.attendance.event(choice.event_id)
    if event is None or not may_reach(context.actor, Action.SHOW_CHECKIN_CODE, event):
        await popup(update, context, "event.not_yours")
        return
    await query.answer()
    await _start_qr(context, chat_id, context.actor, event, context.lang)
    if query.message is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.delete_message(chat_id, query.message.message_id)


# -- /attendance and marking present -----------------------------------------------------------
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
             when=when_text(context.lang, event.starts_at, event.ends_at, zone)),
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
    if not view.ended:
        marks = [
            InlineKeyboardButton(
                text(context, "attendance.mark_button", name=r.member.name),
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
    number = args[0].lstrip("#") if args else ""
    phone = normalize_phone(" ".join(args[1:])[:40]) if len(args) > 1 else None
    if not number.isdigit() or phone is None:
        await reply(update, context, "attendance.mark_usage")
        return
    services = context.services
    member = await services.members.by_phone(phone)
    if member is None:
        await reply(update, context, "admin.no_such_member", phone=phone)
        return
    try:
        result = await services.attendance.mark_present_by_staff(
            context.actor, int(number), member.id
        )
    except NotAllowed:
        await reply(update, context, "event.not_yours")
        return
    if result.recorded:
        await touch_live(context, member, int(number))
    if result.outcome is CheckInOutcome.NO_SUCH_EVENT:
        await reply(update, context, "event.no_such_event", number=number)
        return
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, _marked_text(context, member, result))
