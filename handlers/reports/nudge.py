"""The daily nudge: reports submitted and untouched for days, listed to staff once a day."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from bot.core.auth import Action, Actor
from bot.core.texts import tr
from handlers.reports.render import age_text, recipient_language, short, title_of
from handlers.shared.context import Context, LiaisonApplication
from storage.models import Report

log = logging.getLogger(__name__)

_NUDGE_LINES = 30


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


def schedule_nudge(application: LiaisonApplication) -> None:
    """The daily nudge at [reports] nudge_time; also soon after start-up when today's time has
    passed (a bot that was down then still nudges once that day: the key is per day)."""
    jobs = application.job_queue
    if jobs is None:
        log.warning("no job queue: the daily nudge about waiting reports is off")
        return
    config = application.bot_data.config
    hour, minute = (int(part) for part in config.reports.nudge_time.split(":"))
    at = time(hour, minute, tzinfo=config.zone)
    jobs.run_daily(nudge_stale_reports, at, name="report_nudge")
    if datetime.now(config.zone).time() >= time(hour, minute):
        jobs.run_once(
            nudge_stale_reports, timedelta(seconds=1), name="report_nudge_catch_up",
            job_kwargs={"misfire_grace_time": None},
        )
