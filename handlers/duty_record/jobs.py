"""The duty record's scheduled sends: the supervision reminder (督导提醒) and the weekly group
digest, ticked every [reminders] check_every_seconds by the job queue, one tick at a time. Each
run is on record before anything is sent; every push goes through the one sender at bulk
priority and at most once (a push in flight when the bot was killed is recorded as unconfirmed,
never sent again), so nobody gets a nudge or a digest twice across restarts."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.core.texts import DEFAULT_LANGUAGE, language_for
from bot.duty_record.digest import DigestService
from bot.duty_record.supervision import (
    LeaderList,
    MemberNudge,
    SupervisionService,
    leader_key,
    staff_key,
)
from bot.telegram.sender import Delivery
from domain.duty_models import DutyRun
from handlers.duty_record import notices
from handlers.shared.context import Context, LiaisonApplication, Services

log = logging.getLogger(__name__)

# Pushes of one run in flight at once (the rate limiter sets the real pace); after a kill, at
# most this many are recorded as unconfirmed.
PARALLEL = 10
# Waits before the second and third try of pushes that failed for a passing reason (5xx).
RETRY_AFTER_SECONDS = (2.0, 10.0)
# At shutdown no new push starts and those in flight get this long to finish (an HTTP call
# is bounded by [telegram] request_timeout): a clean stop leaves none unconfirmed.
DRAIN_SECONDS = 12.0


class Stopping(Exception):
    """The bot is stopping: the run ends here and is resumed at the next start."""

Push = Callable[[], Awaitable[Delivery]]


@dataclass
class DutyRunner:
    """One tick at a time; a run being sent is not started twice."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sending: dict[str, asyncio.Task[Counter[Delivery]]] = field(default_factory=dict)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    supervision: SupervisionService | None = None
    digest: DigestService | None = None

    def services_for(self, services: Services) -> tuple[SupervisionService, DigestService]:
        if self.supervision is None or self.digest is None:
            self.supervision = SupervisionService(services.duty_record, services.reminders)
            self.digest = DigestService(services.duty_record, services.reminders)
        return self.supervision, self.digest

    def forget(self, task: asyncio.Task[Counter[Delivery]]) -> None:
        for key, running in list(self.sending.items()):
            if running is task:
                del self.sending[key]
        if not task.cancelled() and not isinstance(task.exception(), Stopping | None):
            log.error("duty record fan-out failed", exc_info=task.exception())


async def _push_all(pushes: list[Push], stopping: asyncio.Event) -> Counter[Delivery]:
    """Every push, with retries of those that failed for a passing reason; what each ended as
    (retried ones by their last try). Once `stopping` is set no push starts; those in flight
    finish and are recorded, then Stopping is raised."""
    slots = asyncio.Semaphore(PARALLEL)

    async def one(push: Push) -> Delivery:
        async with slots:
            if stopping.is_set():
                raise Stopping
            return await push()

    async def each(chosen: list[Push]) -> list[Delivery]:
        ended = await asyncio.gather(*(one(p) for p in chosen), return_exceptions=True)
        for result in ended:
            if isinstance(result, BaseException):
                raise result
        return [d for d in ended if isinstance(d, Delivery)]

    ended = await each(pushes)
    for wait in RETRY_AFTER_SECONDS:
        failed = [p for p, d in zip(pushes, ended, strict=True) if d is Delivery.FAILED]
        if not failed:
            break
        await asyncio.sleep(wait)
        again = iter(await each(failed))
        ended = [next(again) if d is Delivery.FAILED else d for d in ended]
    return Counter(ended)


def _once(services: Services, key: str, chat_id: int, text: str) -> Push:
    """A push of `text` to `chat_id` under `key`, at most once."""
    return lambda: services.sender.push(key, chat_id, text, once=True)


