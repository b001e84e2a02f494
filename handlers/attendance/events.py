"""Events in chat: /newevent (a guided conversation), /editevent and /cancelevent, the
announcement in each expected group's chat with its live count, /events, and the announcer
that posts what is still unannounced (events made at the command line, groups bound later).

Announcements are recorded (event_announcements) right after they are posted; the announcer
job looks every few seconds for expected groups with a bound chat and no announcement, so an
event created while the bot was down, or a crash between saving an event and posting it, ends
with the announcement posted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.attendance.outcomes import EventChange, EventChangeOutcome
from bot.attendance.rules import (
    MAX_PLACE,
    MAX_RADIUS_M,
    MAX_TITLE,
    MIN_RADIUS_M,
    InvalidEvent,
    draft_of,
)
from bot.core.auth import Action, Actor, NotAllowed
from bot.core.texts import DEFAULT_LANGUAGE, Html, tr
from bot.core.timeparse import parse_local_datetime
from bot.telegram.live import Rendered
from bot.telegram.ratelimit import Priority
from handlers.attendance.buttons import (
    EventCheckIn,
    EventDraftAction,
    EventDraftChoice,
    EventLeaveAsk,
    EventManage,
    EventManageAction,
)
from handlers.shared.common import (
    button_rows,
    edit_pressed_markup,
    edit_pressed_message,
    end_conversation,
    open_conversation,
    popup,
    private_command_allowed,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context, LiaisonApplication, Services
from storage.db import utc_now
from storage.models import (
    ActivityGroup,
    AttendanceStatus,
    Conversation,
    Event,
    EventDraft,
    EventPolicy,
    EventStatus,
    EventType,
    Member,
    Venue,
)

log = logging.getLogger(__name__)

KIND_NEW = "event_new"
KIND_EDIT = "event_edit"
# /cancelevent ID REASON: the reason kept until the cancellation is confirmed with its button
KIND_CANCEL = "event_cancel"
MAX_CANCEL_REASON = 200
RADII = (100, 200, 500)
# An announcement that could not be posted (the bot is not in the chat) is tried this often.
_ANNOUNCE_ATTEMPTS = 3
# /events lists at most this many events; pickers offer at most this many buttons.
_LIST_LIMIT = 10
# Pickers (/qr, /attendance… without a number) include events that ended this long ago.
_RECENT = timedelta(days=2)

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


# -- how events look ---------------------------------------------------------------------------
def clock(moment: datetime, zone: ZoneInfo) -> str:
    """09:02 in the committee's zone."""
    return moment.astimezone(zone).strftime("%H:%M")


def day_text(language: str, moment: datetime, zone: ZoneInfo) -> str:
    """2026年12月3日（周四） / Thu 3.12.2026."""
    local = moment.astimezone(zone)
    return tr(
        language, "event.day", year=local.year, month=local.month, day=local.day,
        weekday=tr(language, f"weekday.{local.weekday()}"),
    )


def moment_text(language: str, moment: datetime, zone: ZoneInfo) -> str:
    """A day and a time: 2026年12月3日（周四） 09:00."""
    return f"{day_text(language, moment, zone)} {clock(moment, zone)}"


def when_text(language: str, starts: datetime, ends: datetime, zone: ZoneInfo) -> str:
    """When an event is: one day and two times, or two moments."""
    if starts.astimezone(zone).date() == ends.astimezone(zone).date():
        return f"{day_text(language, starts, zone)} {clock(starts, zone)}–{clock(ends, zone)}"
    return f"{moment_text(language, starts, zone)} – {moment_text(language, ends, zone)}"


def type_label(language: str, kind: EventType) -> str:
    return tr(language, f"event_type.{kind.value}")


def checkin_rule(language: str, policy: EventPolicy, venue: Venue | None) -> str:
    """How members check in at this event, in one line."""
    if policy is EventPolicy.VENUE:
        if venue is None:
            return tr(language, "event.rule_venue")
        return tr(language, "event.rule_venue_point", radius=venue.radius_m)
    if venue is None:
        return tr(language, "event.rule_open")
    return tr(language, "event.rule_open_point", radius=venue.radius_m)


