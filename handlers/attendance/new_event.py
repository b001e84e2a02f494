"""/newevent: an event made step by step in private chat, then published and announced."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.attendance.rules import MAX_RADIUS_M, MAX_TITLE, MIN_RADIUS_M, InvalidEvent
from bot.core.auth import Action, NotAllowed
from handlers.attendance.announcer import announce
from handlers.attendance.buttons import EventDraftAction, EventDraftChoice
from handlers.attendance.event_form import (
    chosen_group_ids,
    draft_button,
    example_start,
    groups_keyboard,
    manageable_groups,
    take_typed,
    toggle_group,
)
from handlers.attendance.manage_event import KIND_EDIT, edit_groups_chosen
from handlers.attendance.picker import manage_keyboard
from handlers.attendance.render import card, checkin_rule, clock, event_card, send, type_label
from handlers.shared.common import (
    button_rows,
    edit_pressed_message,
    end_conversation,
    open_conversation,
    popup,
    private_command_allowed,
    reply,
    text,
)
from handlers.shared.context import Context
from storage.models import Conversation, Event, EventDraft, EventPolicy, EventType, Venue

KIND_NEW = "event_new"


RADII = (100, 200, 500)


# The step of the /newevent conversation each button belongs to.
_BUTTON_STEP: dict[EventDraftAction, str] = {
    "type": "type",
    "radius": "radius",
    "policy": "policy",
    "group": "groups",
    "all_groups": "groups",
    "groups_done": "groups",
    "publish": "preview",
    "discard": "preview",
}


def _draft(data: dict[str, object]) -> EventDraft:
    """The draft kept in the conversation, as the service's EventDraft."""
    venue = None
    if data.get("lat") is not None and data.get("radius") is not None:
        venue = Venue(lat=float(str(data["lat"])), lon=float(str(data["lon"])),
                      radius_m=int(str(data["radius"])))
    return EventDraft(
        type=EventType(str(data["type"])),
        title=str(data["title"]),
        starts_at=datetime.fromisoformat(str(data["start"])),
        ends_at=datetime.fromisoformat(str(data["end"])),
        place=str(data.get("place", "")),
        venue=venue,
        policy=EventPolicy(str(data.get("policy", EventPolicy.OPEN.value))),
        group_ids=tuple(chosen_group_ids(data)),
    )


async def _ask(update: Update, context: Context, step: str, data: dict[str, object]) -> None:
    """Save the step, then ask its question."""
    await open_conversation(update, context, KIND_NEW, step, data)
    if step == "type":
        buttons = [
            draft_button(context, type_label(context.lang, kind), "type", kind.value)
            for kind in EventType
        ]
        await send(update, context, text(context, "event.ask_type"),
                   InlineKeyboardMarkup(button_rows(buttons, 2)))
    elif step == "title":
        await send(update, context, text(context, "event.ask_title", limit=MAX_TITLE))
    elif step == "start":
        await send(update, context, text(context, "event.ask_start",
                                         example=example_start(context)))
    elif step == "end":
        starts = datetime.fromisoformat(str(data["start"]))
        example = clock(starts + timedelta(hours=2), context.services.config.zone)
        await send(update, context, text(context, "event.ask_end", example=example))
    elif step == "place":
        await send(update, context, text(context, "event.ask_place"))
    elif step == "venue":
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(text(context, "event.venue_here_button"), request_location=True)],
             [KeyboardButton(text(context, "event.skip_button"))]],
            resize_keyboard=True, one_time_keyboard=True,
        )
        await send(update, context, text(context, "event.ask_venue"), keyboard)
    elif step == "radius":
        buttons = [
            draft_button(context, text(context, "event.radius_button", radius=r), "radius",
                         str(r))
            for r in RADII
        ]
        await send(update, context, text(context, "event.ask_radius", low=MIN_RADIUS_M,
                                         high=MAX_RADIUS_M), InlineKeyboardMarkup([buttons]))
    elif step == "policy":
        await send(update, context, text(context, "event.ask_policy"), InlineKeyboardMarkup([
            [draft_button(context, text(context, "event.policy_open_button"), "policy",
                          EventPolicy.OPEN.value)],
            [draft_button(context, text(context, "event.policy_venue_button"), "policy",
                          EventPolicy.VENUE.value)],
        ]))
    elif step == "groups":
        await send(update, context, text(context, "event.ask_groups"),
                   await groups_keyboard(context, data))
    elif step == "preview":
        draft = _draft(data)
        details = card(context.lang, draft, context.services.config.zone,
                       await context.services.members.list_groups())
        await send(update, context, text(context, "event.preview", card=details),
                   InlineKeyboardMarkup([[
                        draft_button(context, text(context, "event.publish_button"),
                                     "publish"),
                        draft_button(context, text(context, "event.discard_button"),
                                     "discard"),
                   ]]))


async def new_event(update: Update, context: Context) -> None:
    """/newevent: create an event step by step, in private chat (leaders: own group)."""
    if not await private_command_allowed(update, context, "newevent", Action.MANAGE_EVENTS):
        return
    groups = await manageable_groups(context)
    if not groups:
        await reply(update, context, "event.no_groups")
        return
    data: dict[str, object] = {}
    if context.actor.groups_for(Action.MANAGE_EVENTS) is not None:
        data["groups"] = [g.id for g in groups]  # a leader: the own group, fixed
    await _ask(update, context, "type", data)


