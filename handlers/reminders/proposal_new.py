"""/proposals new: staff open a proposal window (提案征集) step by step in private chat —
title, opening day, deadline (by buttons or typed, e.g. "12月20日"), then publish."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.auth import NotAllowed, Refused
from bot.core.timeparse import parse_day, parse_local_datetime
from bot.reminders.proposals import MAX_TITLE
from domain.models import Conversation
from handlers.reminders.proposal_buttons import ProposalDraftAction, ProposalDraftChoice
from handlers.reminders.proposal_render import day_text, local_today
from handlers.shared.common import (
    edit_pressed_message,
    end_conversation,
    flow_data,
    label,
    popup,
    reply,
    text,
)
from handlers.shared.context import Context

KIND_NEW = "proposal_new"

# The deadlines offered as buttons: this many days after the opening.
DEADLINE_OFFERS = (14, 21, 30)


class WindowForm(BaseModel):
    """The answers so far to the steps of /proposals new."""

    title: str = ""
    opens_on: date | None = None
    deadline: date | None = None


def _today(context: Context) -> date:
    services = context.services
    return local_today(services.reminders.clock(), services.config.zone)


def _button(context: Context, caption: str, action: ProposalDraftAction,
            value: str | None = None) -> InlineKeyboardButton:
    data = ProposalDraftChoice(action=action, value=value)
    return InlineKeyboardButton(caption, callback_data=context.services.codec.encode(data))


async def _save(update: Update, context: Context, step: str, form: WindowForm) -> None:
    assert update.effective_user is not None and update.effective_chat is not None
    await context.services.settings.save_conversation(
        update.effective_user.id, update.effective_chat.id, KIND_NEW, step, data=form
    )


async def _ask(update: Update, context: Context, step: str, form: WindowForm) -> None:
    """Save the step, then ask its question."""
    await _save(update, context, step, form)
    assert update.effective_chat is not None
    chat, today, lang = update.effective_chat.id, _today(context), context.lang
    if step == "title":
        await context.bot.send_message(chat, text(context, "proposal.ask_title",
                                                  limit=MAX_TITLE))
    elif step == "opens":
        days = [(today, "proposal.today_button"), (today + timedelta(days=1),
                                                    "proposal.tomorrow_button")]
        buttons = [_button(context, label(context, key, day=day_text(lang, day, today)),
                           "opens", day.isoformat()) for day, key in days]
        await context.bot.send_message(chat, text(context, "proposal.ask_opens"),
                                       reply_markup=InlineKeyboardMarkup([buttons]))
    elif step == "deadline":
        assert form.opens_on is not None
        offers = [form.opens_on + timedelta(days=n) for n in DEADLINE_OFFERS]
        buttons = [_button(context, label(context, "proposal.deadline_button",
                                          day=day_text(lang, day, today),
                                          days=(day - form.opens_on).days),
                           "deadline", day.isoformat()) for day in offers]
        await context.bot.send_message(chat, text(context, "proposal.ask_deadline"),
                                       reply_markup=InlineKeyboardMarkup([[b] for b in buttons]))
    elif step == "preview":
        assert form.opens_on is not None and form.deadline is not None
        body = text(context, "proposal.preview", title=form.title,
                    opens=day_text(lang, form.opens_on, today),
                    deadline=day_text(lang, form.deadline, today))
        await context.bot.send_message(chat, body, reply_markup=InlineKeyboardMarkup([[
            _button(context, label(context, "proposal.publish_button"), "publish"),
            _button(context, label(context, "proposal.discard_button"), "discard"),
        ]]))


async def start_new_window(update: Update, context: Context) -> None:
    """/proposals new (staff, in private chat; the caller checked both)."""
    await _ask(update, context, "title", WindowForm())


def _typed_day(context: Context, typed: str) -> date | None:
    """A day as staff type it: 2026-12-20, 12月20日, 12-20, 明天 (without a year: the next)."""
    day = parse_day(typed)
    if day is not None:
        return day
    services = context.services
    moment = parse_local_datetime(f"{typed} 00:00", services.config.zone,
                                  services.reminders.clock())
    return moment.date() if moment is not None else None


async def on_new_window_step(update: Update, context: Context,
                             conversation: Conversation) -> None:
    """A message during /proposals new: the answer to the current step."""
    message = update.effective_message
    assert message is not None
    form = flow_data(conversation, WindowForm)
    typed = (message.text or "").strip()
    step = conversation.step
    if step == "title":
        title = " ".join(typed.split())
        if not title or len(title) > MAX_TITLE:
            key = "proposal_problem.empty_title" if not title else \
                "proposal_problem.title_too_long"
            await reply(update, context, key)
            return
        form.title = title
        await _ask(update, context, "opens", form)
    elif step in ("opens", "deadline"):
        day = _typed_day(context, typed) if typed else None
        if day is None:
            await reply(update, context, "proposal.bad_date")
            return
        await _take_day(update, context, step, day, form)
    else:
        await reply(update, context, "proposal.use_buttons")


async def _take_day(update: Update, context: Context, step: str, day: date,
                    form: WindowForm) -> None:
    if step == "opens":
        form.opens_on = day
        await _ask(update, context, "deadline", form)
        return
    assert form.opens_on is not None
    if day < _today(context):
        await reply(update, context, "proposal_problem.deadline_past")
        return
    if day < form.opens_on:
        await reply(update, context, "proposal_problem.deadline_before_opening")
        return
    form.deadline = day
    await _ask(update, context, "preview", form)


# The step of the conversation each button belongs to.
_BUTTON_STEP: dict[ProposalDraftAction, str] = {
    "opens": "opens", "deadline": "deadline", "publish": "preview", "discard": "preview",
}


async def draft_chosen(update: Update, context: Context, choice: ProposalDraftChoice) -> None:
    """A button of the /proposals new conversation."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    assert update.effective_chat is not None
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    if (conversation is None or conversation.kind != KIND_NEW
            or conversation.step != _BUTTON_STEP[choice.action]):
        await popup(update, context, "proposal.step_over")
        return
    form = flow_data(conversation, WindowForm)
    if choice.action in ("opens", "deadline"):
        day = date.fromisoformat(choice.value or "")
        await query.answer()
        await edit_pressed_message(update, text(
            context, f"proposal.chosen_{choice.action}", day=day_text(
                context.lang, day, _today(context))))
        await _take_day(update, context, choice.action, day, form)
    elif choice.action == "discard":
        await end_conversation(update, context)
        await query.answer()
        await edit_pressed_message(update, text(context, "proposal.discarded"))
    else:
        await _publish(update, context, form)


async def _publish(update: Update, context: Context, form: WindowForm) -> None:
    query = update.callback_query
    assert query is not None and form.opens_on is not None and form.deadline is not None
    reminders = context.services.reminders
    try:
        window = await reminders.proposals.open_window(
            context.actor, form.title, form.opens_on, form.deadline)
    except NotAllowed:
        await popup(update, context, "proposal.staff_only")
        return
    except Refused as exc:
        await popup(update, context, f"proposal_problem.{exc.reason}")
        return
    await end_conversation(update, context)
    await query.answer()
    times = reminders.proposals.wanted(window, await reminders.calendar())
    announce = times[next(iter(times))]
    zone = context.services.config.zone
    today = _today(context)
    when = "-" if announce is None else (
        day_text(context.lang, announce.astimezone(zone).date(), today)
        + announce.astimezone(zone).strftime(" %H:%M"))
    await edit_pressed_message(update, text(
        context, "proposal.published", title=window.title,
        opens=day_text(context.lang, window.opens_on, today),
        deadline=day_text(context.lang, window.deadline, today), announce=when))
    await reminders.plan()
