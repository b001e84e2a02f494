"""Chats and membership: chat lookup, the bot's rights, privacy mode, getChat*, leaveChat.

Every family asks here whether the bot may act in a chat (:func:`check_write`,
:func:`check_member`, :func:`bot_can`), so the 403 wording of Telegram ("bot was kicked
from the supergroup chat", "bot can't initiate conversation with a user") lives in one
place.  :func:`set_member` is how both the phone driver and leaveChat change a membership;
it emits ``my_chat_member`` for the bot and ``chat_member`` for others when the bot is an
administrator.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..model import Chat, Member, StoredMessage, User
from ..spec import ApiError, bad_request
from ..text import entity_text
from .updates import emit

if TYPE_CHECKING:
    from ..server import BotApiServer


SERVICE_KEYS = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
)


def default_admin_rights() -> dict[str, bool]:
    """Rights of a freshly promoted administrator (Telegram's defaults in the apps)."""
    return {
        "can_manage_chat": True,
        "can_delete_messages": True,
        "can_manage_video_chats": True,
        "can_restrict_members": True,
        "can_promote_members": False,
        "can_change_info": True,
        "can_invite_users": True,
        "can_pin_messages": True,
        "can_post_stories": False,
        "can_edit_stories": False,
        "can_delete_stories": False,
        "can_manage_topics": False,
    }


def find_chat(server: BotApiServer, chat_id: Any) -> Chat:
    if isinstance(chat_id, str):
        if chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            for chat in server.chats.values():
                if chat.is_group and (chat.username or "").lower() == wanted:
                    return chat
            raise bad_request("chat not found")
        if not re.fullmatch(r"-?\d+", chat_id):
            raise bad_request("chat not found")
        chat_id = int(chat_id)
    found = server.chats.get(chat_id)
    if found is None:
        raise bad_request("chat not found")
    return found


def bot_member(server: BotApiServer, chat: Chat) -> Member:
    return chat.members.get(server.bot.id) or Member(server.bot.id, "left")


def check_member(server: BotApiServer, chat: Chat) -> None:
    if not chat.is_group:
        return
    member = bot_member(server, chat)
    kind = "supergroup" if chat.type == "supergroup" else "group"
    if member.status == "kicked":
        raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
    if not member.active:
        raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")


def check_write(server: BotApiServer, chat: Chat) -> None:
    if chat.type == "private":
        user = chat.user
        assert user is not None
        if user.is_bot:
            raise ApiError(403, "Forbidden: bot can't send messages to bots")
        if user.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return
    check_member(server, chat)
    member = bot_member(server, chat)
    if member.status == "restricted" and not member.rights.get("can_send_messages", True):
        raise bad_request("not enough rights to send text messages to the chat")


def bot_can(server: BotApiServer, chat: Chat, right: str) -> bool:
    member = bot_member(server, chat)
    return member.status == "creator" or (
        member.status == "administrator" and member.rights.get(right, False)
    )


def member_api(server: BotApiServer, chat: Chat, member: Member) -> dict[str, Any]:
    user = server.users[member.user_id].to_api()
    status = member.status
    data: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        data["is_anonymous"] = False
        if member.custom_title:
            data["custom_title"] = member.custom_title
    elif status == "administrator":
        rights = {**default_admin_rights(), **member.rights}
        data["can_be_edited"] = False
        data["is_anonymous"] = False
        for param in server.spec.fields("ChatMemberAdministrator"):
            name = param.name
            if (
                name.startswith("can_")
                and name != "can_be_edited"
                and (param.required or name in rights)
            ):
                data[name] = bool(rights.get(name, False))
        if member.custom_title:
            data["custom_title"] = member.custom_title
    elif status == "restricted":
        for param in server.spec.fields("ChatMemberRestricted"):
            if param.required and param.name.startswith("can_"):
                data[param.name] = bool(member.rights.get(param.name, True))
        data["is_member"] = bool(member.rights.get("is_member", True))
        data["until_date"] = member.until_date
    elif status == "kicked":
        data["until_date"] = member.until_date
    return data


def set_member(server: BotApiServer, chat: Chat, user: User, new: Member, actor: User) -> None:
    """Change a membership and emit my_chat_member / chat_member updates."""
    old = chat.members.get(user.id) or Member(user.id, "left")
    chat.members[user.id] = new
    payload = {
        "chat": chat.to_api(),
        "from": actor.to_api(),
        "date": int(server.now()),
        "old_chat_member": member_api(server, chat, old),
        "new_chat_member": member_api(server, chat, new),
    }
    if user.id == server.bot.id:
        emit(server, "my_chat_member", payload)
    elif bot_member(server, chat).status in ("administrator", "creator"):
        emit(server, "chat_member", payload)
    server._notify()


def bot_sees(server: BotApiServer, chat: Chat, stored: StoredMessage) -> bool:
    """Whether a user's message in ``chat`` reaches the bot (privacy mode rules)."""
    if chat.type == "private":
        return True
    member = bot_member(server, chat)
    if not member.active:
        return False
    data = stored.data
    if not server.privacy_mode or member.status in ("administrator", "creator"):
        return True
    if any(key in data for key in SERVICE_KEYS):
        return True
    reply = data.get("reply_to_message")
    if reply and reply.get("from", {}).get("id") == server.bot.id:
        return True
    text = data.get("text", data.get("caption", ""))
    entities = data.get("entities", data.get("caption_entities", []))
    for entity in entities:
        if entity["type"] == "bot_command" and entity["offset"] == 0:
            command = entity_text(text, entity)
            if "@" in command:
                return command.split("@", 1)[1].lower() == server.bot_username.lower()
            return True
    return False


async def get_chat(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    chat = find_chat(server, params["chat_id"])
    check_member(server, chat)
    data = chat.to_api()
    data.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            p.name: chat.type == "private" for p in server.spec.fields("AcceptedGiftTypes")
        },
    )
    if chat.description:
        data["description"] = chat.description
    if chat.is_group:
        data["permissions"] = {
            p.name: True
            for p in server.spec.fields("ChatPermissions")
            if p.name not in ("can_change_info", "can_pin_messages", "can_manage_topics")
        }
    pinned = chat.by_id.get(chat.pinned_message_id or 0)
    if pinned is not None and not pinned.deleted:
        data["pinned_message"] = pinned.snapshot()
    return data


