"""The duty record's scheduled sends: the supervision reminder (督导提醒) and the weekly group
digest, ticked every [reminders] check_every_seconds by the job queue, one tick at a time. Each
run is on record before anything is sent; every push goes through the one sender at bulk
priority and at most once (a push in flight when the bot was killed is recorded as unconfirmed,
never sent again), so nobody gets a nudge or a digest twice across restarts."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field

from bot.core.texts import DEFAULT_LANGUAGE, language_for
from bot.duty_record.digest import DigestService
from bot.duty_record.supervision import (
    LeaderList,
    MemberNudge,
    SupervisionService,
    leader_key,
    staff_key,
)
from bot.telegram.fanout import FanOut, Push
from bot.telegram.sender import Delivery
from domain.duty_models import DutyRun
from handlers.duty_record import notices
from handlers.shared.context import Context, LiaisonApplication, Services

log = logging.getLogger(__name__)


@dataclass
class DutyRunner:
    """One tick at a time; a run being sent is not started twice (the fan-out keeps them by
    key)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    fanout: FanOut = field(default_factory=lambda: FanOut("duty record fan-out"))


def _once(services: Services, key: str, chat_id: int, text: str) -> Push:
    """A push of `text` to `chat_id` under `key`, at most once."""
    return lambda: services.sender.push(key, chat_id, text, once=True)


async def send_supervision(services: Services, supervision: SupervisionService,
                           run: DutyRun, fanout: FanOut) -> Counter[Delivery]:
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

    members = await fanout.push_all([member_push(n) for n in plan.members])
    leaders = await fanout.push_all([leader_push(leader) for leader in plan.leaders])
    staff_pushes: list[Push] = []
    for recipient in plan.staff:
        chat_id = recipient.member.telegram_user_id
        assert chat_id is not None
        text = notices.staff_summary(language_for(None, recipient.language),
                                     recipient.member.name, plan.summary, plan.not_reachable,
                                     today, today)
        staff_pushes.append(_once(services, staff_key(plan.key), chat_id, text))
    staff = await fanout.push_all(staff_pushes)
    await supervision.finish(plan.key)
    log.info("supervision %s: members %s (not reachable: %d), leaders %s, staff %s",
             plan.key, dict(members), len(plan.not_reachable), dict(leaders), dict(staff))
    return members + leaders + staff


async def send_digest(services: Services, digest: DigestService, key: str,
                      fanout: FanOut) -> Counter[Delivery]:
    """One message per group chat with the digest on."""
    zone, config = services.config.zone, services.config.duty_record
    today = services.duty_record.today()
    pushes: list[Push] = []
    for group in await digest.digests(key):
        chat_id = group.group.chat_id
        assert chat_id is not None
        text = notices.group_digest(DEFAULT_LANGUAGE, group, config, zone, today)
        pushes.append(_once(services, key, chat_id, text))
    total = await fanout.push_all(pushes)
    await digest.finish(key)
    log.info("digest %s: %s", key, dict(total))
    return total


async def tick(context: Context) -> None:
    """Start what is due or was interrupted: supervision runs and the week's digest."""
    runner = context.state.part(DutyRunner)
    fanout = runner.fanout
    if runner.lock.locked() or fanout.stopping.is_set():
        return
    services = context.services
    supervision, digest = services.supervision, services.digest
    async with runner.lock:
        now = services.duty_record.clock()
        if services.reminders.quiet.contains(now.astimezone(services.config.zone).time()):
            return  # nothing unasked in quiet hours; interrupted runs resume at their end
        period = await supervision.due(now)
        if period is not None and not fanout.running(period.key):
            await supervision.begin(period)  # who is nudged, on record before any send
        for run in await supervision.unfinished():
            if not fanout.running(run.key):
                fanout.start(run.key, send_supervision(services, supervision, run, fanout))
        week = await digest.due(now)
        if week is not None and not fanout.running(week.key):
            await digest.begin(week)
        for run in await digest.unfinished():
            if not fanout.running(run.key):
                fanout.start(run.key, send_digest(services, digest, run.key, fanout))


def schedule_duty_jobs(application: LiaisonApplication) -> None:
    """Tick the supervision reminder and the digest every [reminders] check_every_seconds."""
    jobs = application.job_queue
    assert jobs is not None
    every = application.bot_data.config.reminders.check_every_seconds
    jobs.run_repeating(tick, interval=every, first=1.0, name="duty_record")


async def stop_duty_sending(application: LiaisonApplication) -> None:
    """At shutdown: no new push starts, the pushes in flight finish and are recorded (for up
    to the fan-out's DRAIN_SECONDS, then they are cancelled); the next start resumes the runs.
    Only a push cut off here or by a kill is recorded as unconfirmed at the next start, never
    sent twice."""
    await application.bot_data.part(DutyRunner).fanout.stop()
