"""Changing what was sent: edit*, deleteMessage(s), pin/unpin, setMessageReaction.

An edit that changes nothing (text, entities and inline keyboard all equal) is refused
with Telegram's "message is not modified"; editMessageText without ``reply_markup``
removes the inline keyboard, as on Telegram.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from ..model import Chat, StoredMessage
from ..spec import ApiError, bad_request
from .chats import bot_can, check_member, check_write, find_chat
from .files import document, input_file, photo_sizes
from .messages import caption_of, clean_markup, flood, format_text, new_message, replace_data

if TYPE_CHECKING:
    from ..server import BotApiServer


NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def edit_target(server: BotApiServer, params: dict[str, Any]) -> StoredMessage:
    if params.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    chat = find_chat(server, params["chat_id"])
    check_write(server, chat)
    stored = chat.by_id.get(params["message_id"])
    if stored is None or stored.deleted:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return stored


async def edit_message_text(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    text, entities = format_text(
        server,
        params["text"],
        params.get("parse_mode"),
        params.get("entities"),
        server._limits.max_text,
        "message is too long",
        "message text is empty",
    )
    stored = edit_target(server, params)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    markup = clean_markup(server, params.get("reply_markup"), stored.chat, inline_only=True)
    current = (
        stored.data.get("text"),
        stored.data.get("entities", []),
        stored.data.get("reply_markup"),
    )
    if current == (text, entities, markup):
        raise bad_request(NOT_MODIFIED)
    flood(server, "editMessageText", stored.chat)
    changes: dict[str, Any] = {"text": text, "edit_date": int(server.now())}
    if entities:
        changes["entities"] = entities
    if markup:
        changes["reply_markup"] = markup
    replace_data(server, stored, changes, remove=("entities", "reply_markup"))
    stored.markup = markup
    return stored.data


async def edit_message_caption(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    caption = caption_of(server, params)
    stored = edit_target(server, params)
    if "text" in stored.data:
        raise bad_request("there is no caption in the message to edit")
    markup = clean_markup(server, params.get("reply_markup"), stored.chat, inline_only=True)
    current = (
        stored.data.get("caption"),
        stored.data.get("caption_entities", []),
        stored.data.get("reply_markup"),
    )
    if current == (caption.get("caption"), caption.get("caption_entities", []), markup):
        raise bad_request(NOT_MODIFIED)
    flood(server, "editMessageCaption", stored.chat)
    changes = {**caption, "edit_date": int(server.now())}
    if markup:
        changes["reply_markup"] = markup
    replace_data(server, stored, changes, remove=("caption", "caption_entities", "reply_markup"))
    stored.markup = markup
    return stored.data


async def edit_message_media(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    """The picture (or document) of a message replaced in place, with the caption the new
    media carries (none if it carries none), as Telegram does; a text message may become
    a media message, not the other way round. The same file with the same caption and
    buttons is "message is not modified"; an upload is always a new file."""
    media = params["media"]
    kind = media.get("type")
    if kind not in ("photo", "document"):
        raise bad_request("can't parse InputMedia: media type is not supported here")
    caption = caption_of(server, media)
    stored = edit_target(server, params)
    markup = clean_markup(server, params.get("reply_markup"), stored.chat, inline_only=True)
    if kind == "photo":
        file = input_file(server, media["media"], "photos", "photo.jpg")
        content: dict[str, Any] = {"photo": photo_sizes(file), **caption}
        current_file = (stored.data.get("photo") or [{}])[-1].get("file_unique_id")
    else:
        file = input_file(server, media["media"], "documents", "document")
        content = {"document": document(file), **caption}
        current_file = (stored.data.get("document") or {}).get("file_unique_id")
    current = (
        current_file,
        stored.data.get("caption"),
        stored.data.get("caption_entities", []),
        stored.data.get("reply_markup"),
    )
    if current == (
        file.file_unique_id,
        caption.get("caption"),
        caption.get("caption_entities", []),
        markup,
    ):
        raise bad_request(NOT_MODIFIED)
    flood(server, "editMessageMedia", stored.chat)
    changes = {**content, "edit_date": int(server.now())}
    if markup:
        changes["reply_markup"] = markup
    replace_data(
        server,
        stored,
        changes,
        remove=(
            "text",
            "entities",
            "link_preview_options",
            "photo",
            "document",
            "caption",
            "caption_entities",
            "reply_markup",
        ),
    )
    stored.markup = markup
    return stored.data


async def edit_message_reply_markup(
    server: BotApiServer, params: dict[str, Any]
) -> dict[str, Any]:
    stored = edit_target(server, params)
    markup = clean_markup(server, params.get("reply_markup"), stored.chat, inline_only=True)
    if stored.data.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED)
    flood(server, "editMessageReplyMarkup", stored.chat)
    changes: dict[str, Any] = {"edit_date": int(server.now())}
    if markup:
        changes["reply_markup"] = markup
    replace_data(server, stored, changes, remove=("reply_markup",))
    stored.markup = markup
    return stored.data


def deletable(server: BotApiServer, chat: Chat, message_id: int) -> StoredMessage:
    stored = chat.by_id.get(message_id)
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    if chat.is_group and not stored.from_bot and not bot_can(server, chat, "can_delete_messages"):
        raise bad_request("message can't be deleted")
    if server.now() - stored.data["date"] > 48 * 3600 and not (
        chat.is_group and bot_can(server, chat, "can_delete_messages")
    ):
        raise bad_request("message can't be deleted for everyone")
    return stored


def delete(server: BotApiServer, stored: StoredMessage) -> None:
    stored.deleted = True
    if stored.message_id in stored.chat.pinned_ids:
        stored.chat.pinned_ids.remove(stored.message_id)
    server._notify()


async def delete_message(server: BotApiServer, params: dict[str, Any]) -> bool:
    chat = find_chat(server, params["chat_id"])
    check_member(server, chat)
    delete(server, deletable(server, chat, params["message_id"]))
    return True


async def delete_messages(server: BotApiServer, params: dict[str, Any]) -> bool:
    chat = find_chat(server, params["chat_id"])
    check_member(server, chat)
    found = False
    for message_id in params["message_ids"]:
        with contextlib.suppress(ApiError):
            delete(server, deletable(server, chat, message_id))
            found = True
    if not found:
        raise bad_request("message to delete not found")
    return True


async def pin_chat_message(server: BotApiServer, params: dict[str, Any]) -> bool:
    """Pinned on top of those pinned before (Telegram keeps several); in a group a
    service message says so (with or without a notification)."""
    chat = find_chat(server, params["chat_id"])
    check_write(server, chat)
    if chat.is_group and not bot_can(server, chat, "can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    stored = chat.by_id.get(params["message_id"])
    if stored is None or stored.deleted:
        raise bad_request("message to pin not found")
    if stored.message_id in chat.pinned_ids:
        chat.pinned_ids.remove(stored.message_id)
    chat.pinned_ids.append(stored.message_id)
    if chat.is_group:
        new_message(server, chat, server.bot, {"pinned_message": stored.snapshot()})
    server._notify()
    return True


async def unpin_chat_message(server: BotApiServer, params: dict[str, Any]) -> bool:
    """Unpin `message_id` (without it: the newest pinned); the one pinned before it shows
    again. A message that is not pinned is "message is not pinned"... except that
    Telegram answers True for it, as here."""
    chat = find_chat(server, params["chat_id"])
    check_write(server, chat)
    if chat.is_group and not bot_can(server, chat, "can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    wanted = params.get("message_id", chat.pinned_message_id)
    if wanted is not None and wanted in chat.pinned_ids:
        chat.pinned_ids.remove(wanted)
    server._notify()
    return True


async def unpin_all_chat_messages(server: BotApiServer, params: dict[str, Any]) -> bool:
    chat = find_chat(server, params["chat_id"])
    check_write(server, chat)
    if chat.is_group and not bot_can(server, chat, "can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    chat.pinned_ids.clear()
    server._notify()
    return True


async def set_message_reaction(server: BotApiServer, params: dict[str, Any]) -> bool:
    chat = find_chat(server, params["chat_id"])
    check_member(server, chat)
    stored = chat.by_id.get(params["message_id"])
    if stored is None or stored.deleted:
        raise bad_request("message to react not found")
    stored.reactions = list(params.get("reaction", []))
    server._notify()
    return True
