"""The event form shared by /newevent and /editevent: typed title, times, place, and groups.

What has been typed or chosen so far is kept in the conversation as an `EventForm` (a subclass
of it per flow), so a restart of the bot in the middle of the form loses nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.attendance.permissions import may_act_for_groups
from bot.attendance.rules import MAX_PLACE, MAX_TITLE
from bot.core.auth import Action
from bot.core.timeparse import parse_local_datetime
from handlers.attendance.buttons import EventDraftAction, EventDraftChoice
from handlers.attendance.render import clock
from handlers.attendance.steps import save_step
from handlers.shared.common import button_rows, edit_pressed_markup, reply, text
from handlers.shared.context import Context
from storage.db import utc_now
from storage.models import ActivityGroup


def draft_button(
    context: Context, label: str, action: EventDraftAction, value: str | None = None
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label,
        callback_data=context.services.codec.encode(EventDraftChoice(action=action, value=value)),
    )


def example_start(context: Context) -> str:
    tomorrow = datetime.now(context.services.config.zone) + timedelta(days=1)
    return f"{tomorrow:%Y-%m-%d} 09:00"


async def manageable_groups(context: Context) -> list[ActivityGroup]:
    """The groups this person may create events for (and choose when editing one)."""
    groups = await context.services.members.list_groups()
    return [g for g in groups if may_act_for_groups(context.actor, Action.MANAGE_EVENTS, [g.id])]


class EventForm(BaseModel):
    """The answers so far to the steps /newevent and /editevent share (times in UTC or with
    their offset, as typed in the committee's zone)."""

    title: str = ""
    place: str = ""
    start: datetime | None = None
    end: datetime | None = None
    groups: list[int] = Field(default_factory=list)  # the expected groups chosen


async def groups_keyboard(context: Context, form: EventForm) -> InlineKeyboardMarkup:
    chosen = set(form.groups)
    buttons = [
        draft_button(context, ("☑️ " if g.id in chosen else "⬜ ") + g.name, "group", str(g.id))
        for g in await manageable_groups(context)
    ]
    return InlineKeyboardMarkup([
        *button_rows(buttons, 2),
        [draft_button(context, text(context, "event.all_groups_button"), "all_groups"),
         draft_button(context, text(context, "event.groups_done_button"), "groups_done")],
    ])


async def take_typed(
    update: Update, context: Context, step: str, typed: str, form: EventForm,
    *, end_example: datetime | None = None,
) -> bool:
    """Check what was typed at a title, start, end or place step and put it in `form` (the end
    needs form.start). False after saying what is wrong; the example of an end is
    `end_example`, else two hours after the start."""
    zone = context.services.config.zone
    if step in ("title", "place"):
        limit = MAX_TITLE if step == "title" else MAX_PLACE
        if len(typed) > limit:
            await reply(update, context, f"event.{step}_too_long", limit=limit)
            return False
        if step == "title":
            form.title = typed
        else:
            form.place = typed
    elif step == "start":
        starts = parse_local_datetime(typed, zone, utc_now())
        if starts is None:
            await reply(update, context, "event.bad_time", example=example_start(context))
            return False
        form.start = starts
    elif step == "end":
        starts = form.start
        assert starts is not None  # the end is asked after the start
        ends = parse_local_datetime(typed, zone, utc_now(), day=starts.astimezone(zone).date())
        problem = _end_problem(starts, ends)
        if problem is not None:
            example = end_example or starts + timedelta(hours=2)
            await reply(update, context, problem, example=clock(example, zone))
            return False
        assert ends is not None
        form.end = ends
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


async def toggle_group(
    update: Update, context: Context, kind: str, form: EventForm, value: str | None
) -> None:
    """One group chosen or left out (`value` None: all or none of those this person may
    choose; groups chosen by someone else stay as they are)."""
    query = update.callback_query
    assert query is not None
    allowed = {g.id for g in await manageable_groups(context)}
    chosen = set(form.groups)
    mine = chosen & allowed
    if value is None:
        mine = set() if mine == allowed else set(allowed)
    elif int(value) in allowed:
        mine ^= {int(value)}
    form.groups = sorted((chosen - allowed) | mine)
    await save_step(update, context, kind, "groups", form)
    await query.answer()
    await edit_pressed_markup(update, await groups_keyboard(context, form))
