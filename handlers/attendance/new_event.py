"""/newevent: an event made step by step in private chat, then published and announced."""

from __future__ import annotations

from datetime import timedelta

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.attendance.rules import MAX_RADIUS_M, MAX_TITLE, MIN_RADIUS_M, InvalidEvent
from bot.core.auth import Action, NotAllowed
from bot.core.numbers import parse_number
from domain.models import Conversation, Event, EventDraft, EventPolicy, EventType, Venue
from handlers.attendance.announcer import announce
from handlers.attendance.buttons import EventDraftAction, EventDraftChoice
from handlers.attendance.event_form import (
    EventForm,
    draft_button,
    example_end,
    example_start,
    groups_chosen,
    groups_keyboard,
    manageable_groups,
    moment_chosen,
    take_typed,
    toggle_group,
)
from handlers.attendance.manage_event import (
    KIND_EDIT,
    EditEventForm,
    edit_groups_chosen,
    edit_moment_taken,
)
from handlers.attendance.picker import manage_keyboard
from handlers.attendance.render import card, checkin_rule, event_card, send, type_label
from handlers.attendance.steps import save_step
from handlers.shared.common import (
    button_rows,
    edit_pressed_message,
    end_conversation,
    flow_data,
    popup,
    private_command_allowed,
    reply,
    text,
)
from handlers.shared.context import Context

KIND_NEW = "event_new"


RADII = (100, 200, 500)


# The steps of the /newevent (and /editevent) conversation each button belongs to.
_BUTTON_STEPS: dict[EventDraftAction, tuple[str, ...]] = {
    "type": ("type",),
    "radius": ("radius",),
    "policy": ("policy",),
    "group": ("groups",),
    "all_groups": ("groups",),
    "groups_done": ("groups",),
    "publish": ("preview",),
    "discard": ("preview",),
    "hour": ("start", "end"),
    "long_yes": ("end",),
    "long_no": ("end",),
}


class NewEventForm(EventForm):
    """The answers so far to the steps of /newevent (no venue point: lat, lon, radius None)."""

    type: EventType | None = None
    lat: float | None = None
    lon: float | None = None
    radius: int | None = None  # metres
    policy: EventPolicy = EventPolicy.OPEN

    def draft(self) -> EventDraft:
        """The finished form as the service's EventDraft."""
        assert self.type is not None and self.start is not None and self.end is not None
        venue = None
        if self.lat is not None and self.lon is not None and self.radius is not None:
            venue = Venue(lat=self.lat, lon=self.lon, radius_m=self.radius)
        return EventDraft(
            type=self.type,
            title=self.title,
            starts_at=self.start,
            ends_at=self.end,
            place=self.place,
            venue=venue,
            policy=self.policy,
            group_ids=tuple(self.groups),
        )


async def _ask(update: Update, context: Context, step: str, form: NewEventForm) -> None:
    """Save the step, then ask its question."""
    await save_step(update, context, KIND_NEW, step, form)
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
        assert form.start is not None
        await send(update, context, text(context, "event.ask_end",
                                         example=example_end(context, form.start)))
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
                   await groups_keyboard(context, form))
    elif step == "preview":
        details = card(context.lang, form.draft(), context.services.config.zone,
                       context.services.today(),
                       await context.services.members.list_groups())
        await send(update, context, text(context, "event.preview", card=details),
                   InlineKeyboardMarkup([[
                       draft_button(context, text(context, "event.publish_button"), "publish"),
                       draft_button(context, text(context, "event.discard_button"), "discard"),
                   ]]))


async def new_event(update: Update, context: Context) -> None:
    """/newevent: create an event step by step, in private chat (leaders: own group)."""
    if not await private_command_allowed(update, context, "newevent", Action.MANAGE_EVENTS):
        return
    groups = await manageable_groups(context)
    if not groups:
        await reply(update, context, "event.no_groups")
        return
    form = NewEventForm()
    if context.actor.groups_for(Action.MANAGE_EVENTS) is not None:
        form.groups = [g.id for g in groups]  # a leader: the own group, fixed
    await _ask(update, context, "type", form)


