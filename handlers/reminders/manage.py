"""/reminders (staff, private chat): the schedules with their next time, each one's card with
⏸ / ▶ / 🗑 / "send a test to me" / who pressed 收到, and the delivery log."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.auth import NotAllowed, Refused
from bot.reminders.overview import ack_sheets, delivery_log, schedule_for
from bot.reminders.service import audience_of, rule_of
from bot.reminders.timing import HolidayPolicy, NextSend, OneOff
from bot.reminders.wording import audience_text, next_text, rule_text, short_moment
from bot.telegram.sender import Delivery
from domain.reminder_models import ReminderSchedule, ScheduleStatus
from handlers.reminders.buttons import ReminderManage, ReminderScreen
from handlers.reminders.common import manage_button, say, screen_button, staff_allowed, title_of
from handlers.reminders.new_reminder import start_new
from handlers.reminders.render import Rendered, schedule_text
from handlers.shared.common import (
    is_private,
    label,
    popup,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context

# Schedules listed in one message (each has a button; Telegram allows about 100).
LIST_LIMIT = 20
# Occurrences in the delivery log, and names of unreachable members listed.
LOG_LIMIT = 10
NAMES_LIMIT = 50
BODY_PREVIEW = 300


async def reminders_command(update: Update, context: Context) -> None:
    """/reminders: the schedules, in private chat, for staff."""
    if not await require_bound(update, context) or not await staff_allowed(update, context):
        return
    if not is_private(update):
        await reply(update, context, "reminders.use_private")
        return
    await show_list(update, context)


async def show_list(update: Update, context: Context) -> None:
    services = context.services
    schedules = await services.reminders.repo.schedules()
    upcoming = await services.reminders.next_times()
    groups = {g.id: g.name for g in await services.members.list_groups()}
    now = services.clock()
    lines = [text(context, "reminders.list_title", count=len(schedules))
             if schedules else text(context, "reminders.list_empty")]
    rows = []
    for number, schedule in enumerate(schedules[:LIST_LIMIT], 1):
        lines.append(text(
            context, "reminders.list_item", number=number, title=title_of(context, schedule),
            status=_status(context, schedule, upcoming.get(schedule.id)),
            next=next_text(context.lang, upcoming.get(schedule.id), services.config.zone, now),
            audience=audience_text(context.lang, audience_of(schedule), groups),
        ))
        rows.append([InlineKeyboardButton(
            label(context, "reminders.open_button", number=number,
                  title=title_of(context, schedule)[:24]),
            callback_data=services.codec.encode(
                ReminderManage(schedule_id=schedule.id, action="show")),
        )])
    if len(schedules) > LIST_LIMIT:
        lines.append(text(context, "reminders.list_more", count=len(schedules) - LIST_LIMIT))
    rows.append([screen_button(context, "reminders.new_button", "new"),
                 screen_button(context, "reminders.log_button", "log")])
    await say(update, context, "\n\n".join(lines), InlineKeyboardMarkup(rows))


def _status(context: Context, schedule: ReminderSchedule, following: NextSend | None) -> str:
    if schedule.status is ScheduleStatus.PAUSED:
        return text(context, "reminders.status_paused")
    if following is None:
        return text(context, "reminders.status_done")
    if isinstance(rule_of(schedule), OneOff):  # a notice still to go out
        return text(context, "reminders.occurrence_due")
    return text(context, "reminders.status_active")


async def show_card(update: Update, context: Context, schedule: ReminderSchedule) -> None:
    """One schedule: when, to whom, its text, and what can be done with it."""
    services = context.services
    following = (await services.reminders.next_times()).get(schedule.id)
    groups = {g.id: g.name for g in await services.members.list_groups()}
    now = services.clock()
    body = schedule.body if len(schedule.body) <= BODY_PREVIEW \
        else schedule.body[:BODY_PREVIEW] + "……"
    card = text(
        context, "reminders.card", title=title_of(context, schedule),
        status=_status(context, schedule, following),
        rule=rule_text(context.lang, rule_of(schedule), HolidayPolicy(schedule.holiday_policy),
                       services.config.zone, now),
        next=next_text(context.lang, following, services.config.zone, now),
        audience=audience_text(context.lang, audience_of(schedule), groups),
        ack=text(context, "reminders.ack_yes" if schedule.ack else "reminders.ack_no"),
        body=body or "—",
    )
    pause_or_resume = (
        manage_button(context, "reminders.resume_button", schedule.id, "resume")
        if schedule.status is ScheduleStatus.PAUSED
        else manage_button(context, "reminders.pause_button", schedule.id, "pause")
    )
    rows = [[pause_or_resume, manage_button(context, "reminders.delete_button", schedule.id,
                                            "delete")],
            [manage_button(context, "reminders.test_button", schedule.id, "test")]]
    if schedule.ack:
        rows[1].append(manage_button(context, "reminders.acks_button", schedule.id, "acks"))
    rows.append([screen_button(context, "reminders.back_button", "list")])
    await say(update, context, card, InlineKeyboardMarkup(rows))


async def screen_chosen(update: Update, context: Context, choice: ReminderScreen) -> None:
    """↩ the list, ➕ new, 📋 the delivery log."""
    query = update.callback_query
    assert query is not None
    if not await staff_allowed(update, context):
        return
    if choice.action == "new":
        await query.answer()
        await start_new(update, context)
        return
    await query.answer()
    if choice.action == "log":
        await show_log(update, context)
    else:
        await show_list(update, context)


async def schedule_managed(update: Update, context: Context, choice: ReminderManage) -> None:
    """A button on a schedule's card: checked (staff, schedule still there), then done."""
    query = update.callback_query
    assert query is not None
    services = context.services
    try:
        schedule = await schedule_for(services.reminders, context.actor, choice.schedule_id)
        action = choice.action
        if action in ("pause", "resume", "delete_yes"):
            status = {"pause": ScheduleStatus.PAUSED, "resume": ScheduleStatus.ACTIVE,
                      "delete_yes": ScheduleStatus.REMOVED}[action]
            schedule = await services.reminders.set_status(context.actor, schedule.id, status)
    except NotAllowed:
        await popup(update, context, "reminders.staff_only")
        return
    except Refused as exc:
        await popup(update, context, f"reminder_problem.{exc.reason.value}")
        return
    if action == "test":
        await _send_test(update, context, schedule)
        return
    await query.answer()
    if action == "delete":
        await say(update, context, text(context, "reminders.delete_confirm",
                                         title=title_of(context, schedule)),
                  InlineKeyboardMarkup([[
                      manage_button(context, "reminders.delete_yes_button", schedule.id,
                                    "delete_yes"),
                      manage_button(context, "reminders.delete_no_button", schedule.id, "show"),
                  ]]))
    elif action == "delete_yes":
        await say(update, context, text(context, "reminders.deleted",
                                         title=title_of(context, schedule)),
                  InlineKeyboardMarkup([[screen_button(context, "reminders.back_button",
                                                       "list")]]))
    elif action == "acks":
        await _show_acks(update, context, schedule)
    else:  # show, pause, resume: the card as it is now
        await show_card(update, context, schedule)


