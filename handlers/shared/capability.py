"""How a capability declares itself: one `Capability` per handlers package, collected into a
`Registry` by the wiring (liaison/app.py). Adding a command or a button touches one package."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.core.auth import Actor
from bot.telegram.callbacks import CallbackData
from domain.models import Conversation, Role
from handlers.shared.context import Context, LiaisonApplication

Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]
ButtonHandler = Callable[[Update, Context, Any], Awaitable[None]]
StepHandler = Callable[[Update, Context, Conversation], Awaitable[None]]
DeepLinkHandler = Callable[[Update, Context, str], Awaitable[None]]
ExportHandler = Callable[[Update, Context, list[str]], Awaitable[None]]
JobStarter = Callable[[LiaisonApplication], None]
Stop = Callable[[LiaisonApplication], Awaitable[None]]


class Menu(StrEnum):
    """The command menus a command is listed in (setMyCommands scopes and /help)."""

    UNBOUND = "unbound"  # a private chat whose account is not on the roster yet
    MEMBER = "member"  # every member on the roster
    LEADER = "leader"  # group leaders (in their private chat)
    DEPUTY = "deputy"  # deputy leaders, 副组长 (in their private chat): their group's views
    STAFF = "staff"  # the liaison office (in their private chat)
    GROUP = "group"  # group chats


@dataclass(frozen=True)
class Command:
    """A /command, its handler and the menus that list it (none: works, but unlisted)."""

    name: str
    callback: Callback
    menus: frozenset[Menu] = frozenset()


def command(name: str, callback: Callback, *menus: Menu) -> Command:
    return Command(name, callback, frozenset(menus))


@dataclass(frozen=True)
class Capability:
    """Everything one capability adds to the bot, in one object.

    - commands: its /commands, in menu order;
    - buttons: each kind of callback data and the handler that serves it;
    - flows: each guided conversation (its `kind` in the conversations table) and the handler of
      its steps; private messages go there while it is open;
    - deep_links: /start <prefix>… payloads and the handler of each;
    - exports: /export <word> … and the handler of each (which checks rights);
    - exits: what /cancel says on ending a guided conversation of this kind (instead of
      "已退出。"), e.g. that a draft is kept;
    - words: a word typed alone in private chat that stands for a command (帮助 for /help),
      when no guided conversation is waiting for an answer;
    - jobs: started once when the handlers are registered (timers of the job queue);
    - stops: run when the application stops, after its jobs, before the services close (a
      scheduled fan-out drains its pushes in flight);
    - handlers: other PTB handlers (contacts, chat-member updates), in order;
    - private_fallback / unknown_command: the answers to anything else in private chat (one
      capability provides them).
    """

    name: str
    commands: tuple[Command, ...] = ()
    buttons: Mapping[type[CallbackData], ButtonHandler] = field(default_factory=dict)
    flows: Mapping[str, StepHandler] = field(default_factory=dict)
    deep_links: Mapping[str, DeepLinkHandler] = field(default_factory=dict)
    exports: Mapping[str, ExportHandler] = field(default_factory=dict)
    exits: Mapping[str, StepHandler] = field(default_factory=dict)
    words: Mapping[str, Callback] = field(default_factory=dict)
    jobs: tuple[JobStarter, ...] = ()
    stops: tuple[Stop, ...] = ()
    handlers: tuple[BaseHandler[Any, Any, Any], ...] = ()
    private_fallback: Callback | None = None
    unknown_command: Callback | None = None


def _merge(kind: str, maps: Iterable[Mapping[Any, Any]]) -> dict[Any, Any]:
    merged: dict[Any, Any] = {}
    for mapping in maps:
        for key, value in mapping.items():
            if key in merged:
                raise ValueError(f"{kind} {key!r} is registered twice")
            merged[key] = value
    return merged


def _only(kind: str, values: Iterable[Callback | None]) -> Callback:
    given = [value for value in values if value is not None]
    if len(given) != 1:
        raise ValueError(f"exactly one capability must provide {kind}, not {len(given)}")
    return given[0]


class Registry:
    """The capabilities of this bot, merged; duplicates are an error at start-up."""

    def __init__(self, capabilities: Iterable[Capability]) -> None:
        self.capabilities = tuple(capabilities)
        caps = self.capabilities
        self.commands: tuple[Command, ...] = tuple(c for cap in caps for c in cap.commands)
        _merge("command", ({c.name: c} for c in self.commands))
        self.buttons: dict[type[CallbackData], ButtonHandler] = _merge(
            "button", (cap.buttons for cap in caps)
        )
        self.flows: dict[str, StepHandler] = _merge("flow", (cap.flows for cap in caps))
        self.deep_links: dict[str, DeepLinkHandler] = _merge(
            "deep link", (cap.deep_links for cap in caps)
        )
        self.exports: dict[str, ExportHandler] = _merge("export", (cap.exports for cap in caps))
        self.exits: dict[str, StepHandler] = _merge("exit", (cap.exits for cap in caps))
        self.words: dict[str, Callback] = _merge("word", (cap.words for cap in caps))
        self.stops: tuple[Stop, ...] = tuple(stop for cap in caps for stop in cap.stops)
        self.private_fallback = _only("private_fallback", (c.private_fallback for c in caps))
        self.unknown_command = _only("unknown_command", (c.unknown_command for c in caps))

    def listed_in(self, *menus: Menu) -> list[str]:
        """The commands of these menus, menu by menu, each once."""
        names = [c.name for menu in menus for c in self.commands if menu in c.menus]
        return list(dict.fromkeys(names))

    def commands_for(self, actor: Actor) -> list[str]:
        """The commands `actor` sees: members' (or the unbound's), then leaders' or deputies',
        then staff's."""
        menus = [Menu.MEMBER if actor.is_bound else Menu.UNBOUND]
        if Role.LEADER in actor.roles:
            menus.append(Menu.LEADER)
        if Role.DEPUTY in actor.roles:
            menus.append(Menu.DEPUTY)
        if Role.STAFF in actor.roles:
            menus.append(Menu.STAFF)
        return self.listed_in(*menus)
