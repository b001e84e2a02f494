"""Staff commands in private chat: /invite PHONE, /unbind PHONE."""

from __future__ import annotations

from telegram import Update

from bot.core.auth import Action
from bot.core.phones import normalize_phone
from domain.models import Member
from handlers.shared.common import is_private, reply, require_bound
from handlers.shared.context import Context


async def _staff_target(update: Update, context: Context, action: Action) -> Member | None:
    """Checks role and private chat, then finds the member named by the phone argument."""
    if not await require_bound(update, context):
        return None
    if not context.actor.can(action):
        await reply(update, context, "auth.staff_only")
        return None
    if not is_private(update):
        await reply(update, context, "admin.private_only")
        return None
    raw = " ".join(context.args or [])[:40]
    phone = normalize_phone(raw) if raw else None
    if phone is None:
        await reply(update, context, "admin.phone_needed", command=action.value)
        return None
    member = await context.services.members.by_phone(phone)
    if member is None:
        await reply(update, context, "admin.no_such_member", phone=raw)
    return member


async def invite(update: Update, context: Context) -> None:
    """/invite PHONE: a one-time link that binds whoever opens it to that member."""
    member = await _staff_target(update, context, Action.INVITE)
    if member is None:
        return
    payload = await context.services.registration.create_invite(
        member, context.actor.telegram_user_id
    )
    link = f"https://t.me/{context.bot.username}?start={payload}"
    await reply(update, context, "admin.invite_made", name=member.name, link=link)


async def unbind(update: Update, context: Context) -> None:
    """/unbind PHONE: detach a member's Telegram account."""
    member = await _staff_target(update, context, Action.UNBIND)
    if member is None:
        return
    changed = await context.services.registration.unbind(context.actor, member)
    await reply(update, context, "admin.unbound" if changed else "admin.not_bound",
                name=member.name)