def card(
    language: str, draft: EventDraft, zone: ZoneInfo, groups: Iterable[ActivityGroup]
) -> Html:
    """The details of an event (or of a draft): type, title, time, place, check-in, groups."""
    names = [g.name for g in groups if g.id in set(draft.group_ids)]
    return Html(tr(
        language, "event.card",
        type=type_label(language, draft.type),
        title=draft.title,
        when=when_text(language, draft.starts_at, draft.ends_at, zone),
        place=draft.place or tr(language, "event.place_none"),
        rule=checkin_rule(language, draft.policy, draft.venue),
        groups="、".join(names) if language == "zh" else ", ".join(names),
    ))


async def event_card(services: Services, language: str, event: Event) -> Html:
    return card(language, draft_of(event), services.config.zone,
                await services.members.list_groups())


# -- announcements in group chats --------------------------------------------------------------
def announcement_keyboard(services: Services, event_id: int) -> InlineKeyboardMarkup:
    codec = services.codec
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(
            tr(DEFAULT_LANGUAGE, "event.button_checkin"),
            callback_data=codec.encode(EventCheckIn(event_id=event_id)),
        ),
        InlineKeyboardButton(
            tr(DEFAULT_LANGUAGE, "event.button_leave"),
            callback_data=codec.encode(EventLeaveAsk(event_id=event_id)),
        ),
    ]])


async def render_announcement(services: Services, event_id: int, chat_id: int) -> Rendered:
    """The announcement in `chat_id` as it should read now: details, 已签到 N / 应到 M, buttons
    (the count is that of the group bound to the chat). Group chats read the default language."""
    event = await services.attendance.event(event_id)
    if event is None:
        return None
    language = DEFAULT_LANGUAGE
    details = await event_card(services, language, event)
    if event.status is EventStatus.CANCELLED:
        return tr(language, "event.announcement_cancelled", number=event.id, card=details), None
    group = await services.members.group_by_chat(chat_id)
    if group is not None and group.id not in event.group_ids:  # taken out by an edit
        return tr(language, "event.announcement_withdrawn", number=event.id, card=details), None
    count = await services.attendance.counts(event_id, group.id if group else None)
    body = tr(
        language, "event.announcement", number=event.id, card=details,
        checked_in=count.checked_in, expected=count.expected,
    )
    return body, announcement_keyboard(services, event_id)


def touch_announcement(context: Context, event_id: int, chat_id: int, message_id: int) -> None:
    """Edit the announcement soon (coalesced: at most one edit every few seconds)."""
    services = context.services

    async def render() -> Rendered:
        return await render_announcement(services, event_id, chat_id)

    services.live.touch(chat_id, message_id, render)


