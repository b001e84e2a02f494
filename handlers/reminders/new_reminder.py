"""➕ under /reminders: a notice (通知, once) or a recurring reminder made step by step in
private chat — kind, title, text, audience, when (by buttons, or typed), holiday policy, the
收到 button, a preview — and saved through the reminders service."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardMarkup, Update

from bot.core.auth import NotAllowed, Refused
from bot.core.timeparse import parse_local_datetime, parse_time
from bot.reminders.drafts import (
    ORDINALS,
    AudienceChoice,
    DraftKind,
    ReminderDraft,
    Repeat,
    day_choices,
    local_moment,
    valid_clock,
)
from bot.reminders.service import MAX_BODY, MAX_TITLE
from bot.reminders.timing import HolidayPolicy
from bot.reminders.wording import next_text, short_moment
from domain.models import Conversation
from domain.reminder_models import ReminderSchedule
from handlers.reminders.buttons import ReminderDraftAction, ReminderDraftChoice
from handlers.reminders.common import say, screen_button, staff_allowed
from handlers.reminders.draft_keyboards import (
    chosen_label,
    groups_chosen,
    groups_markup,
    question,
)
from handlers.shared.common import (
    edit_pressed_markup,
    edit_pressed_message,
    end_conversation,
    flow_data,
    popup,
    reply,
    text,
)
from handlers.shared.context import Context

KIND = "reminder_new"

# The step of the conversation each button belongs to.
_BUTTON_STEP: dict[ReminderDraftAction, str] = {
    "kind": "kind", "audience": "audience", "group": "groups", "groups_done": "groups",
    "day": "day", "now": "day", "time": "time", "repeat": "repeat", "ordinal": "ordinal",
    "weekday": "weekday", "month_day": "month_day", "policy": "policy", "ack": "ack",
    "save": "preview", "discard": "preview",
}
# A second press of 保存 (or the same press handled again after a crash) finds the schedule
# the first one saved if it was made this recently by the same person with the same text.
_SAVED_RECENTLY = timedelta(minutes=10)


async def _ask(update: Update, context: Context, step: str, form: ReminderDraft) -> None:
    """Save the step, then ask its question."""
    assert update.effective_user is not None and update.effective_chat is not None
    await context.services.settings.save_conversation(
        update.effective_user.id, update.effective_chat.id, KIND, step, data=form
    )
    body, markup = await question(context, step, form)
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=markup)


async def start_new(update: Update, context: Context) -> None:
    """The first question: a notice or a recurring reminder."""
    await _ask(update, context, "kind", ReminderDraft())


def _after_audience(form: ReminderDraft) -> str:
    return "day" if form.kind is DraftKind.ONCE else "repeat"


async def on_new_step(update: Update, context: Context, conversation: Conversation) -> None:
    """A message during the conversation: the answer to a typed step."""
    message = update.effective_message
    assert message is not None
    if not await staff_allowed(update, context):  # no longer staff: the draft goes
        await end_conversation(update, context)
        return
    step, form = conversation.step, flow_data(conversation, ReminderDraft)
    typed = (message.text or "").strip()
    if step == "title":
        title = " ".join(typed.split())
        if not title or len(title) > MAX_TITLE:
            await reply(update, context, "reminders.bad_title", limit=MAX_TITLE)
            return
        form.title = title
        await _ask(update, context, "body", form)
    elif step == "body":
        if not typed or len(typed) > MAX_BODY:
            await reply(update, context, "reminders.bad_body", limit=MAX_BODY)
            return
        form.body = typed
        await _ask(update, context, "audience", form)
    elif step in ("day", "time") and form.kind is DraftKind.ONCE:
        await _typed_moment(update, context, step, form, typed)
    elif step == "time" and form.kind is DraftKind.RECURRING:
        moment = parse_time(typed) if typed else None
        if moment is None:
            await reply(update, context, "reminders.bad_time")
            return
        form.at = f"{moment:%H:%M}"
        await _ask(update, context, "policy", form)
    else:
        await reply(update, context, "reminders.use_buttons")


async def _typed_moment(update: Update, context: Context, step: str, form: ReminderDraft,
                        typed: str) -> None:
    """A notice's moment typed ("明天 9点", "12月3日 14:00", or a time on the day chosen)."""
    zone, now = context.services.config.zone, context.services.clock()
    moment = parse_local_datetime(typed, zone, now, day=form.day if step == "time" else None)
    if moment is None:
        await reply(update, context, "reminders.bad_moment")
        return
    if moment <= now:
        await reply(update, context, "reminder_problem.in_the_past")
        return
    form.day, form.at_utc, form.now = moment.astimezone(zone).date(), moment, False
    await reply(update, context, "reminders.chosen",
                choice=short_moment(context.lang, moment, zone, now))
    await _ask(update, context, "ack", form)


