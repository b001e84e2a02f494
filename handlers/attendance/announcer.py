"""Announcements of events in group chats, the announcer job, and telling members of changes.

Each expected group's chat gets the announcement with its live count (已签到 N / 应到 M) and the
签到 / 请假 buttons, pinned (silently) while the event is current, when the group's admins gave
the bot the right to pin; the pin is taken down when the event is over or cancelled.
Announcements are recorded (event_announcements) right after they are
posted; the announcer job looks every few seconds for expected groups with a bound chat and no
announcement, so an event created at the command line or while the bot was down, a group bound
later, or a crash between saving an event and posting it, ends with the announcement posted.
Its first round after a start also redraws the announcements of events not over, since the
wish to edit a count lives only in memory (bot/telegram/live.py) and dies with the process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.attendance.outcomes import EventChange, EventChangeOutcome
from bot.attendance.rules import draft_of
from bot.core.texts import DEFAULT_LANGUAGE, tr
from bot.telegram.fanout import FanOut, Push
from bot.telegram.live import Rendered
from bot.telegram.ratelimit import Priority
from domain.models import ActivityGroup, Event, EventPolicy, EventStatus, Member
from handlers.attendance.buttons import EventCheckIn, EventLeaveAsk
from handlers.attendance.render import card, event_card
from handlers.shared.context import Context, LiaisonApplication, Services

log = logging.getLogger(__name__)


# An announcement that could not be posted (the bot is not in the chat) is tried this often.
_ANNOUNCE_ATTEMPTS = 3
# The pins of events that started this long ago at most are taken down when they are over.
_UNPIN_LOOKBACK = timedelta(days=8)


def announcement_keyboard(services: Services, event: Event) -> InlineKeyboardMarkup:
    """签到 and 请假; at a venue-verified event only 请假 (a 签到 button would refuse everyone:
    the announcement says what works there instead)."""
    codec = services.codec
    leave = InlineKeyboardButton(
        tr(DEFAULT_LANGUAGE, "event.button_leave"),
        callback_data=codec.encode(EventLeaveAsk(event_id=event.id)),
    )
    if event.policy is EventPolicy.VENUE:
        return InlineKeyboardMarkup([[leave]])
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(
            tr(DEFAULT_LANGUAGE, "event.button_checkin"),
            callback_data=codec.encode(EventCheckIn(event_id=event.id)),
        ),
        leave,
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
    if event.policy is EventPolicy.VENUE:
        body += "\n" + tr(language, "event.announcement_venue_hint")
    return body, announcement_keyboard(services, event)


def touch_announcement(context: Context, event_id: int, chat_id: int, message_id: int) -> None:
    """Edit the announcement soon (coalesced: at most one edit every few seconds)."""
    services = context.services

    async def render() -> Rendered:
        return await render_announcement(services, event_id, chat_id)

    services.live.touch(chat_id, message_id, render)


async def touch_live(context: Context, member: Member, event_id: int) -> None:
    """A check-in was recorded: refresh the count under the announcement in the member's
    group chat (coalesced with every other check-in of the moment)."""
    if member.group_id is None:
        return
    ann = await context.services.attendance.announcement_in_group(event_id, member.group_id)
    if ann is not None:
        touch_announcement(context, event_id, ann.chat_id, ann.message_id)


# -- posting what is not announced yet ---------------------------------------------------------
@dataclass
class AnnouncerState:
    """One announcer at a time; failed posts per (event, chat), to give up after a few."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    failures: dict[tuple[int, int], int] = field(default_factory=dict)
    unpinned: set[int] = field(default_factory=set)  # events over whose pins are taken down
    redrawn: bool = False  # the announcements were redrawn after the start
    # The notices of changed events, bounded together. No stop of their own: they are not
    # resumed after a restart, so application.stop() lets them finish (it waits for its tasks).
    notices: FanOut = field(default_factory=lambda: FanOut("event notices"))


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
            await _pin(context, chat_id, message.message_id, pin=True)
    return missing


async def _pin(context: Context, chat_id: int, message_id: int, *, pin: bool) -> None:
    """Pin an announcement (silently) or take its pin down; without the right to pin (the
    group's admins did not give it) the announcement simply stays unpinned."""
    try:
        if pin:
            await context.bot.pin_chat_message(chat_id, message_id, disable_notification=True)
        else:
            await context.bot.unpin_chat_message(chat_id, message_id)
    except (Forbidden, BadRequest) as exc:
        log.info("announcement %s in chat %s not %s: %s", message_id, chat_id,
                 "pinned" if pin else "unpinned", exc.message)


