"""The daily nudge: reports submitted and untouched for days, listed to staff once a day."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.core.auth import Action, Actor
from bot.core.texts import tr
from domain.models import Report
from handlers.reports.render import age_text, recipient_language, short, title_of
from handlers.shared.context import Context, LiaisonApplication

log = logging.getLogger(__name__)

_NUDGE_LINES = 30
_LOOK_EVERY = 5.0  # seconds between looks at the clock: the nudge leaves within this of its time


@dataclass
class NudgeDay:
    """The day (committee's zone) the nudge last went out from this process."""

    done_on: date | None = None


def _nudge_text(
    language: str, reports: list[Report], days: int, now: datetime
) -> str:
    lines = [tr(language, "review.nudge_heading", count=len(reports), days=days)]
    for report in reports[:_NUDGE_LINES]:
        lines.append(tr(language, "review.nudge_item", number=report.number or "",
                        title=short(title_of(language, report), 20), author=report.author_name,
                        age=age_text(language, report.status_at, now)))
    if len(reports) > _NUDGE_LINES:
        lines.append(tr(language, "review.nudge_more", count=len(reports) - _NUDGE_LINES))
    lines.append(tr(language, "review.nudge_footer"))
    return "\n".join(lines)


async def reviewer_chats(context: Context) -> list[int]:
    """Telegram ids of everyone who reviews reports: bound staff, and the configured admins."""
    services = context.services
    admin_ids = set(services.config.admins.telegram_user_ids)
    chats = [
        member.telegram_user_id
        for member in await services.members.list_members()
        if member.telegram_user_id is not None
        and Actor.resolve(member.telegram_user_id, member, admin_ids).can(Action.REVIEW_REPORTS)
    ]
    return list(dict.fromkeys([*chats, *sorted(admin_ids)]))


async def nudge_stale_reports(context: Context) -> None:
    """Daily: reports submitted and untouched for N days, listed to staff once a day."""
    services = context.services
    config = services.config
    stale = await services.reports.stale_reports(config.reports.stale_days)
    if not stale:
        return
    now = services.reports.clock()
    key = f"report_nudge:{now.astimezone(config.zone).date().isoformat()}"
    for chat_id in await reviewer_chats(context):
        language = await recipient_language(context, chat_id)
        message = _nudge_text(language, stale, config.reports.stale_days, now)
        await services.sender.push(key, chat_id, message)


async def nudge_when_due(context: Context) -> None:
    """Once a day by the one clock, at [reports] nudge_time or the first look after it (a bot
    that was down then still nudges that day; the delivery key is per day, so a restart does
    not nudge twice)."""
    config = context.services.config
    local = context.services.clock.local(config.zone)
    day = context.state.part(NudgeDay)
    hour, minute = (int(part) for part in config.reports.nudge_time.split(":"))
    if day.done_on == local.date() or local.time() < time(hour, minute):
        return
    day.done_on = local.date()
    await nudge_stale_reports(context)


def schedule_nudge(application: LiaisonApplication) -> None:
    """Look at the clock for the daily nudge every _LOOK_EVERY seconds, from start-up."""
    jobs = application.job_queue
    if jobs is None:
        log.warning("no job queue: the daily nudge about waiting reports is off")
        return
    jobs.run_repeating(nudge_when_due, interval=_LOOK_EVERY, first=1.0, name="report_nudge")
