"""The loop that sends what is due: woken every [reminders] check_every_seconds by the job
queue, it plans ahead, records missed occurrences (telling staff once) and fans each due one
out through the one sender — every (occurrence, member) recorded before and after sending,
at bulk priority so that replies to people go first."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bot.core.texts import language_for, tr
from bot.core.when import moment_text
from bot.reminders.service import DueOccurrence, Recipient
from bot.telegram.fanout import FanOut, Push
from bot.telegram.sender import Delivery
from domain.reminder_models import ReminderOccurrence
from handlers.reminders.render import Rendered
from handlers.shared.context import Context, LiaisonApplication, Services

log = logging.getLogger(__name__)


@dataclass
class ReminderRunner:
    """One tick at a time; occurrences being sent are not started twice (the fan-out keeps
    them by id); the calendar is looked at once a day."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    fanout: FanOut = field(default_factory=lambda: FanOut("reminder fan-out"))
    calendar_checked_on: date | None = None


def _push(services: Services, occurrence: ReminderOccurrence, rendered: Rendered,
          recipient: Recipient) -> Push:
    """The push of `occurrence` to one recipient, rendered in their language when it starts."""
    member = recipient.member
    chat_id = member.telegram_user_id
    assert chat_id is not None
    language = language_for(None, recipient.language)
    return lambda: services.sender.push(
        occurrence.delivery_key, chat_id, rendered.text(language, member.name),
        reply_markup=rendered.markup(language, member),
    )


async def fan_out(
    services: Services, due: DueOccurrence, bot_username: str, fanout: FanOut
) -> Counter[Delivery]:
    """Deliver one occurrence to everyone it is for; interrupted ones (a stop raises Stopping
    here) are resumed, and the deliveries table keeps anyone from getting it twice."""
    occurrence = due.occurrence
    recipients = await services.reminders.recipients(occurrence)
    await services.reminders.start(occurrence, len(recipients))
    rendered = Rendered(services, due, bot_username)
    total = await fanout.push_all([_push(services, occurrence, rendered, r) for r in recipients])
    await services.reminders.repo.record_reachability(
        occurrence.delivery_key, services.reminders.clock()
    )
    await services.reminders.finish(occurrence)
    log.info("reminder %s (%s): %s", occurrence.id, occurrence.key, dict(total))
    await _tell_staff_unreachable(services, occurrence, rendered)
    return total


async def _tell_staff_unreachable(
    services: Services, occurrence: ReminderOccurrence, rendered: Rendered
) -> None:
    """Staff are told, once per occurrence, who could not be reached (they blocked the bot)."""
    blocked = await services.reminders.unreachable_of(occurrence)
    if not blocked:
        return
    names = "、".join(m.name for m in blocked[:50])
    await _tell_staff(services, f"unreachable:{occurrence.id}", lambda language, _name: tr(
        language, "reminder.unreachable_staff", count=len(blocked), names=names,
        what=rendered.sent_at(language),
    ))


async def _tell_staff(
    services: Services, key: str, text_for: Callable[[str, str], str]
) -> None:
    """Push to every staff member, once per `key`, `text_for(language, name)`."""
    for staff in await services.reminders.staff():
        assert staff.member.telegram_user_id is not None
        language = language_for(None, staff.language)
        await services.sender.push(
            key, staff.member.telegram_user_id, text_for(language, staff.member.name)
        )


async def _tell_staff_missed(services: Services, due: DueOccurrence) -> None:
    occurrence = due.occurrence
    if not await services.reminders.claim_staff_notice(occurrence):
        return
    zone, hours = services.config.zone, services.config.reminders.grace_hours
    rendered = Rendered(services, due, "")
    await _tell_staff(services, f"missed:{occurrence.id}", lambda language, _name: tr(
        language, "reminder.missed_staff", hours=f"{hours:g}", what=rendered.about(language),
        when=moment_text(language, occurrence.due_at, zone, today=services.today()),
    ))


async def _tell_staff_calendar_unknown(services: Services) -> None:
    """In December, once per staff member: next year's 调休 is not known yet."""
    year = await services.reminders.unknown_swaps_ahead()
    if year is not None:
        await _tell_staff(services, f"calendar_unknown:{year}",
                          lambda language, _name: tr(language, "reminder.calendar_unknown",
                                                     year=year))


async def tick(context: Context) -> None:
    """Plan ahead, record what was missed, start sending what is due."""
    runner = context.state.part(ReminderRunner)
    if runner.lock.locked() or runner.fanout.stopping.is_set():
        return
    services = context.services
    username = context.bot.username
    async with runner.lock:
        now = services.reminders.clock()
        await services.reminders.plan(now)
        today = now.astimezone(services.config.zone).date()
        if runner.calendar_checked_on != today:
            await _tell_staff_calendar_unknown(services)
            runner.calendar_checked_on = today
        work = await services.reminders.due(now)
        for missed in work.missed:
            await _tell_staff_missed(services, missed)
        for due in work.send:
            occurrence_id = due.occurrence.id
            if not runner.fanout.running(occurrence_id):
                runner.fanout.start(occurrence_id, fan_out(services, due, username,
                                                           runner.fanout))


def schedule_reminders(application: LiaisonApplication) -> None:
    """Wake the reminders loop every [reminders] check_every_seconds, from start-up."""
    jobs = application.job_queue
    assert jobs is not None
    every = application.bot_data.config.reminders.check_every_seconds
    jobs.run_repeating(tick, interval=every, first=1.0, name="reminders")


async def stop_sending(application: LiaisonApplication) -> None:
    """At shutdown: the fan-outs under way start no new push and those in flight finish (see
    bot/telegram/fanout.py); the next start resumes them (what was sent is on record; a push
    cut off by the drain's end or a kill may go out once more)."""
    await application.bot_data.part(ReminderRunner).fanout.stop()