def lookup_member(server: BotApiServer, chat: Chat, user_id: int) -> Member:
    if user_id not in server.users:
        raise bad_request("user not found")
    if chat.type == "private":
        if user_id not in (chat.id, server.bot.id):
            raise bad_request("user not found")
        return Member(user_id, "member")
    if user_id == server.bot.id:
        return bot_member(server, chat)
    return chat.members.get(user_id) or Member(user_id, "left")


async def get_chat_member(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    chat = find_chat(server, params["chat_id"])
    check_member(server, chat)
    return member_api(server, chat, lookup_member(server, chat, params["user_id"]))


async def get_chat_administrators(
    server: BotApiServer, params: dict[str, Any]
) -> list[dict[str, Any]]:
    chat = find_chat(server, params["chat_id"])
    if not chat.is_group:
        raise bad_request("there are no administrators in the private chat")
    check_member(server, chat)
    return [
        member_api(server, chat, m)
        for m in chat.members.values()
        if m.status in ("creator", "administrator")
    ]


async def get_chat_member_count(server: BotApiServer, params: dict[str, Any]) -> int:
    chat = find_chat(server, params["chat_id"])
    if not chat.is_group:
        return 2
    check_member(server, chat)
    return sum(1 for m in chat.members.values() if m.active)


async def leave_chat(server: BotApiServer, params: dict[str, Any]) -> bool:
    chat = find_chat(server, params["chat_id"])
    if not chat.is_group:
        raise bad_request("chat member status can't be changed in private chats")
    check_member(server, chat)
    set_member(server, chat, server.bot, Member(server.bot.id, "left"), server.bot)
    return True