async def unpin_announcements(context: Context, event: Event) -> None:
    """The event is over or cancelled: its announcements are no longer pinned."""
    context.state.part(AnnouncerState).unpinned.add(event.id)
    for ann in await context.services.attendance.announcements(event.id):
        await _pin(context, ann.chat_id, ann.message_id, pin=False)


async def _unpin_ended(context: Context) -> None:
    """Take down the pins of events that ended lately (once per event while the bot runs;
    after a restart again, which is harmless: unpinning is idempotent)."""
    done = context.state.part(AnnouncerState).unpinned
    now = context.services.clock()
    for event in await context.services.attendance.list_events(
        starts_from=now - _UNPIN_LOOKBACK, starts_before=now
    ):
        if event.ends_at <= now and event.id not in done:
            await unpin_announcements(context, event)


async def _redraw_after_start(context: Context) -> None:
    """Once per start, every announcement of an event not over is redrawn from the database
    (through the live messages: rate-limited, and "message is not modified" is no error). The
    wish to redraw is kept in memory only: an edit still waiting when the bot died (SIGKILL,
    a crash) would otherwise leave the old count up until someone else checks in."""
    announcer = context.state.part(AnnouncerState)
    if announcer.redrawn:
        return
    attendance = context.services.attendance
    for event in await attendance.upcoming_events(include_cancelled=True):
        for ann in await attendance.announcements(event.id):
            touch_announcement(context, event.id, ann.chat_id, ann.message_id)
    announcer.redrawn = True


async def announce_pending(context: Context) -> None:
    """The announcer job: post every announcement still missing (CLI events, late bindings);
    at its first round after a start, redraw the ones already posted."""
    services = context.services
    try:
        await _redraw_after_start(context)
        for event in await services.attendance.upcoming_events():
            await announce(context, event)
        await _unpin_ended(context)
    except TelegramError as exc:  # the Bot API is unreachable: next round
        log.warning("announcer: %s", exc)


def schedule_announcer(application: LiaisonApplication) -> None:
    """Run the announcer every [attendance] announce_every_seconds, from start-up."""
    jobs = application.job_queue
    assert jobs is not None
    config = application.bot_data.config
    every = config.attendance.announce_every_seconds
    jobs.run_repeating(announce_pending, interval=every, first=0.5, name="announce_events")


# -- telling members of changes ----------------------------------------------------------------
async def _notify(
    services: Services, key: str, members: Sequence[Member], render: dict[str, str],
    fanout: FanOut,
) -> None:
    """Push the text (by language) to each member, once per key; runs after the reply."""
    pushes: list[Push] = []
    for member in members:
        assert member.telegram_user_id is not None
        chosen = await services.settings.language(member.telegram_user_id)
        text = render.get(chosen or "", render["zh"])
        pushes.append(partial(services.sender.push, key, member.telegram_user_id, text))
    outcome = await fanout.push_all(pushes)
    log.info("%s: %s", key, dict(outcome))


async def after_change(context: Context, change: EventChange, reason: str = "") -> int:
    """Edit the announcements, announce in new groups, tell the members concerned (in the
    background; a cancellation with its `reason`, if any); returns how many are told."""
    event = change.event
    assert event is not None
    services = context.services
    for ann in change.announcements:
        touch_announcement(context, event.id, ann.chat_id, ann.message_id)
    if change.outcome is EventChangeOutcome.CANCELLED:
        await unpin_announcements(context, event)
    if change.outcome is EventChangeOutcome.EDITED:
        await announce(context, event)
    actor_id = context.actor.telegram_user_id
    members = [m for m in change.notify if m.telegram_user_id not in (None, actor_id)]
    if not members:
        return 0
    zone = services.config.zone
    render: dict[str, str] = {}
    for language in ("zh", "en"):
        details = card(language, draft_of(event), zone, services.today(),
                       await services.members.list_groups())
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
        _notify(services, key, members, render, context.state.part(AnnouncerState).notices),
        name=f"notify {key}",
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