async def send_supervision(services: Services, supervision: SupervisionService,
                           run: DutyRun, stopping: asyncio.Event) -> Counter[Delivery]:
    """Members first (each exactly what they are short of), then the leaders' lists, then
    the staff's summary; every push at most once. Each says "截至" the day it is sent (a run
    caught up days late is not dated its due day)."""
    plan = await supervision.plan(run)
    zone = services.config.zone
    today = services.duty_record.today()

    def member_push(nudge: MemberNudge) -> Push:
        chat_id = nudge.member.telegram_user_id
        assert chat_id is not None
        text = notices.member_nudge(language_for(None, nudge.language), nudge, today, zone,
                                    today)
        return _once(services, plan.key, chat_id, text)

    def leader_push(leader: LeaderList) -> Push:
        chat_id = leader.leader.telegram_user_id
        assert chat_id is not None
        text = notices.leader_list(language_for(None, leader.language), leader, today, today)
        return _once(services, leader_key(plan.key), chat_id, text)

    members = await _push_all([member_push(n) for n in plan.members], stopping)
    leaders = await _push_all([leader_push(leader) for leader in plan.leaders], stopping)
    staff_pushes: list[Push] = []
    for recipient in plan.staff:
        chat_id = recipient.member.telegram_user_id
        assert chat_id is not None
        text = notices.staff_summary(language_for(None, recipient.language),
                                     recipient.member.name, plan.summary, plan.not_reachable,
                                     today, today)
        staff_pushes.append(_once(services, staff_key(plan.key), chat_id, text))
    staff = await _push_all(staff_pushes, stopping)
    await supervision.finish(plan.key)
    log.info("supervision %s: members %s (not reachable: %d), leaders %s, staff %s",
             plan.key, dict(members), len(plan.not_reachable), dict(leaders), dict(staff))
    return members + leaders + staff


async def send_digest(services: Services, digest: DigestService, key: str,
                      stopping: asyncio.Event) -> Counter[Delivery]:
    """One message per group chat with the digest on."""
    zone, config = services.config.zone, services.config.duty_record
    today = services.duty_record.today()
    pushes: list[Push] = []
    for group in await digest.digests(key):
        chat_id = group.group.chat_id
        assert chat_id is not None
        text = notices.group_digest(DEFAULT_LANGUAGE, group, config, zone, today)
        pushes.append(_once(services, key, chat_id, text))
    total = await _push_all(pushes, stopping)
    await digest.finish(key)
    log.info("digest %s: %s", key, dict(total))
    return total


def _start(runner: DutyRunner, key: str,
           work: Coroutine[Any, Any, Counter[Delivery]]) -> None:
    task = asyncio.create_task(work)
    runner.sending[key] = task
    task.add_done_callback(runner.forget)


async def tick(context: Context) -> None:
    """Start what is due or was interrupted: supervision runs and the week's digest."""
    runner = context.state.part(DutyRunner)
    if runner.lock.locked() or runner.stopping.is_set():
        return
    services = context.services
    supervision, digest = runner.services_for(services)
    async with runner.lock:
        now = services.duty_record.clock()
        if services.reminders.quiet.contains(now.astimezone(services.config.zone).time()):
            return  # nothing unasked in quiet hours; interrupted runs resume at their end
        period = await supervision.due(now)
        if period is not None and period.key not in runner.sending:
            await supervision.begin(period)  # who is nudged, on record before any send
        for run in await supervision.unfinished():
            if run.key not in runner.sending:
                _start(runner, run.key, send_supervision(services, supervision, run,
                                                            runner.stopping))
        week = await digest.due(now)
        if week is not None and week.key not in runner.sending:
            await digest.begin(week)
        for run in await digest.unfinished():
            if run.key not in runner.sending:
                _start(runner, run.key, send_digest(services, digest, run.key,
                                                       runner.stopping))


def schedule_duty_jobs(application: LiaisonApplication) -> None:
    """Tick the supervision reminder and the digest every [reminders] check_every_seconds."""
    jobs = application.job_queue
    assert jobs is not None
    every = application.bot_data.config.reminders.check_every_seconds
    jobs.run_repeating(tick, interval=every, first=1.0, name="duty_record")


async def stop_duty_sending(application: LiaisonApplication) -> None:
    """At shutdown: no new push starts, the pushes in flight finish and are recorded (for up
    to DRAIN_SECONDS, then they are cancelled); the next start resumes the runs. Only a push
    cut off here or by a kill is recorded as unconfirmed at the next start, never sent twice."""
    runner = application.bot_data.part(DutyRunner)
    runner.stopping.set()
    tasks = list(runner.sending.values())
    if tasks:
        await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