async def on_new_event_step(update: Update, context: Context, conversation: Conversation) -> None:
    """A message during /newevent: the answer to the current step."""
    message = update.effective_message
    assert message is not None
    step, form = conversation.step, flow_data(conversation, NewEventForm)
    typed = (message.text or "").strip()
    if step == "venue":
        if message.location is not None:
            form.lat, form.lon = message.location.latitude, message.location.longitude
            await send(update, context, text(context, "event.venue_saved"),
                       ReplyKeyboardRemove())
            await _ask(update, context, "radius", form)
        elif typed and typed.lower() in (text(context, "event.skip_button").lower(), "跳过",
                                         "skip"):
            form.lat = form.lon = form.radius = None
            await send(update, context, text(context, "event.venue_skipped"),
                       ReplyKeyboardRemove())
            await _ask(update, context, "policy", form)
        else:
            await reply(update, context, "event.venue_needed")
        return
    if step == "radius" and typed.isdigit():
        radius = parse_number(typed)
        if radius is None or not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
            await reply(update, context, "event.bad_radius", low=MIN_RADIUS_M, high=MAX_RADIUS_M)
            return
        form.radius = radius
        await _ask(update, context, "policy", form)
        return
    if step in ("type", "radius", "policy", "groups", "preview"):
        await reply(update, context, "event.use_buttons")
        return
    if not typed:
        await reply(update, context, "event.text_needed")
        return
    if step in _TYPED_NEXT and await take_typed(update, context, KIND_NEW, step, typed, form):
        await _ask(update, context, _TYPED_NEXT[step], form)


async def _moment_chosen(
    update: Update, context: Context, conversation: Conversation, action: str, value: str
) -> None:
    """上午/下午, or a long event confirmed or not, while typing a start or end."""
    step = conversation.step
    if conversation.kind == KIND_EDIT:
        edit_form = flow_data(conversation, EditEventForm)
        if await moment_chosen(update, context, KIND_EDIT, step, edit_form, action, value):
            await edit_moment_taken(update, context, edit_form, step)
        elif action == "long_no":
            await edit_moment_taken(update, context, edit_form, "start")  # asks the end again
        return
    form = flow_data(conversation, NewEventForm)
    if await moment_chosen(update, context, KIND_NEW, step, form, action, value):
        await _ask(update, context, _TYPED_NEXT[step], form)
    elif action == "long_no":
        await _ask(update, context, "end", form)


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
        or conversation.step not in _BUTTON_STEPS[choice.action]
    ):
        await popup(update, context, "event.step_over")
        return
    action, value = choice.action, choice.value or ""
    if action in ("hour", "long_yes", "long_no"):
        await _moment_chosen(update, context, conversation, action, value)
        return
    if conversation.kind == KIND_EDIT:  # the groups of an existing event (the only buttons)
        await edit_groups_chosen(update, context, flow_data(conversation, EditEventForm),
                                 action, value)
        return
    form = flow_data(conversation, NewEventForm)
    if action == "type":
        kind = EventType(value)
        form.type = kind
        await query.answer()
        await edit_pressed_message(update, text(context, "event.chosen_type",
                                                type=type_label(context.lang, kind)))
        await _ask(update, context, "title", form)
    elif action == "radius":
        form.radius = int(value)
        await query.answer()
        await edit_pressed_message(update, text(context, "event.chosen_radius", radius=value))
        await _ask(update, context, "policy", form)
    elif action == "policy":
        policy = EventPolicy(value)
        form.policy = policy
        await query.answer()
        await edit_pressed_message(update, checkin_rule(context.lang, policy, None))
        await _ask(update, context, "preview" if form.groups else "groups", form)
    elif action in ("group", "all_groups"):
        await toggle_group(update, context, KIND_NEW, form,
                           value if action == "group" else None)
    elif action == "groups_done":
        if not form.groups:
            await popup(update, context, "event.pick_a_group")
            return
        await query.answer()
        await edit_pressed_message(update, await groups_chosen(context, form))
        await _ask(update, context, "preview", form)
    elif action == "publish":
        await _publish(update, context, form)
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


async def _publish(update: Update, context: Context, form: NewEventForm) -> None:
    query = update.callback_query
    assert query is not None
    draft = form.draft()
    services = context.services
    event = await _already_published(context, draft)
    if event is None:
        try:
            change = await services.attendance.create_event(context.actor, draft)
        except NotAllowed:
            await popup(update, context, "event.managers_only")
            return
        except InvalidEvent as exc:
            await popup(update, context, f"event.problem_{exc.reason.value}")
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
