"""How events look in chat (times, cards), and the plain ways of showing a screen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.attendance.rules import draft_of
from bot.core.texts import Html, tr
from bot.core.when import when_text
from domain.models import ActivityGroup, Event, EventDraft, EventPolicy, EventType, Venue
from handlers.shared.common import edit_pressed_message
from handlers.shared.context import Context, Services

# /events lists at most this many events; pickers offer at most this many buttons.
LIST_LIMIT = 10


def type_label(language: str, kind: EventType) -> str:
    return tr(language, f"event_type.{kind.value}")


def name_list(language: str, names: Iterable[str]) -> str:
    """Names in a row: 第一活动组、第二活动组 (in English separated by commas)."""
    return ("、" if language == "zh" else ", ").join(names)


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
    language: str, draft: EventDraft, zone: ZoneInfo, today: date,
    groups: Iterable[ActivityGroup],
) -> Html:
    """The details of an event (or of a draft): type, title, time, place, check-in, groups."""
    names = [g.name for g in groups if g.id in set(draft.group_ids)]
    return Html(tr(
        language, "event.card",
        type=type_label(language, draft.type),
        title=draft.title,
        when=when_text(language, draft.starts_at, draft.ends_at, zone, today=today),
        place=draft.place or tr(language, "event.place_none"),
        rule=checkin_rule(language, draft.policy, draft.venue),
        groups=name_list(language, names),
    ))


async def event_card(services: Services, language: str, event: Event) -> Html:
    return card(language, draft_of(event), services.config.zone, services.today(),
                await services.members.list_groups())


async def send(
    update: Update, context: Context, body: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> None:
    """A new message in the chat the update came from."""
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=markup)


async def say(update: Update, context: Context, body: str) -> None:
    """Answer a button by editing its message, a command by a new message."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await edit_pressed_message(update, body)
    else:
        await send(update, context, body)
