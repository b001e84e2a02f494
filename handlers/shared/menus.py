"""Command menus (setMyCommands) per language and role, and the /help text built from them;
which command is in which menu is declared by each capability (handlers/*/__init__.py)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.core.auth import Actor
from bot.core.texts import LANGUAGES, tr
from bot.telegram.ratelimit import Priority
from domain.models import Role
from handlers.shared.capability import Menu, Registry
from handlers.shared.context import LiaisonApplication

log = logging.getLogger(__name__)


def _menu(names: list[str], language: str) -> list[BotCommand]:
    return [BotCommand(name, tr(language, f"cmd.{name}")) for name in names]


def help_text(registry: Registry, actor: Actor, language: str) -> str:
    lines = [tr(language, "help.title")]
    lines += [f"/{name} — {tr(language, f'cmd.{name}')}" for name in registry.commands_for(actor)]
    if not actor.is_bound and not actor.is_staff:
        lines += ["", tr(language, "help.register_first")]
    return "\n".join(lines)


async def set_personal_menu(bot: ExtBot[Any], registry: Registry, actor: Actor) -> None:
    """The longer menu for a leader, deputy or staff member, in their private chat, both
    languages."""
    scope = BotCommandScopeChat(actor.telegram_user_id)
    for language in LANGUAGES:
        await bot.set_my_commands(
            _menu(registry.commands_for(actor), language),
            scope=scope,
            language_code=None if language == "zh" else language,
            rate_limit_args={"priority": Priority.BULK},
        )


async def publish_command_menus(application: LiaisonApplication) -> None:
    """At start-up: default menus per language, the group menu, personal menus for roles."""
    bot = application.bot
    state = application.bot_data
    registry, services = state.registry, state.services
    try:
        for language in LANGUAGES:
            code = None if language == "zh" else language
            await bot.set_my_commands(
                _menu(registry.listed_in(Menu.UNBOUND, Menu.MEMBER), language),
                language_code=code, rate_limit_args={"priority": Priority.BULK},
            )
            await bot.set_my_commands(
                _menu(registry.listed_in(Menu.GROUP), language),
                scope=BotCommandScopeAllGroupChats(),
                language_code=code, rate_limit_args={"priority": Priority.BULK},
            )
        admin_ids = set(services.config.admins.telegram_user_ids)
        for member in await services.members.list_members():
            if member.telegram_user_id is None or member.role is Role.MEMBER:
                continue
            await set_personal_menu(
                bot, registry, Actor.resolve(member.telegram_user_id, member, admin_ids)
            )
    except TelegramError as exc:
        log.warning("could not publish command menus: %s", exc)
