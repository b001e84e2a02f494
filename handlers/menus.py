"""Command menus (setMyCommands) per language and role, and the /help text built from them."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.app import LiaisonApplication
from bot.auth import Actor
from bot.ratelimit import Priority
from bot.texts import LANGUAGES, tr
from storage.models import Role

log = logging.getLogger(__name__)

# Commands each role sees, in menu order; a person sees the union of their roles' lists.
MEMBER_COMMANDS = (
    "start", "help", "lang", "cancel", "report", "drafts", "myreports", "events", "checkin",
    "leave",
)
EVENT_COMMANDS = (
    "newevent", "qr", "attendance", "markpresent", "editevent", "cancelevent",
)  # leaders and staff
LEADER_COMMANDS = ("bindgroup", *EVENT_COMMANDS)
STAFF_COMMANDS = ("bindgroup", "invite", "unbind", "review", "export", *EVENT_COMMANDS)
GROUP_COMMANDS = ("help", "bindgroup")
UNBOUND_COMMANDS = ("start", "help", "lang")


def commands_for(actor: Actor) -> list[str]:
    names: list[str] = list(MEMBER_COMMANDS if actor.is_bound else UNBOUND_COMMANDS)
    if Role.LEADER in actor.roles:
        names += LEADER_COMMANDS
    if Role.STAFF in actor.roles:
        names += STAFF_COMMANDS
    return list(dict.fromkeys(names))


def _menu(names: list[str] | tuple[str, ...], language: str) -> list[BotCommand]:
    return [BotCommand(name, tr(language, f"cmd.{name}")) for name in names]


def help_text(actor: Actor, language: str) -> str:
    lines = [tr(language, "help.title")]
    lines += [f"/{name} — {tr(language, f'cmd.{name}')}" for name in commands_for(actor)]
    if not actor.is_bound and not actor.is_staff:
        lines += ["", tr(language, "help.register_first")]
    return "\n".join(lines)


async def set_personal_menu(bot: ExtBot[Any], actor: Actor) -> None:
    """The longer menu for a leader or staff member, in their private chat, both languages."""
    scope = BotCommandScopeChat(actor.telegram_user_id)
    for language in LANGUAGES:
        await bot.set_my_commands(
            _menu(commands_for(actor), language),
            scope=scope,
            language_code=None if language == "zh" else language,
            rate_limit_args={"priority": Priority.BULK},
        )


async def publish_command_menus(application: LiaisonApplication) -> None:
    """At start-up: default menus per language, the group menu, personal menus for roles."""
    bot = application.bot
    services = application.bot_data["services"]
    try:
        for language in LANGUAGES:
            code = None if language == "zh" else language
            await bot.set_my_commands(
                _menu(UNBOUND_COMMANDS + MEMBER_COMMANDS[3:], language), language_code=code,
                rate_limit_args={"priority": Priority.BULK},
            )
            await bot.set_my_commands(
                _menu(GROUP_COMMANDS, language), scope=BotCommandScopeAllGroupChats(),
                language_code=code, rate_limit_args={"priority": Priority.BULK},
            )
        admin_ids = set(services.config.admins.telegram_user_ids)
        for member in await services.members.list_members():
            if member.telegram_user_id is None or member.role is Role.MEMBER:
                continue
            await set_personal_menu(
                bot, Actor.resolve(member.telegram_user_id, member, admin_ids)
            )
    except TelegramError as exc:
        log.warning("could not publish command menus: %s", exc)
