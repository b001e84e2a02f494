"""/editevent, /cancelevent and the buttons under an event shown to whoever runs it."""

from __future__ import annotations

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.attendance.outcomes import EventChangeOutcome
from bot.attendance.permissions import may_manage
from bot.attendance.rules import InvalidEvent, draft_of
from bot.core.auth import Action, NotAllowed
from bot.core.when import when_text
from domain.models import Conversation, Event, EventStatus
from handlers.attendance.announcer import after_change
from handlers.attendance.buttons import EventManage, EventManageAction
from handlers.attendance.event_form import (
    EventForm,
    example_end,
    example_start,
    groups_chosen,
    groups_keyboard,
    manageable_groups,
    take_typed,
    toggle_group,
)
from handlers.attendance.picker import manage_keyboard, pick_event
from handlers.attendance.qr import show_qr_for
from handlers.attendance.render import event_card, say, send
from handlers.attendance.steps import save_step
from handlers.attendance.views import show_attendance_for
from handlers.shared.common import (
    edit_pressed_message,
    end_conversation,
    flow_data,
    popup,
    private_command_allowed,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context

KIND_EDIT = "event_edit"
# /cancelevent ID REASON: the reason kept until the cancellation is confirmed with its button
KIND_CANCEL = "event_cancel"
MAX_CANCEL_REASON = 200


class EditEventForm(EventForm):
    """The answers so far while changing the title, times, place or groups of `event_id`."""

    event_id: int


class CancelReason(BaseModel):
    """The reason typed with /cancelevent, kept until the cancellation is confirmed."""

    event_id: int
    reason: str = ""


async def edit_event(update: Update, context: Context) -> None:
    """/editevent [ID]: what to change (title, time, place) or cancel."""
    if not await private_command_allowed(update, context, "editevent"):
        return
    event = await pick_event(update, context, Action.MANAGE_EVENTS, "menu")
    if event is not None:
        await _show_menu(update, context, event)


async def cancel_event(update: Update, context: Context) -> None:
    """/cancelevent [ID [REASON]]: cancel an event, after a confirmation; the members told
    read the reason, when one is given."""
    if not await private_command_allowed(update, context, "cancelevent"):
        return
    reason = " ".join((context.args or [])[1:]).strip()
    if len(reason) > MAX_CANCEL_REASON:
        await reply(update, context, "event.reason_too_long", limit=MAX_CANCEL_REASON)
        return
    event = await pick_event(update, context, Action.MANAGE_EVENTS, "cancel")
    if event is None:
        return
    if reason and event.status is not EventStatus.CANCELLED:
        await save_step(update, context, KIND_CANCEL, "confirm",
                        CancelReason(event_id=event.id, reason=reason))
    await _ask_cancel(update, context, event, edit=False, reason=reason)


async def _show_menu(update: Update, context: Context, event: Event, *, edit: bool = False
                     ) -> None:
    codec = context.services.codec

    def button(key: str, action: EventManageAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text(context, key),
            callback_data=codec.encode(EventManage(event_id=event.id, action=action)),
        )

    last_row = [button("event.button_cancel", "cancel")]
    if len(await manageable_groups(context)) > 1:
        last_row.insert(0, button("event.change_groups_button", "groups"))
    keyboard = InlineKeyboardMarkup([
        [button("event.change_title_button", "title"),
         button("event.change_time_button", "time"),
         button("event.change_place_button", "place")],
        last_row,
    ])
    details = await event_card(context.services, context.lang, event)
    body = text(context, "event.edit_menu", number=event.id, card=details)
    if edit and update.callback_query is not None:
        await edit_pressed_message(update, body, keyboard)  # a second tap: "not modified"
    else:
        await send(update, context, body, keyboard)


async def _ask_cancel(
    update: Update, context: Context, event: Event, *, edit: bool, reason: str = ""
) -> None:
    if event.status is EventStatus.CANCELLED:
        body = text(context, "event.already_cancelled", number=event.id)
        if edit and update.callback_query is not None:  # the press is answered already
            await edit_pressed_message(update, body)
        else:
            await send(update, context, body)
        return
    codec = context.services.codec
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(
            text(context, "event.cancel_yes_button"),
            callback_data=codec.encode(EventManage(event_id=event.id, action="cancel_yes")),
        ),
        InlineKeyboardButton(
            text(context, "event.cancel_no_button"),
            callback_data=codec.encode(EventManage(event_id=event.id, action="cancel_no")),
        ),
    ]])
    told = await _told_count(context, event)
    details = await event_card(context.services, context.lang, event)
    if told:
        body = text(context, "event.cancel_confirm", card=details, told=told)
    else:  # made by mistake and cancelled before anyone was told: nobody is told now
        body = text(context, "event.cancel_confirm_untold", card=details)
    if reason:
        body += "\n" + text(context, "event.cancel_reason", reason=reason)
    if edit and update.callback_query is not None:
        await edit_pressed_message(update, body, keyboard)  # a second tap: "not modified"
    else:
        await send(update, context, body, keyboard)


