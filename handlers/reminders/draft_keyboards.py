"""The questions of the ➕ new-reminder conversation and the buttons under each: kinds,
audiences, the groups toggle, the next 14 days, half-hourly times, monthly and weekly rules,
the holiday policy, the 收到 button, and the preview."""

from __future__ import annotations

from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.reminders.drafts import (
    MONTH_DAYS,
    ORDINALS,
    AudienceChoice,
    DraftKind,
    ReminderDraft,
    Repeat,
    day_choices,
    time_choices,
)
from bot.reminders.service import MAX_BODY, MAX_TITLE
from bot.reminders.timing import HolidayPolicy
from bot.reminders.wording import (
    audience_text,
    next_moment,
    next_text,
    rule_text,
    short_day,
)
from handlers.reminders.buttons import ReminderDraftAction, ReminderDraftChoice
from handlers.shared.common import button_rows, label, text
from handlers.shared.context import Context


def choice(context: Context, caption: str, action: ReminderDraftAction,
           value: str | None = None) -> InlineKeyboardButton:
    data = ReminderDraftChoice(action=action, value=value)
    return InlineKeyboardButton(caption, callback_data=context.services.codec.encode(data))


async def groups_markup(context: Context, form: ReminderDraft) -> InlineKeyboardMarkup:
    chosen = set(form.groups)
    buttons = [
        choice(context, ("☑️ " if g.id in chosen else "▫️ ") + g.name, "group", str(g.id))
        for g in await context.services.members.list_groups()
    ]
    return InlineKeyboardMarkup([
        *button_rows(buttons, 2),
        [choice(context, label(context, "reminders.all_groups_button"), "group"),
         choice(context, label(context, "reminders.groups_done_button"), "groups_done")],
    ])