@dataclass
class AnnouncerState:
    """One announcer at a time; failed posts per (event, chat), to give up after a few."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    failures: dict[tuple[int, int], int] = field(default_factory=dict)


async def announce(context: Context, event: Event) -> list[ActivityGroup]:
    """Post the announcement in every expected group's chat that has none yet; returns the
    groups it could not be posted in (no chat bound, or the bot is not there)."""
    services = context.services
    announcer = context.state.part(AnnouncerState)
    failures = announcer.failures
    missing: list[ActivityGroup] = []
    async with announcer.lock:
        posted = {a.chat_id for a in await services.attendance.announcements(event.id)}
        for group in await services.members.list_groups():
            if group.id not in event.group_ids or group.chat_id in posted:
                continue
            chat_id = group.chat_id
            if chat_id is None or failures.get((event.id, chat_id), 0) >= _ANNOUNCE_ATTEMPTS:
                missing.append(group)
                continue
            rendered = await render_announcement(services, event.id, chat_id)
            if rendered is None:
                break
            body, keyboard = rendered
            try:
                message = await context.bot.send_message(
                    chat_id, body, reply_markup=keyboard,
                    rate_limit_args={"priority": Priority.BULK},
                )
            except (Forbidden, BadRequest) as exc:
                failures[(event.id, chat_id)] = failures.get((event.id, chat_id), 0) + 1
                log.warning("event %s not announced in chat %s: %s", event.id, chat_id,
                            exc.message)
                missing.append(group)
                continue
            await services.attendance.save_announcement(event.id, chat_id, message.message_id)
    return missing


async def announce_pending(context: Context) -> None:
    """The announcer job: post every announcement still missing (CLI events, late bindings)."""
    services = context.services
    for event in await services.attendance.upcoming_events():
        try:
            await announce(context, event)
        except TelegramError as exc:  # the Bot API is unreachable: next round
            log.warning("announcer: %s", exc)
            return


def schedule_announcer(application: LiaisonApplication) -> None:
    """Run the announcer every [attendance] announce_every_seconds, from start-up."""
    jobs = application.job_queue
    assert jobs is not None
    config = application.bot_data.config
    every = config.attendance.announce_every_seconds
    jobs.run_repeating(announce_pending, interval=every, first=0.5, name="announce_events")


# -- telling members of changes ----------------------------------------------------------------
async def _notify(
    services: Services, key: str, members: Sequence[Member], render: dict[str, str]
) -> None:
    """Push the text (by language) to each member, once per key; runs after the reply."""
    messages = []
    for member in members:
        assert member.telegram_user_id is not None
        chosen = await services.settings.language(member.telegram_user_id)
        messages.append((member.telegram_user_id, render.get(chosen or "", render["zh"])))
    outcome = await services.sender.push_many(key, messages)
    log.info("%s: %s", key, dict(outcome))


async def after_change(context: Context, change: EventChange, reason: str = "") -> int:
    """Edit the announcements, announce in new groups, tell the members concerned (in the
    background; a cancellation with its `reason`, if any); returns how many are told."""
    event = change.event
    assert event is not None
    services = context.services
    for ann in change.announcements:
        touch_announcement(context, event.id, ann.chat_id, ann.message_id)
    if change.outcome is EventChangeOutcome.EDITED:
        await announce(context, event)
    actor_id = context.actor.telegram_user_id
    members = [m for m in change.notify if m.telegram_user_id not in (None, actor_id)]
    if not members:
        return 0
    zone = services.config.zone
    render: dict[str, str] = {}
    for language in ("zh", "en"):
        details = card(language, draft_of(event), zone, await services.members.list_groups())
        if change.outcome is EventChangeOutcome.CANCELLED:
            render[language] = tr(language, "event.notice_cancelled", card=details)
            if reason:
                render[language] += "\n" + tr(language, "event.cancel_reason",
                                               reason=reason)
        else:
            fields = _changed_fields(language, change.changed)
            render[language] = tr(language, "event.notice_changed", changed=fields,
                                  card=details)
    if change.outcome is EventChangeOutcome.CANCELLED:
        key = f"event:{event.id}:cancel"
    else:
        # one notice per version of the event (two changes can fall in the same second)
        key = f"event:{event.id}:edit:{event.updated_at.timestamp():.6f}"
    context.application.create_task(
        _notify(services, key, members, render), name=f"notify {key}"
    )
    return len(members)


_FIELD_OF = {
    "title": "title", "starts_at": "time", "ends_at": "time", "place": "place",
    "type": "type", "venue": "rule", "policy": "rule", "group_ids": "groups",
}


def _changed_fields(language: str, changed: Iterable[str]) -> str:
    labels = dict.fromkeys(_FIELD_OF.get(name, name) for name in sorted(changed))
    return ("、" if language == "zh" else ", ").join(
        tr(language, f"event.field_{label}") for label in labels
    )


# -- permissions and pickers -------------------------------------------------------------------
def may_manage(actor: Actor, event: Event) -> bool:
    """Leaders manage events of their own group only; staff any."""
    allowed = actor.groups_for(Action.MANAGE_EVENTS)
    return allowed is None or (bool(allowed) and set(event.group_ids) <= allowed)


def may_reach(actor: Actor, action: Action, event: Event) -> bool:
    """Whether `actor` may do `action` for at least one of the event's groups."""
    allowed = actor.groups_for(action)
    return allowed is None or bool(allowed & set(event.group_ids))


