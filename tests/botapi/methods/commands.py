"""The bot's command menus: setMyCommands, getMyCommands, deleteMyCommands.

Commands are stored per (scope, language) exactly as set; :func:`visible_commands`
resolves what a client would show a user in a chat (the scope chain from the most
specific, each with the user's language before the default), which getMyCommands does not.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..spec import bad_request
from .chats import find_chat

if TYPE_CHECKING:
    from ..server import BotApiServer


_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def scope_key(server: BotApiServer, scope: dict[str, Any] | None) -> tuple[Any, ...]:
    if not scope:
        return ("default",)
    kind = scope["type"]
    if kind in ("chat", "chat_administrators", "chat_member"):
        chat = find_chat(server, scope["chat_id"])
        if kind == "chat_member":
            if scope["user_id"] not in server.users:
                raise bad_request("user not found")
            return (kind, chat.id, scope["user_id"])
        if kind == "chat_administrators" and not chat.is_group:
            raise bad_request("can't use chat_administrators scope in private chats")
        return (kind, chat.id)
    return (kind,)


def language(params: dict[str, Any]) -> str:
    code = params.get("language_code", "") or ""
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("invalid language code specified")
    return code


async def set_my_commands(server: BotApiServer, params: dict[str, Any]) -> bool:
    commands = params["commands"]
    if len(commands) > server._limits.max_commands:
        raise bad_request("too many commands")
    for command in commands:
        if not _COMMAND_RE.match(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"]) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = (scope_key(server, params.get("scope")), language(params))
    cleaned = [{"command": c["command"], "description": c["description"]} for c in commands]
    if cleaned:
        server.commands[key] = cleaned
    else:
        server.commands.pop(key, None)
    return True


async def get_my_commands(server: BotApiServer, params: dict[str, Any]) -> list[dict[str, str]]:
    key = (scope_key(server, params.get("scope")), language(params))
    return [dict(c) for c in server.commands.get(key, [])]


async def delete_my_commands(server: BotApiServer, params: dict[str, Any]) -> bool:
    key = (scope_key(server, params.get("scope")), language(params))
    server.commands.pop(key, None)
    return True


def visible_commands(
    server: BotApiServer, user_id: int, chat_id: int | None = None
) -> list[dict[str, str]]:
    """The command list a Telegram client would show ``user_id`` in ``chat_id``."""
    user = server.users[user_id]
    chat = server.chats[chat_id if chat_id is not None else user_id]
    scopes: list[tuple[Any, ...]]
    if chat.is_group:
        member = chat.members.get(user_id)
        is_admin = member is not None and member.status in ("creator", "administrator")
        scopes = [("chat_member", chat.id, user_id)]
        if is_admin:
            scopes.append(("chat_administrators", chat.id))
        scopes.append(("chat", chat.id))
        if is_admin:
            scopes.append(("all_chat_administrators",))
        scopes += [("all_group_chats",), ("default",)]
    else:
        scopes = [("chat", chat.id), ("all_private_chats",), ("default",)]
    lang = (user.language_code or "")[:2]
    for scope in scopes:
        for code in [lang, ""] if lang else [""]:
            found = server.commands.get((scope, code))
            if found:
                return [dict(c) for c in found]
    return []
