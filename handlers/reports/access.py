"""Who may write and who may review reports: the check each reports handler starts with."""

from __future__ import annotations

from telegram import Update

from bot.core.auth import Action, Actor
from domain.models import Member, Report
from handlers.shared.common import allowed, is_private, reply, require_bound, tell
from handlers.shared.context import Context


async def writer(update: Update, context: Context) -> Member | None:
    """The member writing, or None after telling why not."""
    if not await require_bound(update, context):
        return None
    member = context.actor.member
    if member is None:  # a bootstrap admin who is not on the roster
        await tell(update, context, "report.roster_only")
        return None
    return member


async def private_writer(update: Update, context: Context) -> Member | None:
    """writer(), for the commands that work in private chat only."""
    if not is_private(update):
        await reply(update, context, "report.private_only")
        return None
    return await writer(update, context)


async def reviewer(update: Update, context: Context) -> bool:
    """Staff (REVIEW_REPORTS); everyone else is told no."""
    return await require_bound(update, context) and await allowed(
        update, context, Action.REVIEW_REPORTS, "auth.staff_only"
    )


def is_own(actor: Actor, report: Report) -> bool:
    """Whether `actor` wrote or co-wrote `report` (staff do not review their own)."""
    return actor.member is not None and report.involves(actor.member.id)