async def on_new_event_step(update: Update, context: Context, conversation: Conversation) -> None:
    """A message during /newevent: the answer to the current step."""
    message = update.effective_message
    assert message is not None
    step, data = conversation.step, dict(conversation.data)
    typed = (message.text or "").strip()
    if step == "venue":
        if message.location is not None:
            data["lat"], data["lon"] = message.location.latitude, message.location.longitude
            await send(update, context, text(context, "event.venue_saved"),
                       ReplyKeyboardRemove())
            await _ask(update, context, "radius", data)
        elif typed and typed.lower() in (text(context, "event.skip_button").lower(), "跳过",
                                         "skip"):
            data["lat"] = data["lon"] = data["radius"] = None
            await send(update, context, text(context, "event.venue_skipped"),
                       ReplyKeyboardRemove())
            await _ask(update, context, "policy", data)
        else:
            await reply(update, context, "event.venue_needed")
        return
    if step == "radius" and typed.isdigit():
        radius = int(typed)
        if not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
            await reply(update, context, "event.bad_radius", low=MIN_RADIUS_M, high=MAX_RADIUS_M)
            return
        data["radius"] = radius
        await _ask(update, context, "policy", data)
        return
    if step in ("type", "radius", "policy", "groups", "preview"):
        await reply(update, context, "event.use_buttons")
        return
    if not typed:
        await reply(update, context, "event.text_needed")
        return
    if step in _TYPED_NEXT and await take_typed(update, context, step, typed, data):
        await _ask(update, context, _TYPED_NEXT[step], data)


# The typed steps of /newevent and the step after each.
_TYPED_NEXT = {"title": "start", "start": "end", "end": "place", "place": "venue"}


async def draft_chosen(update: Update, context: Context, choice: EventDraftChoice) -> None:
    """A button of the /newevent conversation."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    assert update.effective_chat is not None
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    if (
        conversation is None
        or conversation.kind not in (KIND_NEW, KIND_EDIT)
        or conversation.step != _BUTTON_STEP[choice.action]
    ):
        await popup(update, context, "event.step_over")
        return
    data = dict(conversation.data)
    action, value = choice.action, choice.value or ""
    if conversation.kind == KIND_EDIT:  # the groups of an existing event (the only buttons)
        await edit_groups_chosen(update, context, data, action, value)
        return
    if action == "type":
        kind = EventType(value)
        data["type"] = kind.value
        await query.answer()
        await edit_pressed_message(update, text(context, "event.chosen_type",
                                                type=type_label(context.lang, kind)))
        await _ask(update, context, "title", data)
    elif action == "radius":
        data["radius"] = int(value)
        await query.answer()
        await edit_pressed_message(update, text(context, "event.chosen_radius", radius=value))
        await _ask(update, context, "policy", data)
    elif action == "policy":
        policy = EventPolicy(value)
        data["policy"] = policy.value
        await query.answer()
        await edit_pressed_message(update, checkin_rule(context.lang, policy, None))
        await _ask(update, context, "preview" if data.get("groups") else "groups", data)
    elif action in ("group", "all_groups"):
        await toggle_group(update, context, KIND_NEW, data,
                           value if action == "group" else None)
    elif action == "groups_done":
        if not data.get("groups"):
            await popup(update, context, "event.pick_a_group")
            return
        await query.answer()
        await query.edit_message_reply_markup(None)
        await _ask(update, context, "preview", data)
    elif action == "publish":
        await _publish(update, context, data)
    elif action == "discard":
        await end_conversation(update, context)
        await query.answer()
        await edit_pressed_message(update, text(context, "event.discarded"))


async def _already_published(context: Context, draft: EventDraft) -> Event | None:
    """The same event by the same person, saved by an earlier press of 发布 (a double tap, or a
    press handled again after a crash)."""
    member = context.actor.member
    same_start = await context.services.attendance.list_events(
        starts_from=draft.starts_at, starts_before=draft.starts_at + timedelta(seconds=1),
        include_cancelled=False,
    )
    for event in same_start:
        if event.title == draft.title.strip() and event.created_by == (member.id if member
                                                                         else None):
            return event
    return None


async def _publish(update: Update, context: Context, data: dict[str, object]) -> None:
    query = update.callback_query
    assert query is not None
    draft = _draft(data)
    services = context.services
    event = await _already_published(context, draft)
    if event is None:
        try:
            change = await services.attendance.create_event(context.actor, draft)
        except NotAllowed:
            await popup(update, context, "event.managers_only")
            return
        except InvalidEvent as exc:
            await popup(update, context, f"event.problem_{exc.problem.value}")
            return
        assert change.event is not None
        event = change.event
    await end_conversation(update, context)
    await query.answer()
    details = await event_card(services, context.lang, event)
    await query.edit_message_text(
        text(context, "event.published", number=event.id, card=details),
        reply_markup=manage_keyboard(context, event.id),
    )
    missing = await announce(context, event)
    if missing:
        await reply(update, context, "event.not_announced",
                    groups="、".join(g.name for g in missing))