async def draft_chosen(update: Update, context: Context, choice: ReminderDraftChoice) -> None:
    """A button of the conversation: refused unless it belongs to the step it is at."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    assert update.effective_chat is not None
    if not await staff_allowed(update, context):
        return
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    if (conversation is None or conversation.kind != KIND
            or conversation.step != _BUTTON_STEP[choice.action]):
        await popup(update, context, "reminders.step_over")
        return
    form = flow_data(conversation, ReminderDraft)
    action, value = choice.action, choice.value or ""
    if action == "group":
        await _toggle_group(update, context, form, value)
        return
    if action == "save":
        await _save(update, context, form)
        return
    if action == "discard":
        await end_conversation(update, context)
        await query.answer()
        await edit_pressed_message(update, text(context, "reminders.discarded"))
        return
    following = await _apply(update, context, form, action, value)
    if following is None:
        return
    await query.answer()
    chosen = (await groups_chosen(context, form) if action == "groups_done"
              else chosen_label(context, form, action, value))
    await edit_pressed_message(update, text(context, "reminders.chosen", choice=chosen))
    await _ask(update, context, following, form)


async def _apply(update: Update, context: Context, form: ReminderDraft,
                 action: ReminderDraftAction, value: str) -> str | None:
    """Put a choice into the form; the next step, or None after a refusal popup."""
    zone, now = context.services.config.zone, context.services.clock()
    try:
        if action == "kind":
            form.kind = DraftKind(value)
            return "title"
        if action == "audience":
            form.audience = AudienceChoice(value)
            return "groups" if form.audience is AudienceChoice.GROUPS else _after_audience(form)
        if action == "groups_done":
            if not form.groups:
                await popup(update, context, "reminders.pick_a_group")
                return None
            return _after_audience(form)
        if action == "day":
            day = date.fromisoformat(value)
            if day not in day_choices(now.astimezone(zone).date()):
                await popup(update, context, "reminders.step_over")
                return None
            form.day, form.now = day, False
            return "time"
        if action == "now":
            form.now, form.at_utc = True, None
            return "ack"
        if action == "time":
            value = f"{value[:2]}:{value[2:]}"  # 0930 → 09:30
            if not valid_clock(value):
                raise ValueError(value)
            if form.kind is DraftKind.RECURRING:
                form.at = value
                return "policy"
            assert form.day is not None
            moment = local_moment(form.day, value, zone)
            if moment <= now:
                await popup(update, context, "reminder_problem.in_the_past")
                return None
            form.at_utc = moment
            return "ack"
        if action == "repeat":
            form.repeat = Repeat(value)
            return {Repeat.NTH_WEEKDAY: "ordinal", Repeat.MONTH_DAY: "month_day",
                    Repeat.WEEKLY: "weekday"}[form.repeat]
        if action == "ordinal":
            if value not in ORDINALS:
                raise ValueError(value)
            form.ordinal = value
            return "weekday"
        if action == "weekday":
            form.weekday = int(value) if int(value) in range(7) else None
            return "time" if form.weekday is not None else None
        if action == "month_day":
            form.month_day = int(value)
            return "time" if 1 <= form.month_day <= 28 else None
        if action == "policy":
            form.policy = HolidayPolicy(value)
            return "ack"
        if action == "ack":
            form.ack = value == "1"
            return "preview"
    except ValueError:
        pass
    await popup(update, context, "reminders.step_over")
    return None


async def _toggle_group(update: Update, context: Context, form: ReminderDraft,
                        value: str) -> None:
    """One group chosen or left out (no `value`: all of them, or none when all were)."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    assert update.effective_chat is not None
    every = {g.id for g in await context.services.members.list_groups()}
    chosen = set(form.groups) & every
    if not value:
        chosen = set() if chosen == every else every
    elif value.isdigit() and int(value) in every:
        chosen ^= {int(value)}
    form.groups = sorted(chosen)
    await context.services.settings.save_conversation(
        update.effective_user.id, update.effective_chat.id, KIND, "groups", data=form
    )
    await query.answer()
    await edit_pressed_markup(update, await groups_markup(context, form))


async def _saved_before(context: Context, form: ReminderDraft) -> ReminderSchedule | None:
    """The schedule an earlier press of 保存 made from this draft, if any."""
    member_id = context.actor.member_id
    since = context.services.clock() - _SAVED_RECENTLY
    for schedule in await context.services.reminders.repo.schedules():
        if (schedule.created_by == member_id and schedule.created_at >= since
                and schedule.title == form.title and schedule.body == form.body.strip()):
            return schedule
    return None


async def _save(update: Update, context: Context, form: ReminderDraft) -> None:
    query = update.callback_query
    assert query is not None
    services = context.services
    schedule = await _saved_before(context, form)
    if schedule is None:
        try:
            schedule = await services.reminders.create(
                context.actor, title=form.title, body=form.body, rule=form.rule(services.clock()),
                audience=form.audience_of(), policy=form.policy, ack=form.ack,
            )
        except NotAllowed:
            await popup(update, context, "reminders.staff_only")
            return
        except Refused as exc:
            await popup(update, context, f"reminder_problem.{exc.reason.value}")
            return
    await end_conversation(update, context)
    await query.answer()
    following = (await services.reminders.next_times()).get(schedule.id)
    zone, now = services.config.zone, services.clock()
    await say(update, context, text(
        context, "reminders.saved", title=schedule.title,
        next=next_text(context.lang, following, zone, now),
    ), InlineKeyboardMarkup([[screen_button(context, "reminders.back_button", "list")]]))
