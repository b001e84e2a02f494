"""/group [year] (a leader: their group; staff: /group <name> [year], or a list of groups to
pick from): the group's members with their figures and points, those behind marked ⚠, and a
button per member opening their record."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.auth import Action, Refused
from bot.duty_record.service import DutyRecord
from domain.models import ActivityGroup
from handlers.duty_record import render
from handlers.duty_record.answers import (
    MAX_ARGUMENT_CHARS,
    prologue,
    refuse,
    send,
    show,
    split_year,
)
from handlers.duty_record.buttons import GroupMemberRecord, GroupPick
from handlers.shared.common import button_rows, reply, text
from handlers.shared.context import Context


async def group_command(update: Update, context: Context) -> None:
    """/group [name] [year]."""
    if not await prologue(update, context, "group"):
        return
    args = context.args or []
    if sum(len(arg) + 1 for arg in args) > MAX_ARGUMENT_CHARS:
        await _usage(update, context)
        return
    words, year = split_year(args)
    name = " ".join(words)
    actor, service = context.actor, context.services.duty_record
    may_view = actor.can(Action.VIEW_DUTY_RECORDS)
    group_id = None
    try:
        if may_view and name:
            group = _named(name, await context.services.members.list_groups())
            if group is None:
                await reply(update, context, "duty.no_such_group", name=name)
                if actor.groups_for(Action.VIEW_DUTY_RECORDS) is None:
                    await _pick_list(update, context, service.check_year(year))
                return
            group_id = group.id
        elif may_view and actor.groups_for(Action.VIEW_DUTY_RECORDS) is None:
            await _pick_list(update, context, service.check_year(year))  # staff name none
            return
        # a member without the right: the service says why
        group, records = await service.group_records(actor, group_id, year)
    except Refused as exc:
        await refuse(update, context, exc, "group")
        return
    await _overview(update, context, group, records[0].year if records else
                    service.check_year(year), records)


def _named(name: str, groups: list[ActivityGroup]) -> ActivityGroup | None:
    wanted = name.strip().casefold()
    return next((g for g in groups if g.name.casefold() == wanted), None)


async def _usage(update: Update, context: Context) -> None:
    if context.actor.groups_for(Action.VIEW_DUTY_RECORDS) is None:
        groups = await context.services.members.list_groups()
        example = groups[0].name if groups else "第一活动组"
        await reply(update, context, "duty.group_usage_staff", example=example,
                    year=context.services.duty_record.today().year - 1)
    else:
        await reply(update, context, "duty.group_usage",
                    year=context.services.duty_record.today().year - 1)


async def _pick_list(update: Update, context: Context, year: int) -> None:
    services = context.services
    groups = await services.members.list_groups()
    if not groups:
        await reply(update, context, "duty.no_groups")
        return
    buttons = [
        InlineKeyboardButton(group.name, callback_data=services.codec.encode(
            GroupPick(group_id=group.id, year=year)))
        for group in groups
    ]
    await send(update, context, text(context, "duty.pick_group", year=year),
               InlineKeyboardMarkup(button_rows(buttons, 2)))


async def _overview(update: Update, context: Context, group: ActivityGroup, year: int,
                    records: list[DutyRecord]) -> None:
    """The overview in as many messages as it needs, each with its members' buttons; the first
    replaces the pressed message (a group picked from the list)."""
    services = context.services
    chunks = render.group_chunks(context.lang, group, year, records,
                                 services.duty_record.today())
    for index, (body, shown) in enumerate(chunks):
        buttons = [
            InlineKeyboardButton(
                ("⚠ " if record.behind else "") + record.counts.name,
                callback_data=services.codec.encode(
                    GroupMemberRecord(member_id=record.counts.member_id, year=year)),
            )
            for record in shown
        ]
        markup = InlineKeyboardMarkup(button_rows(buttons, 3)) if buttons else None
        if index == 0:
            await show(update, context, body, markup)
        else:
            await send(update, context, body, markup)


async def group_picked(update: Update, context: Context, data: GroupPick) -> None:
    """A group from the staff's list."""
    service = context.services.duty_record
    try:
        group, records = await service.group_records(context.actor, data.group_id, data.year)
    except Refused as exc:
        await refuse(update, context, exc, "group")
        return
    await _overview(update, context, group, data.year, records)