async def _told_count(context: Context, event: Event) -> int:
    """How many members a cancellation would be told to now (not whoever cancels it)."""
    told = await context.services.attendance.members_told(event.id)
    return sum(m.telegram_user_id != context.actor.telegram_user_id for m in told)


async def event_managed(update: Update, context: Context, choice: EventManage) -> None:
    """A button under an event shown to a leader or staff member (or of an event picker)."""
    query = update.callback_query
    assert query is not None
    if not await require_bound(update, context):
        return
    event = await context.services.attendance.event(choice.event_id)
    if event is None:
        await popup(update, context, "callback.invalid")
        return
    action = choice.action
    if action == "qr":
        await show_qr_for(update, context, event)
        return
    if action == "attendance":
        await show_attendance_for(update, context, event)
        return
    if not may_manage(context.actor, event):
        await popup(update, context, "event.not_yours")
        return
    if action == "menu":
        await query.answer()
        await _show_menu(update, context, event, edit=True)
    elif action in ("title", "time", "place"):
        await query.answer()
        step = "start" if action == "time" else action
        form = EditEventForm(event_id=event.id, saved_start=event.starts_at)
        await save_step(update, context, KIND_EDIT, step, form)
        await send(update, context, _edit_prompt(context, step, event, form))
    elif action == "groups":
        await query.answer()
        form = EditEventForm(event_id=event.id, groups=sorted(event.group_ids))
        await save_step(update, context, KIND_EDIT, "groups", form)
        await send(update, context, text(context, "event.ask_new_groups"),
                   await groups_keyboard(context, form))
    elif action == "cancel":
        await query.answer()
        await _ask_cancel(update, context, event, edit=True)
    elif action == "cancel_no":
        await query.answer()
        await edit_pressed_message(update, text(context, "event.cancel_kept", number=event.id))
    elif action == "cancel_yes":
        await _cancel(update, context, event)


async def edit_groups_chosen(
    update: Update, context: Context, form: EditEventForm, action: str, value: str
) -> None:
    """A button under the groups of an event being changed: toggle, or done (then saved)."""
    query = update.callback_query
    assert query is not None
    if action in ("group", "all_groups"):
        await toggle_group(update, context, KIND_EDIT, form,
                           value if action == "group" else None)
        return
    if action != "groups_done":
        await popup(update, context, "event.step_over")
        return
    if not form.groups:
        await popup(update, context, "event.pick_a_group")
        return
    event = await context.services.attendance.event(form.event_id)
    if event is None:
        await end_conversation(update, context)
        await popup(update, context, "callback.invalid")
        return
    await query.answer()
    await edit_pressed_message(update, await groups_chosen(context, form))
    await _apply_edit(update, context, event, {"group_ids": tuple(form.groups)})


def _edit_prompt(context: Context, step: str, event: Event, form: EditEventForm) -> str:
    zone = context.services.config.zone
    if step == "title":
        return text(context, "event.ask_new_title", title=event.title)
    if step == "place":
        return text(context, "event.ask_new_place", place=event.place or "—")
    if step == "start":
        return text(context, "event.ask_new_start", example=example_start(context),
                    when=when_text(context.lang, event.starts_at, event.ends_at, zone,
                                  today=context.services.today()))
    assert form.start is not None  # the end is asked after the start
    return text(context, "event.ask_end",
                example=example_end(context, form.start, event.ends_at))