async def _send_test(update: Update, context: Context, schedule: ReminderSchedule) -> None:
    """The schedule's text to the staff member who pressed, marked as a test, through the one
    sender under its own key (never counted as the schedule's delivery)."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    language = context.lang
    body = text(context, "reminders.test_header") + "\n\n" + schedule_text(language, schedule)
    if schedule.ack:
        body += "\n\n" + text(context, "reminders.test_ack_note")
    outcome = await context.services.sender.push(
        f"test:{schedule.id}:{query.id}", update.effective_user.id, body
    )
    sent = outcome in (Delivery.SENT, Delivery.ALREADY_DONE, Delivery.UNCONFIRMED)
    await popup(update, context, "reminders.test_sent" if sent else "reminders.test_failed")


async def _show_acks(update: Update, context: Context, schedule: ReminderSchedule) -> None:
    """Per occurrence of a notice: who pressed 收到 and who has not yet, by group."""
    services = context.services
    _, sheets = await ack_sheets(services.reminders, context.actor, schedule.id)
    zone, now = services.config.zone, services.clock()
    parts = [text(context, "reminders.acks_title", title=title_of(context, schedule))]
    if not sheets:  # none gone out yet: when the first one will
        following = (await services.reminders.next_times()).get(schedule.id)
        parts.append(text(context, "reminders.acks_none") if following is None
                     else text(context, "reminders.acks_next",
                               next=next_text(context.lang, following, zone, now)))
    nobody = text(context, "reminders.nobody")
    separator = text(context, "reminders.list_separator")
    for sheet in sheets:
        lines = [text(context, "reminders.acks_occurrence",
                      when=short_moment(context.lang, sheet.occurrence.due_at, zone, now),
                      done=len(sheet.acknowledged), waiting=len(sheet.waiting))]
        for group, done, waiting in sheet.by_group():
            lines.append(text(
                context, "reminders.acks_group",
                group=group or text(context, "reminders.no_group"),
                done=separator.join(m.name for m in done) or nobody,
                waiting=separator.join(m.name for m in waiting) or nobody,
            ))
        parts.append("\n".join(lines))
    markup = InlineKeyboardMarkup([[
        manage_button(context, "reminders.refresh_button", schedule.id, "acks"),
        manage_button(context, "reminders.back_button", schedule.id, "show"),
    ]])
    await say(update, context, "\n\n".join(parts), markup)


async def show_log(update: Update, context: Context) -> None:
    """Per recent occurrence: delivered / unreachable / failed / still to go; who blocked."""
    services = context.services
    try:
        log = await delivery_log(services.reminders, context.actor, LOG_LIMIT)
    except NotAllowed:
        await popup(update, context, "reminders.staff_only")
        return
    zone, now = services.config.zone, services.clock()
    parts = [text(context, "reminders.log_title") if log.lines
             else text(context, "reminders.log_empty")]
    for line in log.lines:
        occurrence = line.occurrence
        due = await services.reminders.describe(occurrence)
        what = Rendered(services, due, "").about(context.lang)
        parts.append(text(
            context, "reminders.log_line",
            when=short_moment(context.lang, occurrence.due_at, zone, now), what=what,
            status=text(context, f"reminders.occurrence_{occurrence.status.value}"),
            delivered=line.delivered, unreachable=line.unreachable, failed=line.failed,
            to_go=line.to_go,
        ))
    if log.unreachable:
        separator = text(context, "reminders.list_separator")
        names = separator.join(
            text(context, "reminders.member_in_group", name=m.name,
                 group=m.group_name or text(context, "reminders.no_group"))
            for m, _ in log.unreachable[:NAMES_LIMIT]
        )
        parts.append(text(context, "reminders.log_unreachable", count=len(log.unreachable),
                          names=names))
    await say(update, context, "\n\n".join(parts), InlineKeyboardMarkup(
        [[screen_button(context, "reminders.back_button", "list")]]))
