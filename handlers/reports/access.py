"""Who may write and who may review reports: the check each reports handler starts with."""

from __future__ import annotations

from telegram import Update

from bot.core.auth import Action, Actor
from handlers.shared.common import is_private, popup, reply, require_bound
from handlers.shared.context import Context
from storage.models import Member, Report


async def tell(update: Update, context: Context, key: str, /, **values: object) -> None:
    """A popup for a button press, else a message."""
    if update.callback_query is not None:
        await popup(update, context, key, **values)
    else:
        await reply(update, context, key, **values)


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
    if not await require_bound(update, context):
        return False
    if context.actor.can(Action.REVIEW_REPORTS):
        return True
    if update.callback_query is not None:
        await popup(update, context, "auth.staff_only")
    else:
        await reply(update, context, "auth.staff_only")
    return False


def is_own(actor: Actor, report: Report) -> bool:
    """Whether `actor` wrote or co-wrote `report` (staff do not review their own)."""
    return actor.member is not None and report.involves(actor.member.id)