async def _reason_given(update: Update, context: Context, event: Event) -> str:
    """The reason typed with /cancelevent for this event (then forgotten), or ""."""
    assert update.effective_user is not None and update.effective_chat is not None
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    if conversation is None or conversation.kind != KIND_CANCEL:
        return ""
    given = flow_data(conversation, CancelReason)
    if given.event_id != event.id:
        return ""
    await end_conversation(update, context)
    return given.reason


async def _cancel(update: Update, context: Context, event: Event) -> None:
    reason = await _reason_given(update, context, event)
    try:
        change = await context.services.attendance.cancel_event(context.actor, event.id, reason)
    except NotAllowed:
        await popup(update, context, "event.not_yours")
        return
    if change.outcome is EventChangeOutcome.CANCELLED:
        told = await after_change(context, change, reason)
        key = "event.cancelled" if told else "event.cancelled_untold"
        await say(update, context, text(context, key, number=event.id, title=event.title,
                                        told=told))
    elif change.outcome is EventChangeOutcome.ENDED:
        await say(update, context, text(context, "event.ended", number=event.id))
    else:
        await say(update, context, text(context, "event.already_cancelled", number=event.id))


async def on_edit_step(update: Update, context: Context, conversation: Conversation) -> None:
    """A message while changing an event's title, time or place."""
    message = update.effective_message
    assert message is not None
    typed = (message.text or "").strip()
    if not typed:
        await reply(update, context, "event.text_needed")
        return
    form = flow_data(conversation, EditEventForm)
    event = await context.services.attendance.event(form.event_id)
    if event is None:
        await end_conversation(update, context)
        await reply(update, context, "event.no_such_event", number=form.event_id)
        return
    step = conversation.step
    if step == "groups":
        await reply(update, context, "event.use_buttons")
        return
    if not await take_typed(update, context, KIND_EDIT, step, typed, form,
                            saved_end=event.ends_at):
        return
    await _moment_taken(update, context, event, form, step)


async def edit_moment_taken(
    update: Update, context: Context, form: EditEventForm, step: str
) -> None:
    """A start or end chosen by button: move on as after a typed one."""
    event = await context.services.attendance.event(form.event_id)
    if event is None:
        await end_conversation(update, context)
        await reply(update, context, "event.no_such_event", number=form.event_id)
        return
    await _moment_taken(update, context, event, form, step)


async def _moment_taken(
    update: Update, context: Context, event: Event, form: EditEventForm, step: str
) -> None:
    if step == "start":
        await save_step(update, context, KIND_EDIT, "end", form)
        await send(update, context, _edit_prompt(context, "end", event, form))
        return
    changes: dict[str, object] = {}
    if step == "title":
        changes["title"] = form.title
    elif step == "place":
        changes["place"] = form.place
    elif step == "end":
        changes.update(starts_at=form.start, ends_at=form.end)
    await _apply_edit(update, context, event, changes)


async def _apply_edit(
    update: Update, context: Context, event: Event, changes: dict[str, object]
) -> None:
    draft = draft_of(event).model_copy(update=changes)
    try:
        change = await context.services.attendance.edit_event(context.actor, event.id, draft)
    except NotAllowed:
        await end_conversation(update, context)
        await reply(update, context, "event.not_yours")
        return
    except InvalidEvent as exc:
        await reply(update, context, f"event.problem_{exc.reason.value}")
        return
    await end_conversation(update, context)
    if change.outcome is EventChangeOutcome.EDITED:
        assert change.event is not None
        told = await after_change(context, change)
        details = await event_card(context.services, context.lang, change.event)
        await send(update, context, text(context, "event.edited", number=event.id,
                                         card=details, told=told),
                   manage_keyboard(context, event.id))
    elif change.outcome is EventChangeOutcome.UNCHANGED:
        await reply(update, context, "event.unchanged")
    elif change.outcome is EventChangeOutcome.ENDED:
        await reply(update, context, "event.ended", number=event.id)
    else:
        await reply(update, context, "event.already_cancelled", number=event.id)
