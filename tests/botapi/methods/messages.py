"""Sending: text formatting, keyboards, the message store, send*, sendChatAction.

:func:`new_message` is the one place a message is stored, for the bot's sends and for the
users' posts (:func:`user_message`, which the phone driver calls and privacy mode filters).
Flood control (:func:`flood`) is checked after the other checks, since Telegram counts
only the calls it accepts.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..limits import is_counted_method
from ..model import Chat, StoredMessage, User
from ..spec import ApiError, bad_request
from ..text import auto_entities, parse_text, u16len, validate_entities
from .chats import bot_sees, check_write, find_chat
from .files import document, input_file, photo_sizes
from .updates import emit

if TYPE_CHECKING:
    from ..server import BotApiServer


CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


_URL_RE = re.compile(
    r"^(?:(?:https?|tg|ton)://\S+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/\S*)?)$", re.IGNORECASE
)


def flood(server: BotApiServer, method: str, chat: Chat) -> None:
    if not is_counted_method(method):
        return
    retry = server._flood_control.check(chat.id, chat.is_group, time.monotonic())
    if retry is not None:
        raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)


def format_text(
    server: BotApiServer,
    raw: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None,
    limit: int,
    too_long: str,
    empty: str | None,
) -> tuple[str, list[dict[str, Any]]]:
    if entities is not None:
        text, ents = raw, validate_entities(raw, entities)
    else:
        text, ents = parse_text(raw, parse_mode)
    if empty is not None and not text.strip():
        raise bad_request(empty)
    if u16len(text) > limit:
        raise bad_request(too_long)
    return text, auto_entities(text, ents)


def clean_markup(
    server: BotApiServer,
    markup: dict[str, Any] | None,
    chat: Chat | None = None,
    inline_only: bool = False,
) -> dict[str, Any] | None:
    if markup is None:
        return None
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        clean_rows: list[list[dict[str, Any]]] = []
        total = 0
        for row in rows:
            clean_row = []
            for button in row:
                total += 1
                clean_row.append(inline_button(server, button, chat))
            if clean_row:
                clean_rows.append(clean_row)
        if total > server._limits.max_buttons:
            raise bad_request("reply markup is too long")
        return {"inline_keyboard": clean_rows}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        total = 0
        for row in markup["keyboard"]:
            for button in row:
                total += 1
                if not button.get("text"):
                    raise bad_request("keyboard button text can't be empty")
        if total > server._limits.max_buttons:
            raise bad_request("reply markup is too long")
        return dict(markup)
    return dict(markup)


def inline_button(
    server: BotApiServer, button: dict[str, Any], chat: Chat | None
) -> dict[str, Any]:
    if not button.get("text"):
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [k for k in INLINE_ACTIONS if button.get(k) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= (
        server._limits.max_callback_data
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not _URL_RE.match(str(url)):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    if "web_app" in actions and chat is not None and chat.is_group:
        raise bad_request("BUTTON_TYPE_INVALID")
    keep = ("text", "style", "icon_custom_emoji_id", *INLINE_ACTIONS)
    return {k: button[k] for k in keep if button.get(k) is not None}


def reply_target(server: BotApiServer, chat: Chat, params: dict[str, Any]) -> StoredMessage | None:
    reply = params.get("reply_parameters")
    if not reply:
        return None
    target_chat = chat
    if reply.get("chat_id") not in (None, chat.id):
        target_chat = find_chat(server, reply["chat_id"])
    target = target_chat.by_id.get(reply["message_id"])
    if target is None or target.deleted:
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return target


def new_message(
    server: BotApiServer,
    chat: Chat,
    sender: User,
    content: dict[str, Any],
    *,
    markup: dict[str, Any] | None = None,
    reply_to: StoredMessage | None = None,
) -> StoredMessage:
    message_id = chat.next_message_id
    chat.next_message_id += 1
    data: dict[str, Any] = {
        "message_id": message_id,
        "from": sender.to_api(),
        "chat": chat.to_api(),
        "date": int(server.now()),
    }
    if reply_to is not None:
        data["reply_to_message"] = reply_to.snapshot()
    data.update(content)
    if markup is not None and "inline_keyboard" in markup:
        data["reply_markup"] = markup
    stored = StoredMessage(
        chat=chat,
        message_id=message_id,
        sender_id=sender.id,
        from_bot=sender.id == server.bot.id,
        data=data,
        markup=markup,
    )
    chat.history.append(stored)
    chat.by_id[message_id] = stored
    if markup is not None:
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
    server._notify()
    return stored


def replace_data(
    server: BotApiServer,
    stored: StoredMessage,
    changes: dict[str, Any],
    remove: Iterable[str] = (),
) -> None:
    new = copy.deepcopy(stored.data)
    for key in remove:
        new.pop(key, None)
    new.update(changes)
    stored.history.append(stored.data)
    stored.data = new
    server._notify()


async def send(
    server: BotApiServer,
    method: str,
    params: dict[str, Any],
    content: dict[str, Any],
    markup: dict[str, Any] | None = None,
) -> dict[str, Any]:
    chat = find_chat(server, params["chat_id"])
    check_write(server, chat)
    if markup is not None:
        markup = clean_markup(server, markup, chat)
    reply_to = reply_target(server, chat, params)
    flood(server, method, chat)
    if params.get("protect_content"):
        content["has_protected_content"] = True
    stored = new_message(server, chat, server.bot, content, markup=markup, reply_to=reply_to)
    return stored.data


def caption_of(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    if "caption" not in params:
        return {}
    text, entities = format_text(
        server,
        params["caption"],
        params.get("parse_mode"),
        params.get("caption_entities"),
        server._limits.max_caption,
        "message caption is too long",
        None,
    )
    content: dict[str, Any] = {"caption": text}
    if entities:
        content["caption_entities"] = entities
    return content


def user_message(
    server: BotApiServer,
    user: User,
    chat: Chat,
    content: dict[str, Any],
    *,
    reply_to: StoredMessage | None = None,
) -> StoredMessage:
    """A user posts ``content`` into ``chat``; the bot gets it if it can see it."""
    if chat.is_group:
        member = chat.members.get(user.id)
        if member is None or not member.active:
            raise PermissionError(f"{user.first_name} is not a member of {chat.title}")
    else:
        user.started = True
        user.blocked = False
    stored = new_message(server, chat, user, content, reply_to=reply_to)
    if bot_sees(server, chat, stored):
        stored.delivered_to_bot = True
        emit(server, "message", stored.data)
    return stored


def user_edit(
    server: BotApiServer,
    stored: StoredMessage,
    changes: dict[str, Any],
    remove: Iterable[str] = (),
) -> None:
    replace_data(server, stored, {**changes, "edit_date": int(server.now())}, remove)
    if stored.delivered_to_bot or bot_sees(server, stored.chat, stored):
        emit(server, "edited_message", stored.data)


async def send_message(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    text, entities = format_text(
        server,
        params["text"],
        params.get("parse_mode"),
        params.get("entities"),
        server._limits.max_text,
        "message is too long",
        "message text is empty",
    )
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    if params.get("link_preview_options"):
        content["link_preview_options"] = params["link_preview_options"]
    return await send(server, "sendMessage", params, content, params.get("reply_markup"))


async def send_photo(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    caption = caption_of(server, params)
    find_chat(server, params["chat_id"])
    stored = input_file(server, params["photo"], "photos", "photo.jpg")
    content = {"photo": photo_sizes(stored), **caption}
    if params.get("has_spoiler"):
        content["has_media_spoiler"] = True
    return await send(server, "sendPhoto", params, content, params.get("reply_markup"))


async def send_document(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    caption = caption_of(server, params)
    find_chat(server, params["chat_id"])
    stored = input_file(server, params["document"], "documents", "document")
    content = {"document": document(stored), **caption}
    return await send(server, "sendDocument", params, content, params.get("reply_markup"))


async def send_location(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    lat, lon = params["latitude"], params["longitude"]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong latitude or longitude specified")
    location: dict[str, Any] = {"latitude": lat, "longitude": lon}
    for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
        if key in params:
            location[key] = params[key]
    return await send(
        server, "sendLocation", params, {"location": location}, params.get("reply_markup")
    )


async def send_contact(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    contact = {
        k: params[k] for k in ("phone_number", "first_name", "last_name", "vcard") if k in params
    }
    return await send(
        server, "sendContact", params, {"contact": contact}, params.get("reply_markup")
    )


async def send_chat_action(server: BotApiServer, params: dict[str, Any]) -> bool:
    if params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = find_chat(server, params["chat_id"])
    check_write(server, chat)
    chat.last_action = params["action"]
    return True
