"""/digest (staff, private chat): every group's weekly digest on or off and whether its chat is
bound, with a button per group that switches it; a press writes the switch (audited) and shows
the same message again with the new states."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.core.auth import Refused
from bot.duty_record.service import DutyProblem
from domain.duty_models import DigestSwitch
from handlers.duty_record.answers import prologue, refuse, send
from handlers.duty_record.buttons import DigestSwitchPress
from handlers.shared.common import button_rows, edit_pressed_message, label, reply, tell, text
from handlers.shared.context import Context

log = logging.getLogger(__name__)


def _render(context: Context, groups: list[DigestSwitch]) -> tuple[str, InlineKeyboardMarkup]:
    lines = [text(context, "duty.digest_title"), ""]
    buttons = []
    for group in groups:
        state = "duty.digest_state_off" if group.digest_off else "duty.digest_state_on"
        line = text(context, state, group=group.name)
        if group.chat_id is None:
            line += text(context, "duty.digest_unbound")
        lines.append(line)
        buttons.append(InlineKeyboardButton(
            label(context, "duty.digest_turn_on" if group.digest_off else "duty.digest_turn_off",
                  group=group.name),
            callback_data=context.services.codec.encode(
                DigestSwitchPress(group_id=group.group_id, on=group.digest_off)),
        ))
    lines += ["", text(context, "duty.digest_hint")]
    return "\n".join(lines), InlineKeyboardMarkup(button_rows(buttons, 1))


async def digest_command(update: Update, context: Context) -> None:
    """/digest: the groups and their switches (staff)."""
    if not await prologue(update, context, "digest"):
        return
    try:
        groups = await context.services.digest.switches(context.actor)
    except Refused as exc:
        await refuse(update, context, exc, "digest")
        return
    if not groups:
        await reply(update, context, "duty.no_groups")
        return
    body, markup = _render(context, groups)
    await send(update, context, body, markup)


async def digest_switch_pressed(update: Update, context: Context,
                                data: DigestSwitchPress) -> None:
    """A group's button: switch it, say so in a short popup and show the list again."""
    service = context.services.digest
    try:
        switched = await service.set(context.actor, data.group_id, data.on)
        groups = await service.switches(context.actor)
    except Refused as exc:
        if exc.reason is DutyProblem.NO_GROUP:
            await tell(update, context, "duty.digest_no_group")
        else:
            await refuse(update, context, exc, "digest")
        return
    if switched.digest_off:
        done = "duty.digest_switched_off"
    else:
        done = "duty.digest_switched_on" if switched.chat_id is not None \
            else "duty.digest_switched_on_unbound"
    query = update.callback_query
    assert query is not None
    try:
        await query.answer(label(context, done, group=switched.name))
    except BadRequest as exc:  # the query is too old; the message is still brought up to date
        log.info("digest switch answer failed: %s", exc)
    body, markup = _render(context, groups)
    await edit_pressed_message(update, body, markup)
