"""The event form shared by /newevent and /editevent: typed title, times, place, and groups.

What has been typed or chosen so far is kept in the conversation as an `EventForm` (a subclass
of it per flow), so a restart of the bot in the middle of the form loses nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, Field
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.attendance.permissions import may_act_for_groups
from bot.attendance.rules import MAX_PLACE, MAX_TITLE, is_long, read_end
from bot.core.auth import Action
from bot.core.timeparse import read_local_datetime
from bot.core.when import clock, day_text, when_text
from domain.models import ActivityGroup
from handlers.attendance.buttons import EventDraftAction, EventDraftChoice
from handlers.attendance.render import name_list
from handlers.attendance.steps import save_step
from handlers.shared.common import button_rows, edit_pressed_markup, popup, reply, text
from handlers.shared.context import Context


def draft_button(
    context: Context, label: str, action: EventDraftAction, value: str | None = None
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label,
        callback_data=context.services.codec.encode(EventDraftChoice(action=action, value=value)),
    )


def example_start(context: Context) -> str:
    tomorrow = context.services.today() + timedelta(days=1)
    if context.lang == "zh":  # as people write it (ZH-STYLE: no ISO dates in chat)
        return f"{tomorrow.month}月{tomorrow.day}日 9:00"
    return f"{tomorrow:%Y-%m-%d} 09:00"


def example_end(context: Context, starts: datetime, saved_end: datetime | None = None) -> str:
    """An end to show as an example after `starts`, one that is taken if typed now: the time
    of `saved_end` (the end an event being changed has) when it still fits, else two hours
    after the start, else (a running event that started long ago) the next full hour; a time
    alone when it reads so (past midnight too), else with its date."""
    zone, now = context.services.config.zone, context.services.clock()
    next_hour = (now.astimezone(zone) + timedelta(hours=1)).replace(minute=0, second=0,
                                                                    microsecond=0)
    moments = [starts + timedelta(hours=2), next_hour]
    if saved_end is not None:
        moments.insert(0, saved_end)
    for moment in moments:
        dated = [f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"]
        if context.lang == "zh":  # as people write it, the ISO form only if that fails
            dated.insert(0, _zh_moment(moment.astimezone(zone)))
        for typed in (clock(moment, zone), *dated):
            read = read_end(typed, starts, zone, now).moment
            if (read is not None and _end_problem(starts, read, now) is None
                    and (read == saved_end or not is_long(starts, read))):
                return typed
    if context.lang == "zh":  # a long event: taken once confirmed
        return _zh_moment(next_hour)
    return f"{next_hour:%Y-%m-%d %H:%M}"


def _zh_moment(moment: datetime) -> str:
    """12月8日 09:00: a day and time as a leader types it (the parser takes it)."""
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


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
    # an hour from 1 to 6 typed without 上午/下午: the two readings offered as buttons
    choices: list[datetime] = Field(default_factory=list)
    start_day: date | None = None  # a day typed without an hour (下周三上午): the hour is asked
    long_end: datetime | None = None  # an end more than a day after the start, to confirm
    # the start as saved, when editing: it may be kept though it has passed (a running event)
    saved_start: datetime | None = None


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


async def groups_chosen(context: Context, form: EventForm) -> str:
    """What the groups question says once 完成 is pressed: 参加的活动组：第一活动组、第二活动组."""
    chosen = set(form.groups)
    names = [g.name for g in await context.services.members.list_groups() if g.id in chosen]
    return text(context, "event.chosen_groups", groups=name_list(context.lang, names))


async def take_typed(
    update: Update, context: Context, kind: str, step: str, typed: str, form: EventForm,
    *, saved_end: datetime | None = None,
) -> bool:
    """Check what was typed at a title, start, end or place step and put it in `form` (the end
    needs form.start; a time alone earlier than the start is the next day, see `read_end`).
    False after saying what is wrong, or after asking which of two hours is meant or whether a
    long event is meant (the answer comes by button: `take_moment`); `saved_end`: the end of
    the event being changed, whose time is the example of an end (see `example_end`)."""
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
        return True
    if step == "start":
        reading = read_local_datetime(typed, zone, context.services.clock(), day=form.start_day)
        if reading.day is not None:
            form.start_day = reading.day
            await save_step(update, context, kind, "start", form)
            noon = datetime.combine(reading.day, time(12), tzinfo=zone)
            await reply(update, context, "event.need_hour", day=day_text(context.lang, noon, zone,
                                                   today=context.services.today()))
            return False
        if reading.moment is None and reading.choices is None:
            await reply(update, context, "event.bad_time", example=example_start(context))
            return False
    else:
        starts = form.start
        assert starts is not None  # the end is asked after the start
        reading = read_end(typed, starts, zone, context.services.clock())
    if reading.choices is not None:
        form.choices = list(reading.choices)
        await save_step(update, context, kind, step, form)
        early, late = (clock(moment, zone) for moment in reading.choices)
        await context.bot.send_message(
            _chat_id(update), text(context, "event.ask_which_hour", typed=typed, early=early,
                                   late=late),
            reply_markup=InlineKeyboardMarkup([[
                draft_button(context, early, "hour", "0"),
                draft_button(context, late, "hour", "1"),
            ]]),
        )
        return False
    return await take_moment(update, context, kind, step, reading.moment, form,
                             saved_end=saved_end)


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def take_moment(
    update: Update, context: Context, kind: str, step: str, moment: datetime | None,
    form: EventForm, *, saved_end: datetime | None = None, long_meant: bool = False,
) -> bool:
    """A start or end understood (typed, or chosen by button): refuse a start in the past, an
    end before the start; ask before taking an end more than a day after the start."""
    zone = context.services.config.zone
    form.choices = []
    if step == "start":
        assert moment is not None
        if moment < context.services.clock() and moment != form.saved_start:
            await save_step(update, context, kind, "start", form)
            await reply(update, context, "event.start_in_past", example=example_start(context))
            return False
        form.start, form.start_day = moment, None
        return True
    starts = form.start
    assert starts is not None
    problem = _end_problem(starts, moment, context.services.clock())
    if problem is not None:
        await save_step(update, context, kind, "end", form)
        await reply(update, context, problem, example=example_end(context, starts, saved_end))
        return False
    assert moment is not None
    if is_long(starts, moment) and not long_meant:
        form.long_end = moment
        await save_step(update, context, kind, "end", form)
        days = (moment - starts).total_seconds() / 86400
        await context.bot.send_message(
            _chat_id(update),
            text(context, "event.ask_long", days=f"{days:.1f}".removesuffix(".0"),
                 when=when_text(context.lang, starts, moment, zone,
                                 today=context.services.today())),
            reply_markup=InlineKeyboardMarkup([
                [draft_button(context, text(context, "event.long_yes_button"), "long_yes")],
                [draft_button(context, text(context, "event.long_no_button"), "long_no")],
            ]),
        )
        return False
    form.end, form.long_end = moment, None
    return True


def _end_problem(starts: datetime, ends: datetime | None, now: datetime) -> str | None:
    """The text key saying what is wrong with an end time, or None."""
    if ends is None:
        return "event.bad_end"
    if ends <= starts:
        return "event.end_before_start"
    if ends <= now:
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


async def moment_chosen(
    update: Update, context: Context, kind: str, step: str, form: EventForm, action: str,
    value: str,
) -> bool:
    """上午/下午 chosen for an hour from 1 to 6, or a long event confirmed or not: True when
    the start or end is now taken (the caller moves on); else it has been answered."""
    query = update.callback_query
    assert query is not None
    if action == "hour":
        if value not in ("0", "1") or len(form.choices) != 2:
            await popup(update, context, "event.step_over")
            return False
        moment: datetime | None = form.choices[int(value)]
        long_meant = False
    elif form.long_end is None or step != "end":
        await popup(update, context, "event.step_over")
        return False
    elif action == "long_no":
        form.long_end = None
        await save_step(update, context, kind, "end", form)
        await query.answer()
        await edit_pressed_markup(update, None)
        return False
    else:
        moment, long_meant = form.long_end, True
    await query.answer()
    await edit_pressed_markup(update, None)
    return await take_moment(update, context, kind, step, moment, form, long_meant=long_meant)