async def question(context: Context, step: str, form: ReminderDraft
                   ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text asking for `step`, and its buttons (None: the answer is typed)."""
    zone = context.services.config.zone
    now = context.services.clock()
    today = now.astimezone(zone).date()
    once = form.kind is DraftKind.ONCE

    def buttons(pairs: list[tuple[str, ReminderDraftAction, str | None]], per_row: int
                ) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(button_rows(
            [choice(context, caption, action, value) for caption, action, value in pairs],
            per_row))

    if step == "kind":
        return text(context, "reminders.ask_kind"), buttons(
            [(label(context, f"reminders.kind_{k.value}_button"), "kind", k.value)
             for k in DraftKind], 1)
    if step == "title":
        return text(context, "reminders.ask_title", limit=MAX_TITLE), None
    if step == "body":
        return text(context, "reminders.ask_body", limit=MAX_BODY), None
    if step == "audience":
        return text(context, "reminders.ask_audience"), buttons(
            [(label(context, f"reminders.audience_{a.value}_button"), "audience", a.value)
             for a in AudienceChoice], 2)
    if step == "groups":
        return text(context, "reminders.ask_groups"), await groups_markup(context, form)
    if step == "day":
        days: list[tuple[str, ReminderDraftAction, str | None]] = [
            (label(context, "reminders.day_button", day=short_day(context.lang, d, today)),
             "day", d.isoformat())
            for d in day_choices(today)
        ]
        markup = buttons([(label(context, "reminders.now_button"), "now", None), *days], 2)
        return text(context, "reminders.ask_day"), markup
    if step == "time":
        # ":" separates callback fields: 09:30 travels as 0930
        times = buttons([(t, "time", t.replace(":", "")) for t in time_choices()], 5)
        if once:
            assert form.day is not None
            return text(context, "reminders.ask_time",
                        day=short_day(context.lang, form.day, today)), times
        return text(context, "reminders.ask_rule_time"), times
    if step == "repeat":
        return text(context, "reminders.ask_repeat"), buttons(
            [(label(context, f"reminders.repeat_{r.value}_button"), "repeat", r.value)
             for r in Repeat], 1)
    if step == "ordinal":
        return text(context, "reminders.ask_ordinal"), buttons(
            [(label(context, f"reminders.ordinal_{o}"), "ordinal", o) for o in ORDINALS], 5)
    if step == "weekday":
        return text(context, "reminders.ask_weekday"), buttons(
            [(label(context, f"weekday.{n}"), "weekday", str(n)) for n in range(7)], 4)
    if step == "month_day":
        return text(context, "reminders.ask_month_day"), buttons(
            [(str(n), "month_day", str(n)) for n in MONTH_DAYS], 7)
    if step == "policy":
        return text(context, "reminders.ask_policy"), buttons(
            [(label(context, f"reminders.policy_{p.value}_button"), "policy", p.value)
             for p in HolidayPolicy], 1)
    if step == "ack":
        return text(context, "reminders.ask_ack"), buttons(
            [(label(context, "reminders.ack_yes_button"), "ack", "1"),
             (label(context, "reminders.ack_no_button"), "ack", "0")], 2)
    assert step == "preview"
    return await preview(context, form, now), buttons(
        [(label(context, "reminders.save_button"), "save", None),
         (label(context, "reminders.discard_button"), "discard", None)], 2)


def chosen_label(context: Context, form: ReminderDraft, action: str, value: str) -> str:
    """What a press chose, as the question's message says afterwards."""
    if action == "kind":
        return label(context, f"reminders.kind_{value}_button")
    if action == "audience":
        return label(context, f"reminders.audience_{value}_button")
    if action == "repeat" and form.repeat is not None:
        return label(context, f"reminders.repeat_{value}_button")
    if action == "ordinal":
        return label(context, f"reminders.ordinal_{value}")
    if action == "weekday":
        return label(context, f"weekday.{value}")
    if action == "month_day":
        return label(context, "reminders.rule_month_day", day=value)
    if action == "policy":
        return label(context, f"reminders.policy_{value}_button")
    if action == "ack":
        return label(context, "reminders.ack_yes_button" if value == "1"
                     else "reminders.ack_no_button")
    if action == "now":
        return label(context, "reminders.now_button")
    if action == "day":
        today = context.services.clock().astimezone(context.services.config.zone).date()
        return short_day(context.lang, date.fromisoformat(value), today)
    if action == "time":
        return f"{value[:2]}:{value[2:]}"  # 0930 → 09:30
    return value


async def groups_chosen(context: Context, form: ReminderDraft) -> str:
    """The groups chosen, as the groups question says after 完成: 第一活动组、第二活动组."""
    groups = {g.id: g.name for g in await context.services.members.list_groups()}
    return audience_text(context.lang, form.audience_of(), groups)


async def preview(context: Context, form: ReminderDraft, now: datetime) -> str:
    """The reminder as it will be saved, with when it goes out first."""
    services = context.services
    zone = services.config.zone
    groups = {g.id: g.name for g in await services.members.list_groups()}
    rule = form.rule(now)
    following = await services.reminders.next_time(rule, form.policy)
    if form.kind is DraftKind.ONCE and form.now:
        when = text(context, "reminders.when_now")
        if following is not None and following.quiet:  # 立即发送 waits for the morning
            when = text(context, "reminders.when_now_quiet",
                        when=next_moment(context.lang, following, zone, now))
    else:
        when = rule_text(context.lang, rule, form.policy, zone, now)
        if form.kind is DraftKind.RECURRING or (following is not None and following.quiet):
            when = text(context, "reminders.when_recurring", rule=when,
                        next=next_text(context.lang, following, zone, now))
    assert form.kind is not None
    return text(
        context, "reminders.preview", kind=label(context, f"reminders.kind_{form.kind.value}"),
        title=form.title, body=form.body,
        audience=audience_text(context.lang, form.audience_of(), groups), when=when,
        ack=text(context, "reminders.ack_yes" if form.ack else "reminders.ack_no"),
    )

