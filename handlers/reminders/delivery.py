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
from bot.reminders.service import Recipient
from bot.telegram.sender import Delivery
from domain.reminder_models import ReminderOccurrence
from handlers.reminders.render import Rendered
from handlers.shared.context import Context, LiaisonApplication, Services

log = logging.getLogger(__name__)

# Pushes of one occurrence in flight at once (the rate limiter sets the real pace); after a
# crash, at most this many members can get one reminder twice. At 30 messages a second and
# about 0.15 s a push (a 100 ms call and its records), five keep the limiter busy; ten leave
# room for a slower network or database (benchmarks/reminder_fanout: 0.94 of 30/s with 10).
PARALLEL = 10
# Waits before the second and third try of a delivery that failed for a passing reason.
RETRY_AFTER_SECONDS = (2.0, 10.0)


@dataclass
class ReminderRunner:
    """One tick at a time; occurrences being sent are not started twice; the calendar is
    looked at once a day."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sending: dict[int, asyncio.Task[Counter[Delivery]]] = field(default_factory=dict)
    calendar_checked_on: date | None = None

    def forget(self, task: asyncio.Task[Counter[Delivery]]) -> None:
        """A fan-out ended (done, failed or cancelled): it may be started again."""
        for occurrence_id, running in list(self.sending.items()):
            if running is task:
                del self.sending[occurrence_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("reminder fan-out failed", exc_info=task.exception())


async def _push_all(
    services: Services, occurrence: ReminderOccurrence, rendered: Rendered,
    recipients: list[Recipient],
) -> Counter[Delivery]:
    """One try at every recipient not done yet; what each ended as."""
    slots = asyncio.Semaphore(PARALLEL)

    async def one(recipient: Recipient) -> Delivery:
        member = recipient.member
        assert member.telegram_user_id is not None
        language = language_for(None, recipient.language)
        async with slots:
            return await services.sender.push(
                occurrence.delivery_key, member.telegram_user_id,
                rendered.text(language, member.name),
                reply_markup=rendered.markup(language, member),
            )

    return Counter(await asyncio.gather(*(one(r) for r in recipients)))


async def fan_out(
    services: Services, occurrence: ReminderOccurrence, bot_username: str
) -> Counter[Delivery]:
    """Deliver one occurrence to everyone it is for; interrupted ones are resumed, and the
    deliveries table keeps anyone from getting it twice."""
    recipients = await services.reminders.recipients(occurrence)
    await services.reminders.start(occurrence, len(recipients))
    rendered = await Rendered.load(services, occurrence, bot_username)
    total = await _push_all(services, occurrence, rendered, recipients)
    for wait in RETRY_AFTER_SECONDS:
        if not total[Delivery.FAILED]:
            break
        await asyncio.sleep(wait)
        total[Delivery.FAILED] = 0
        total += await _push_all(services, occurrence, rendered, recipients)
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


async def _tell_staff_missed(services: Services, occurrence: ReminderOccurrence) -> None:
    if not await services.reminders.claim_staff_notice(occurrence):
        return
    zone, hours = services.config.zone, services.config.reminders.grace_hours
    rendered = await Rendered.load(services, occurrence, "")
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
    if runner.lock.locked():
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
        for occurrence in work.missed:
            await _tell_staff_missed(services, occurrence)
        for occurrence in work.send:
            if occurrence.id in runner.sending:
                continue
            task = asyncio.create_task(fan_out(services, occurrence, username))
            runner.sending[occurrence.id] = task
            task.add_done_callback(runner.forget)


def schedule_reminders(application: LiaisonApplication) -> None:
    """Wake the reminders loop every [reminders] check_every_seconds, from start-up."""
    jobs = application.job_queue
    assert jobs is not None
    every = application.bot_data.config.reminders.check_every_seconds
    jobs.run_repeating(tick, interval=every, first=1.0, name="reminders")


async def stop_sending(application: LiaisonApplication) -> None:
    """At shutdown: stop the fan-outs under way; the next start resumes them (what was sent is
    on record, what was in flight may go out once more)."""
    runner = application.bot_data.part(ReminderRunner)
    tasks = list(runner.sending.values())
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