async def pick_event(
    update: Update, context: Context, action: Action, then: EventManageAction
) -> Event | None:
    """The event named by the command's argument, or buttons to pick one (then None).

    Refuses (and returns None) for a person without `action`, an unknown number, or an event
    of groups they do not run.
    """
    actor = context.actor
    if not actor.can(action):
        await reply(update, context, "event.managers_only")
        return None
    services = context.services
    arg = (context.args or [""])[0].lstrip("#")
    if arg:
        event = await services.attendance.event(int(arg)) if arg.isdigit() else None
        if event is None:
            await reply(update, context, "event.no_such_event", number=arg[:12])
            return None
        if not may_reach(actor, action, event):
            await reply(update, context, "event.not_yours")
            return None
        return event
    events = await services.attendance.events_run_by(actor, action, at=utc_now() - _RECENT)
    if len(events) == 1:
        return events[0]
    if not events:
        await reply(update, context, "event.none_to_pick")
        return None
    zone = services.config.zone
    codec = services.codec
    buttons = [
        [InlineKeyboardButton(
            f"#{e.id} {clock(e.starts_at, zone)} {e.title}"[:60],
            callback_data=codec.encode(EventManage(event_id=e.id, action=then)),
        )]
        for e in events[:_LIST_LIMIT]
    ]
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, text(context, "event.pick"),
        reply_markup=InlineKeyboardMarkup(buttons),
    )
    return None


def manage_keyboard(context: Context, event_id: int) -> InlineKeyboardMarkup:
    """修改 / 取消活动 / 签到二维码 / 出勤情况 under an event shown to whoever runs it."""
    codec = context.services.codec

    def button(key: str, action: EventManageAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text(context, key),
            callback_data=codec.encode(EventManage(event_id=event_id, action=action)),
        )

    return InlineKeyboardMarkup([
        [button("event.button_edit", "menu"), button("event.button_cancel", "cancel")],
        [button("event.button_qr", "qr"), button("event.button_attendance", "attendance")],
    ])


# -- /newevent ---------------------------------------------------------------------------------
async def _send(
    update: Update, context: Context, body: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=markup)


def _draft_button(
    context: Context, label: str, action: EventDraftAction, value: str | None = None
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label,
        callback_data=context.services.codec.encode(EventDraftChoice(action=action, value=value)),
    )


def _example_start(context: Context) -> str:
    tomorrow = datetime.now(context.services.config.zone) + timedelta(days=1)
    return f"{tomorrow:%Y-%m-%d} 09:00"


async def _groups_for(context: Context) -> list[ActivityGroup]:
    """The groups this person may create events for."""
    allowed = context.actor.groups_for(Action.MANAGE_EVENTS)
    groups = await context.services.members.list_groups()
    return [g for g in groups if allowed is None or g.id in allowed]


def _group_ids(data: dict[str, object]) -> list[int]:
    groups = data.get("groups")
    return [int(g) for g in groups] if isinstance(groups, list) else []


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
        group_ids=tuple(_group_ids(data)),
    )


async def _ask(update: Update, context: Context, step: str, data: dict[str, object]) -> None:
    """Save the step, then ask its question."""
    await open_conversation(update, context, KIND_NEW, step, data)
    if step == "type":
        buttons = [
            _draft_button(context, type_label(context.lang, kind), "type", kind.value)
            for kind in EventType
        ]
        await _send(update, context, text(context, "event.ask_type"),
                    InlineKeyboardMarkup(button_rows(buttons, 2)))
    elif step == "title":
        await _send(update, context, text(context, "event.ask_title", limit=MAX_TITLE))
    elif step == "start":
        await _send(update, context, text(context, "event.ask_start",
                                          example=_example_start(context)))
    elif step == "end":
        starts = datetime.fromisoformat(str(data["start"]))
        example = clock(starts + timedelta(hours=2), context.services.config.zone)
        await _send(update, context, text(context, "event.ask_end", example=example))
    elif step == "place":
        await _send(update, context, text(context, "event.ask_place"))
    elif step == "venue":
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(text(context, "event.venue_here_button"), request_location=True)],
             [KeyboardButton(text(context, "event.skip_button"))]],
            resize_keyboard=True, one_time_keyboard=True,
        )
        await _send(update, context, text(context, "event.ask_venue"), keyboard)
    elif step == "radius":
        buttons = [
            _draft_button(context, text(context, "event.radius_button", radius=r), "radius",
                          str(r))
            for r in RADII
        ]
        await _send(update, context, text(context, "event.ask_radius", low=MIN_RADIUS_M,
                                          high=MAX_RADIUS_M), InlineKeyboardMarkup([buttons]))
    elif step == "policy":
        await _send(update, context, text(context, "event.ask_policy"), InlineKeyboardMarkup([
            [_draft_button(context, text(context, "event.policy_open_button"), "policy",
                           EventPolicy.OPEN.value)],
            [_draft_button(context, text(context, "event.policy_venue_button"), "policy",
                           EventPolicy.VENUE.value)],
        ]))
    elif step == "groups":
        await _send(update, context, text(context, "event.ask_groups"),
                    await _groups_keyboard(context, data))
    elif step == "preview":
        draft = _draft(data)
        details = card(context.lang, draft, context.services.config.zone,
                       await context.services.members.list_groups())
        await _send(update, context, text(context, "event.preview", card=details),
                    InlineKeyboardMarkup([[
                        _draft_button(context, text(context, "event.publish_button"),
                                      "publish"),
                        _draft_button(context, text(context, "event.discard_button"),
                                      "discard"),
                    ]]))


