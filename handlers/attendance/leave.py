"""Leave (请假) in chat: the 请假 button (group or /events) or /leave EVENT, the reason asked in
private chat, the push with 批准 / 拒绝 to whoever decides, and the member told of the decision."""

from __future__ import annotations

import logging

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.attendance.links import LEAVE_PREFIX, leave_link_payload
from bot.attendance.outcomes import DecisionOutcome, LeaveDecision, LeaveOutcome
from bot.attendance.rules import MAX_REASON
from bot.core.auth import NotAllowed
from bot.core.numbers import parse_number
from bot.core.texts import tr
from bot.core.when import when_text
from domain.models import Conversation, Event, LeaveRequest, Member, Role
from handlers.attendance.buttons import EventLeaveAsk, LeaveDecide
from handlers.attendance.steps import save_step
from handlers.attendance.views import list_events
from handlers.shared.common import (
    edit_pressed_message,
    end_conversation,
    flow_data,
    is_private,
    popup,
    private_command_allowed,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context, Services

log = logging.getLogger(__name__)

KIND = "leave"


class LeaveReasonStep(BaseModel):
    """Leave asked from `event_id`: waiting for the reason."""

    event_id: int


async def _ask_reason(update: Update, context: Context, event_id: int) -> None:
    """Check that leave can be asked, then ask for the reason (private chat)."""
    member = context.actor.member
    if member is None:
        await reply(update, context, "auth.not_registered")
        return
    # checked in, asked or approved already, …: said at once, not after the reason is typed
    refused = await context.services.attendance.leave_refusal(member, event_id)
    if refused is not None:
        outcome = refused.outcome
        key = ("event.no_such_event" if outcome is LeaveOutcome.NO_SUCH_EVENT
               else f"leave.{outcome.value}")
        await reply(update, context, key, number=event_id)
        return
    event = await context.services.attendance.event(event_id)
    if event is None:  # deleted in between: as if it had never been
        await reply(update, context, "event.no_such_event", number=event_id)
        return
    await save_step(update, context, KIND, "reason", LeaveReasonStep(event_id=event.id))
    zone = context.services.config.zone
    await reply(update, context, "leave.ask_reason", title=event.title,
                when=when_text(context.lang, event.starts_at, event.ends_at, zone,
                               today=context.services.today()),
                limit=MAX_REASON)


async def leave_button(update: Update, context: Context, choice: EventLeaveAsk) -> None:
    """请假 under an announcement (group: opens the private chat) or under /events."""
    query = update.callback_query
    assert query is not None
    if context.actor.member is None:
        await popup(update, context, "auth.not_registered_short")
        return
    if is_private(update):
        await query.answer()
        await _ask_reason(update, context, choice.event_id)
        return
    link = f"https://t.me/{context.bot.username}?start={leave_link_payload(choice.event_id)}"
    try:
        await query.answer(text(context, "leave.open_private"), url=link)
    except BadRequest as exc:
        log.info("leave button not answered: %s", exc)


async def leave_link(update: Update, context: Context, payload: str) -> None:
    """t.me/<bot>?start=lv_<event>: the 请假 button led here."""
    digits = payload.removeprefix(LEAVE_PREFIX)
    if not digits.isascii() or not digits.isdigit():
        await reply(update, context, "start.unknown_link")
        return
    await _ask_leave(update, context, digits)


async def leave_command(update: Update, context: Context) -> None:
    """/leave [EVENT]: ask for leave (without a number: the upcoming events, to pick one)."""
    if not await private_command_allowed(update, context, "leave"):
        return
    typed = (context.args or [""])[0]
    if not typed:
        await list_events(update, context)
        return
    await _ask_leave(update, context, typed)


async def _ask_leave(update: Update, context: Context, typed: str) -> None:
    """Leave from the event numbered `typed` (as typed: it may be no number at all)."""
    number = parse_number(typed)
    if number is None:
        await reply(update, context, "event.no_such_event", number=typed.lstrip("#")[:12])
        return
    await _ask_reason(update, context, number)


def _decider_text(language: str, services: Services, event: Event, member: Member,
                  request: LeaveRequest) -> str:
    return tr(language, "leave.request_push", name=member.name,
              group=member.group_name or tr(language, "common.no_group"), title=event.title,
              when=when_text(language, event.starts_at, event.ends_at, services.config.zone,
                             today=services.today()),
              reason=request.reason)


async def on_reason(update: Update, context: Context, conversation: Conversation) -> None:
    """The reason for leave, typed in private chat."""
    message = update.effective_message
    assert message is not None
    member = context.actor.member
    if member is None:
        await end_conversation(update, context)
        await reply(update, context, "auth.not_registered")
        return
    event_id = flow_data(conversation, LeaveReasonStep).event_id
    services = context.services
    result = await services.attendance.ask_leave(member, event_id, message.text or "")
    outcome = result.outcome
    if outcome is LeaveOutcome.NO_REASON:
        await reply(update, context, "leave.no_reason")
        return
    if outcome is LeaveOutcome.REASON_TOO_LONG:
        await reply(update, context, "leave.reason_too_long", limit=MAX_REASON)
        return
    await end_conversation(update, context)
    if outcome is not LeaveOutcome.REQUESTED:
        await reply(update, context, f"leave.{outcome.value}", number=event_id)
        return
    assert result.event is not None and result.request is not None
    request, event = result.request, result.event
    if not result.deciders:
        await reply(update, context, "leave.requested_no_decider", title=event.title)
        return
    # the role, not a list of names: 请等候组长审批
    leaders = all(d.role is Role.LEADER for d in result.deciders)
    await reply(update, context, "leave.requested", title=event.title,
                deciders=text(context, "leave.leaders" if leaders else "leave.staff"))
    codec = services.codec
    for decider in result.deciders:
        assert decider.telegram_user_id is not None
        language = await services.settings.language(decider.telegram_user_id) or "zh"
        keyboard = InlineKeyboardMarkup([[
            InlineKeyboardButton(
                tr(language, "leave.approve_button"),
                callback_data=codec.encode(LeaveDecide(request_id=request.id,
                                                       decision="approve")),
            ),
            InlineKeyboardButton(
                tr(language, "leave.decline_button"),
                callback_data=codec.encode(LeaveDecide(request_id=request.id,
                                                       decision="decline")),
            ),
        ]])
        await services.sender.push(
            f"leave:{request.id}:ask", decider.telegram_user_id,
            _decider_text(language, services, event, member, request), reply_markup=keyboard,
        )


async def leave_decided(update: Update, context: Context, choice: LeaveDecide) -> None:
    """批准 / 拒绝 under a leave request."""
    if not await require_bound(update, context):
        return
    services = context.services
    try:
        decision = await services.attendance.decide_leave(
            context.actor, choice.request_id, choice.decision == "approve"
        )
    except NotAllowed:
        await popup(update, context, "leave.not_yours")
        return
    outcome = decision.outcome
    if outcome is DecisionOutcome.NO_SUCH_REQUEST:
        await popup(update, context, "callback.invalid")
        return
    assert decision.event is not None and decision.member is not None
    assert decision.request is not None
    key = {
        DecisionOutcome.APPROVED: "leave.approved_by",
        DecisionOutcome.DECLINED: "leave.declined_by",
        DecisionOutcome.ALREADY_DECIDED: f"leave.decided_{decision.request.status.value}",
        DecisionOutcome.CHECKED_IN: "leave.came_after_all",
        DecisionOutcome.CANCELLED: "leave.cancelled",
    }[outcome]
    who = context.actor.member.name if context.actor.member else text(context, "leave.staff")
    result_line = text(context, key, name=who, number=decision.event.id)
    query = update.callback_query
    assert query is not None
    try:
        await query.answer(result_line)
    except BadRequest as exc:
        log.info("decision popup not shown: %s", exc)
    await edit_pressed_message(
        update,
        _decider_text(context.lang, services, decision.event, decision.member, decision.request)
        + "\n\n" + result_line,
    )
    if outcome in (DecisionOutcome.APPROVED, DecisionOutcome.DECLINED):
        await _tell_member(context, decision, context.actor.member)


async def _tell_member(
    context: Context, decision: LeaveDecision, decider: Member | None
) -> None:
    services = context.services
    member, event, request = decision.member, decision.event, decision.request
    assert member is not None and event is not None and request is not None
    if member.telegram_user_id is None or not member.active:  # left the roster: not told
        return
    language = await services.settings.language(member.telegram_user_id) or "zh"
    approved = decision.outcome is DecisionOutcome.APPROVED
    # whom the member may contact: "张三组长", "机关工作人员李四", or the office
    if decider is None:
        name = tr(language, "leave.staff")
    elif decider.role is Role.LEADER:
        name = tr(language, "leave.leader_name", name=decider.name)
    else:
        name = tr(language, "leave.staff_name", name=decider.name)
    body = tr(language, "leave.approved_push" if approved else "leave.declined_push",
              title=event.title, name=name,
              when=when_text(language, event.starts_at, event.ends_at, services.config.zone,
                             today=services.today()))
    await services.sender.push(f"leave:{request.id}:decided", member.telegram_user_id, body)
