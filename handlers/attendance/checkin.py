"""Check-in in chat: the QR deep link, /checkin CODE, the 签到 button, the live-location step.

Every path records through the attendance service, which answers once the check-in is
committed; then the member is answered. The popup of the group button is answered within the
update. The confirmation message of a QR code or code is sent by a task of its own, so the
update does not hold one of the bot's update slots while the message waits its turn under
Telegram's 30 messages a second (a crowd scanning at once queues there for many seconds). A
crash between the commit and a confirmation loses only the confirmation: scanning again says
"already checked in at 09:02".
"""

from __future__ import annotations

import logging
import math
import unicodedata
from datetime import timedelta

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import MessageHandler, filters

from bot.attendance.outcomes import CheckInOutcome, CheckInResult
from bot.attendance.rules import GeoPoint
from bot.core.when import clock, moment_text
from domain.models import CheckInMethod, Conversation, EventPolicy, Member
from handlers.attendance.announcer import touch_live
from handlers.attendance.buttons import EventCheckIn
from handlers.attendance.steps import save_step
from handlers.shared.common import (
    edit_pressed_message,
    end_conversation,
    flow_data,
    is_private,
    popup,
    reply,
    text,
)
from handlers.shared.context import Context

log = logging.getLogger(__name__)


KIND_LOCATION = "checkin_location"


class LocationStep(BaseModel):
    """A QR code or code accepted for `event_id`, waiting for the member's live location."""

    event_id: int
    method: CheckInMethod = CheckInMethod.QR  # how the check-in began: QR or CODE


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
                    opens=moment_text(context.lang, result.opens_at, zone,
                                      today=context.services.today()))
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
        await save_step(update, context, KIND_LOCATION, "location",
                        LocationStep(event_id=result.event.id, method=method))
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
    """签到 under an announcement: a popup, never a new message; in private chat (the answer
    to the word 签到) the message whose button was pressed says the outcome."""
    query = update.callback_query
    assert query is not None
    member = await _member(update, context)
    if member is None:
        return
    result = await context.services.attendance.check_in(
        member, choice.event_id, CheckInMethod.BUTTON
    )
    if is_private(update):
        await query.answer()
        await edit_pressed_message(update, _private_text(context, result))
        if result.recorded:
            await touch_live(context, member, choice.event_id)
        return
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
    step = flow_data(conversation, LocationStep)
    event_id = step.event_id
    result = await context.services.attendance.check_in(
        member, event_id, step.method,
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


# Six digits alone (full-width too), or the word 签到 alone, in private chat.
_CODE_OR_WORD = r"^\s*(?:[0-9０-９]{6}|签到)\s*$"


async def code_or_word(update: Update, context: Context) -> None:
    """A bare 6-digit code is /checkin CODE; 签到 asks which event, with the open ones as
    buttons. Inside an open conversation (a title that happens to be 签到) it is that
    conversation's answer."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    assert update.effective_chat is not None
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    flow = context.state.registry.flows.get(conversation.kind) if conversation else None
    if conversation is not None and flow is not None:
        await flow(update, context, conversation)
        return
    member = await _member(update, context)
    if member is None:
        return
    typed = unicodedata.normalize("NFKC", message.text or "").strip()
    if typed.isascii():  # six digits (the filter lets nothing else through but 签到)
        result = await context.services.attendance.check_in_by_code(member, typed)
        await _answer_in_private(update, context, result, CheckInMethod.CODE)
        return
    events = await context.services.attendance.open_for_check_in(member)
    if not events:
        await reply(update, context, "checkin.nothing_open")
        return
    by_button = [e for e in events if e.policy is not EventPolicy.VENUE]
    body = text(context, "checkin.which_event")
    if by_button:
        body += "\n" + text(context, "checkin.which_event_tap")
    for event in events:
        if event.policy is EventPolicy.VENUE:
            body += "\n" + text(context, "checkin.which_event_venue", title=event.title)
    codec = context.services.codec
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton(e.title, callback_data=codec.encode(EventCheckIn(event_id=e.id)))]
        for e in by_button
    ])
    await context.bot.send_message(update.effective_chat.id, body,
                                   reply_markup=keyboard if by_button else None)


CODE_OR_WORD_HANDLER = MessageHandler(
    filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.Regex(_CODE_OR_WORD),
    code_or_word,
)