async def _groups_keyboard(context: Context, data: dict[str, object]) -> InlineKeyboardMarkup:
    chosen = set(_group_ids(data))
    buttons = [
        _draft_button(context, ("☑️ " if g.id in chosen else "⬜ ") + g.name, "group", str(g.id))
        for g in await _groups_for(context)
    ]
    return InlineKeyboardMarkup([
        *button_rows(buttons, 2),
        [_draft_button(context, text(context, "event.all_groups_button"), "all_groups"),
         _draft_button(context, text(context, "event.groups_done_button"), "groups_done")],
    ])


async def new_event(update: Update, context: Context) -> None:
    """/newevent: create an event step by step, in private chat (leaders: own group)."""
    if not await private_command_allowed(update, context, "newevent", Action.MANAGE_EVENTS):
        return
    groups = await _groups_for(context)
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
            await _send(update, context, text(context, "event.venue_saved"),
                        ReplyKeyboardRemove())
            await _ask(update, context, "radius", data)
        elif typed and typed.lower() in (text(context, "event.skip_button").lower(), "跳过",
                                         "skip"):
            data["lat"] = data["lon"] = data["radius"] = None
            await _send(update, context, text(context, "event.venue_skipped"),
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
    if step in _TYPED_NEXT and await _take_typed(update, context, step, typed, data):
        await _ask(update, context, _TYPED_NEXT[step], data)


# The typed steps of /newevent and the step after each.
_TYPED_NEXT = {"title": "start", "start": "end", "end": "place", "place": "venue"}


async def _take_typed(
    update: Update, context: Context, step: str, typed: str, data: dict[str, object],
    *, end_example: datetime | None = None,
) -> bool:
    """Check what was typed at a title, start, end or place step and put it in `data` (times as
    ISO text; the end needs data["start"]). False after saying what is wrong; the example of an
    end is `end_example`, else two hours after the start."""
    zone = context.services.config.zone
    if step in ("title", "place"):
        limit = MAX_TITLE if step == "title" else MAX_PLACE
        if len(typed) > limit:
            await reply(update, context, f"event.{step}_too_long", limit=limit)
            return False
        data[step] = typed
    elif step == "start":
        starts = parse_local_datetime(typed, zone, utc_now())
        if starts is None:
            await reply(update, context, "event.bad_time", example=_example_start(context))
            return False
        data["start"] = starts.isoformat()
    elif step == "end":
        starts = datetime.fromisoformat(str(data["start"]))
        ends = parse_local_datetime(typed, zone, utc_now(), day=starts.astimezone(zone).date())
        problem = _end_problem(starts, ends)
        if problem is not None:
            example = end_example or starts + timedelta(hours=2)
            await reply(update, context, problem, example=clock(example, zone))
            return False
        assert ends is not None
        data["end"] = ends.isoformat()
    return True


def _end_problem(starts: datetime, ends: datetime | None) -> str | None:
    """The text key saying what is wrong with an end time, or None."""
    if ends is None:
        return "event.bad_end"
    if ends <= starts:
        return "event.end_before_start"
    if ends <= utc_now():
        return "event.end_in_past"
    return None


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
        await _edit_groups_chosen(update, context, data, action, value)
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
        await _toggle_group(update, context, KIND_NEW, data,
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


async def _toggle_group(
    update: Update, context: Context, kind: str, data: dict[str, object], value: str | None
) -> None:
    """One group chosen or left out (`value` None: all or none of those this person may
    choose; groups chosen by someone else stay as they are)."""
    query = update.callback_query
    assert query is not None
    allowed = {g.id for g in await _groups_for(context)}
    chosen = set(_group_ids(data))
    mine = chosen & allowed
    if value is None:
        mine = set() if mine == allowed else set(allowed)
    elif int(value) in allowed:
        mine ^= {int(value)}
    data["groups"] = sorted((chosen - allowed) | mine)
    await open_conversation(update, context, kind, "groups", data)
    await query.answer()
    await edit_pressed_markup(update, await _groups_keyboard(context, data))


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


# -- /editevent, /cancelevent and the buttons under an event ----------------------------------
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
        await open_conversation(update, context, KIND_CANCEL, "confirm",
                                {"event_id": event.id, "reason": reason})
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
    if len(await _groups_for(context)) > 1:
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
        await update.callback_query.edit_message_text(body, reply_markup=keyboard)
    else:
        await _send(update, context, body, keyboard)


async def _ask_cancel(
    update: Update, context: Context, event: Event, *, edit: bool, reason: str = ""
) -> None:
    if event.status is EventStatus.CANCELLED:
        await _say(update, context, text(context, "event.already_cancelled", number=event.id))
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
    count = await context.services.attendance.counts(event.id)
    details = await event_card(context.services, context.lang, event)
    body = text(context, "event.cancel_confirm", card=details, expected=count.expected)
    if reason:
        body += "\n" + text(context, "event.cancel_reason", reason=reason)
    if edit and update.callback_query is not None:
        await update.callback_query.edit_message_text(body, reply_markup=keyboard)
    else:
        await _send(update, context, body, keyboard)


async def _say(update: Update, context: Context, body: str) -> None:
    """Answer a button by editing its message, a command by a new message."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await edit_pressed_message(update, body)
    else:
        await _send(update, context, body)


async def event_managed(update: Update, context: Context, choice: EventManage) -> None:
    """A button under an event shown to a leader or staff member (or of an event picker)."""
    from handlers.attendance import checkin  # the check-in views live there

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
        await checkin.show_qr_for(update, context, event)
        return
    if action == "attendance":
        await checkin.show_attendance_for(update, context, event)
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
        await open_conversation(update, context, KIND_EDIT, step, {"event_id": event.id})
        await _send(update, context, _edit_prompt(context, step, event))
    elif action == "groups":
        await query.answer()
        data: dict[str, object] = {"event_id": event.id, "groups": sorted(event.group_ids)}
        await open_conversation(update, context, KIND_EDIT, "groups", data)
        await _send(update, context, text(context, "event.ask_new_groups"),
                    await _groups_keyboard(context, data))
    elif action == "cancel":
        await query.answer()
        await _ask_cancel(update, context, event, edit=True)
    elif action == "cancel_no":
        await query.answer()
        await edit_pressed_message(update, text(context, "event.cancel_kept", number=event.id))
    elif action == "cancel_yes":
        await _cancel(update, context, event)


async def _edit_groups_chosen(
    update: Update, context: Context, data: dict[str, object], action: str, value: str
) -> None:
    """A button under the groups of an event being changed: toggle, or done (then saved)."""
    query = update.callback_query
    assert query is not None
    if action in ("group", "all_groups"):
        await _toggle_group(update, context, KIND_EDIT, data,
                            value if action == "group" else None)
        return
    if action != "groups_done":
        await popup(update, context, "event.step_over")
        return
    if not data.get("groups"):
        await popup(update, context, "event.pick_a_group")
        return
    event_id = int(str(data["event_id"]))
    event = await context.services.attendance.event(event_id)
    if event is None:
        await end_conversation(update, context)
        await popup(update, context, "callback.invalid")
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _apply_edit(update, context, event, {"group_ids": tuple(_group_ids(data))})


def _edit_prompt(context: Context, step: str, event: Event) -> str:
    zone = context.services.config.zone
    if step == "title":
        return text(context, "event.ask_new_title", title=event.title)
    if step == "place":
        return text(context, "event.ask_new_place", place=event.place or "—")
    if step == "start":
        return text(context, "event.ask_new_start", example=_example_start(context),
                    when=when_text(context.lang, event.starts_at, event.ends_at, zone))
    return text(context, "event.ask_end", example=clock(event.ends_at, zone))


async def _reason_given(update: Update, context: Context, event: Event) -> str:
    """The reason typed with /cancelevent for this event (then forgotten), or ""."""
    assert update.effective_user is not None and update.effective_chat is not None
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    if (conversation is None or conversation.kind != KIND_CANCEL
            or conversation.data.get("event_id") != event.id):
        return ""
    await end_conversation(update, context)
    return str(conversation.data.get("reason", ""))


async def _cancel(update: Update, context: Context, event: Event) -> None:
    reason = await _reason_given(update, context, event)
    try:
        change = await context.services.attendance.cancel_event(context.actor, event.id, reason)
    except NotAllowed:
        await popup(update, context, "event.not_yours")
        return
    if change.outcome is EventChangeOutcome.CANCELLED:
        told = await after_change(context, change, reason)
        await _say(update, context, text(context, "event.cancelled", number=event.id,
                                         title=event.title, told=told))
    elif change.outcome is EventChangeOutcome.ENDED:
        await _say(update, context, text(context, "event.ended", number=event.id))
    else:
        await _say(update, context, text(context, "event.already_cancelled", number=event.id))


async def on_edit_step(update: Update, context: Context, conversation: Conversation) -> None:
    """A message while changing an event's title, time or place."""
    message = update.effective_message
    assert message is not None
    typed = (message.text or "").strip()
    if not typed:
        await reply(update, context, "event.text_needed")
        return
    data = dict(conversation.data)
    event_id = int(str(data["event_id"]))
    event = await context.services.attendance.event(event_id)
    if event is None:
        await end_conversation(update, context)
        await reply(update, context, "event.no_such_event", number=event_id)
        return
    step = conversation.step
    if step == "groups":
        await reply(update, context, "event.use_buttons")
        return
    if not await _take_typed(update, context, step, typed, data, end_example=event.ends_at):
        return
    if step == "start":
        await open_conversation(update, context, KIND_EDIT, "end", data)
        await _send(update, context, _edit_prompt(context, "end", event))
        return
    changes: dict[str, object] = {}
    if step in ("title", "place"):
        changes[step] = data[step]
    elif step == "end":
        changes.update(starts_at=datetime.fromisoformat(str(data["start"])),
                       ends_at=datetime.fromisoformat(str(data["end"])))
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
        await reply(update, context, f"event.problem_{exc.problem.value}")
        return
    await end_conversation(update, context)
    if change.outcome is EventChangeOutcome.EDITED:
        assert change.event is not None
        told = await after_change(context, change)
        details = await event_card(context.services, context.lang, change.event)
        await _send(update, context, text(context, "event.edited", number=event.id,
                                          card=details, told=told),
                    manage_keyboard(context, event.id))
    elif change.outcome is EventChangeOutcome.UNCHANGED:
        await reply(update, context, "event.unchanged")
    elif change.outcome is EventChangeOutcome.ENDED:
        await reply(update, context, "event.ended", number=event.id)
    else:
        await reply(update, context, "event.already_cancelled", number=event.id)


# -- /events -----------------------------------------------------------------------------------
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
    zone = services.config.zone
    actor = context.actor
    lines: list[str] = []
    buttons: list[InlineKeyboardButton] = []
    if actor.member is not None:
        mine = await services.attendance.events_for_member(actor.member)
        for item in mine[:_LIST_LIMIT]:
            event = item.event
            lines.append(text(
                context, "events.item", number=event.id,
                type=type_label(context.lang, event.type), title=event.title,
                when=when_text(context.lang, event.starts_at, event.ends_at, zone),
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
                     when=when_text(context.lang, e.starts_at, e.ends_at, zone))
                for e in run[:_LIST_LIMIT]
            ]
            body.append(text(context, "events.run_hint"))
    await _send(update, context, "\n\n".join(body),
                InlineKeyboardMarkup(button_rows(buttons, 2)) if buttons else None)
