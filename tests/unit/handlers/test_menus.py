"""The command menus by role: a deputy leader (副组长) gets the members' commands and the
deputies' menu (their group's views), not the leaders' commands that run the group."""

from __future__ import annotations

from telegram import Update

from bot.core.auth import Actor
from domain.models import Member, Role
from handlers.shared.capability import Capability, Menu, Registry, command
from handlers.shared.context import Context
from handlers.shared.menus import help_text
from liaison.app import CAPABILITIES


def person(role: Role, group_id: int | None = 1) -> Actor:
    member = Member(id=1, name="张三", phone="13800000001", sector="", group_id=group_id,
                    role=role)
    return Actor.resolve(10, member, set())


async def _nothing(update: Update, context: Context) -> None:
    """A command that does nothing (only its menus matter here)."""


RUN_THE_GROUP = {"newevent", "qr", "markpresent", "editevent", "cancelevent", "bindgroup"}


def test_a_deputy_gets_the_deputies_menu_not_the_leaders() -> None:
    registry = Registry(CAPABILITIES)
    member, deputy, leader = (person(r) for r in (Role.MEMBER, Role.DEPUTY, Role.LEADER))
    deputy_commands = registry.commands_for(deputy)
    assert deputy_commands == registry.listed_in(Menu.MEMBER, Menu.DEPUTY)
    assert "attendance" in deputy_commands and "attendance" not in registry.commands_for(member)
    assert not set(deputy_commands) & RUN_THE_GROUP
    assert not set(deputy_commands) & {"invite", "unbind", "review", "reminders", "export"}
    assert set(registry.commands_for(leader)) >= RUN_THE_GROUP
    assert registry.commands_for(member) == registry.listed_in(Menu.MEMBER)
    lines = help_text(registry, deputy, "zh").splitlines()
    assert any(line.startswith("/attendance — ") for line in lines)
    assert not any(line.startswith("/newevent") for line in lines)


def test_a_command_in_the_deputies_menu_only_reaches_deputies() -> None:
    extra = Capability("deputies", commands=(command("deputyonly", _nothing, Menu.DEPUTY),))
    registry = Registry((*CAPABILITIES, extra))
    assert "deputyonly" in registry.commands_for(person(Role.DEPUTY))
    assert "deputyonly" in registry.commands_for(person(Role.DEPUTY, group_id=None))
    for role in (Role.MEMBER, Role.LEADER, Role.STAFF, Role.ADMIN):
        assert "deputyonly" not in registry.commands_for(person(role)), role
    assert "deputyonly" not in registry.commands_for(Actor.resolve(10, None, set()))
