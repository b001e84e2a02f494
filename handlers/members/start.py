"""Registration: /start, sharing one's own contact, invite deep links."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.core.auth import Actor
from bot.members.registration import BindOutcome, BindResult
from domain.models import Member, Role
from handlers.shared.common import is_private, reply, text
from handlers.shared.context import Context
from handlers.shared.menus import set_personal_menu

_OUTCOME_TEXT = {
    BindOutcome.NOT_OWN_CONTACT: "bind.not_own_contact",
    BindOutcome.UNKNOWN_PHONE: "bind.unknown_phone",
    BindOutcome.ACCOUNT_TAKEN: "bind.account_taken",
    BindOutcome.MEMBER_TAKEN: "bind.member_taken",
    BindOutcome.INVITE_INVALID: "bind.invite_invalid",
    BindOutcome.INVITE_USED: "bind.invite_used",
    BindOutcome.INVITE_EXPIRED: "bind.invite_expired",
}


# Greetings by role: staff are not 委员 and have no group; a leader or deputy is told which
# group.
_HELLO = {
    Role.MEMBER: "start.hello_member",
    Role.LEADER: "start.hello_leader",
    Role.DEPUTY: "start.hello_deputy",
    Role.STAFF: "start.hello_staff",
    Role.ADMIN: "start.hello_roster_admin",
}
_BOUND = {
    Role.MEMBER: "bind.bound",
    Role.LEADER: "bind.bound_leader",
    Role.DEPUTY: "bind.bound_deputy",
    Role.STAFF: "bind.bound_staff",
    Role.ADMIN: "bind.bound_admin",
}

_ALREADY_YOURS = {
    Role.MEMBER: "bind.already_yours",
    Role.LEADER: "bind.already_yours",
    Role.DEPUTY: "bind.already_yours",
    Role.STAFF: "bind.already_yours_staff",
    Role.ADMIN: "bind.already_yours_staff",
}


def _by_role(context: Context, keys: dict[Role, str], member: Member) -> str:
    """The text of `keys` for the member's role, with their name and group."""
    group = member.group_name or text(context, "common.no_group")
    return text(context, keys[member.role], name=member.name, group=group)


def _contact_keyboard(context: Context) -> ReplyKeyboardMarkup:
    button = KeyboardButton(text(context, "start.share_phone_button"), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


async def _greet(update: Update, context: Context) -> None:
    member = context.actor.member
    assert update.effective_chat is not None
    if member is None:  # a bootstrap admin who is not on the roster
        greeting = text(context, "start.hello_admin")
    else:
        greeting = _by_role(context, _HELLO, member)
    await context.bot.send_message(
        update.effective_chat.id,
        greeting + "\n\n" + text(context, "start.help_hint"),
        reply_markup=ReplyKeyboardRemove(),
    )


async def _report_binding(update: Update, context: Context, result: BindResult) -> None:
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    if result.outcome in (BindOutcome.BOUND, BindOutcome.ALREADY_YOURS):
        assert result.member is not None
        member = result.member
        if member.role is not Role.MEMBER:
            actor = Actor.resolve(
                member.telegram_user_id or 0, member,
                set(context.services.config.admins.telegram_user_ids),
            )
            await set_personal_menu(context.bot, context.state.registry, actor)
        if result.outcome is BindOutcome.BOUND:
            said = _by_role(context, _BOUND, member)
        else:
            said = _by_role(context, _ALREADY_YOURS, member)
        await context.bot.send_message(
            chat_id,
            said + "\n\n" + text(context, "start.help_hint"),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    if result.outcome is BindOutcome.ACCOUNT_TAKEN and result.member is not None:
        await reply(update, context, "bind.account_taken_named", name=result.member.name)
        return
    await reply(update, context, _OUTCOME_TEXT[result.outcome])


async def invite_link(update: Update, context: Context, payload: str) -> None:
    """t.me/<bot>?start=inv_…: bind by a one-time invite."""
    assert update.effective_user is not None
    result = await context.services.registration.bind_by_invite(update.effective_user.id, payload)
    await _report_binding(update, context, result)


async def start(update: Update, context: Context) -> None:
    """/start [payload]: follow a deep link, greet, or offer to share the phone number."""
    if not is_private(update):
        await reply(update, context, "start.use_private")
        return
    payload = context.args[0] if context.args else ""
    for prefix, follow in context.state.registry.deep_links.items():
        if payload.startswith(prefix):
            await follow(update, context, payload)
            return
    if payload:
        await reply(update, context, "start.unknown_link")
    if context.actor.is_bound or context.actor.is_staff:
        await _greet(update, context)
        return
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        text(context, "start.welcome", committee=context.services.config.committee.name),
        reply_markup=_contact_keyboard(context),
    )


async def contact_shared(update: Update, context: Context) -> None:
    """A shared contact: bind when it is the sender's own and on the roster."""
    message = update.effective_message
    assert message is not None and message.contact is not None
    assert update.effective_user is not None
    contact = message.contact
    result = await context.services.registration.bind_by_contact(
        update.effective_user.id, contact.user_id, contact.phone_number
    )
    await _report_binding(update, context, result)


async def private_fallback(update: Update, context: Context) -> None:
    """Anything else said in private: a pointer to what the bot understands (a photo or a file:
    where they are attached)."""
    if context.actor.is_bound or context.actor.is_staff:
        message = update.effective_message
        attached = message is not None and bool(message.photo or message.document)
        await reply(update, context,
                    "common.attachment_outside_report" if attached else "common.not_understood")
    else:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id,
            text(context, "auth.not_registered"),
            reply_markup=_contact_keyboard(context),
        )


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not know, in private chat."""
    await reply(update, context, "common.unknown_command")
