"""State of the emulated Telegram world: users, chats, members, messages, files, calls."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

from .text import to_html

ACTIVE_STATUSES = ("creator", "administrator", "member", "restricted")


@dataclass
class User:
    """A Telegram account (a person or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None
    is_bot: bool = False
    is_premium: bool = False
    started: bool = False  # has opened the private chat with the bot
    blocked: bool = False  # has blocked the bot
    deactivated: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": self.is_bot,
            "first_name": self.first_name,
        }
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data


@dataclass
class Member:
    """Membership of a user in a group: status plus administrator rights / restrictions."""

    user_id: int
    status: str  # creator administrator member restricted left kicked
    rights: dict[str, bool] = field(default_factory=dict)
    custom_title: str | None = None
    until_date: int = 0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES and (
            self.status != "restricted" or self.rights.get("is_member", True)
        )


@dataclass
class Chat:
    """A private chat (id == user id) or a (super)group."""

    id: int
    type: str  # private group supergroup
    title: str | None = None
    username: str | None = None
    user: User | None = None  # for private chats
    description: str | None = None
    members: dict[int, Member] = field(default_factory=dict)
    history: list[StoredMessage] = field(default_factory=list)
    by_id: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    # pinned messages, oldest first (Telegram keeps several; the chat shows the newest)
    pinned_ids: list[int] = field(default_factory=list)
    reply_keyboard: dict[str, Any] | None = None  # keyboard currently shown to members
    last_action: str | None = None

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    @property
    def pinned_message_id(self) -> int | None:
        """The pinned message the chat shows: the newest pinned one."""
        return self.pinned_ids[-1] if self.pinned_ids else None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title or ""
            if self.username:
                data["username"] = self.username
        return data


@dataclass
class StoredMessage:
    """A message in a chat.  ``data`` is the Bot API ``Message`` object (current state)."""

    chat: Chat
    message_id: int
    sender_id: int
    from_bot: bool
    data: dict[str, Any]
    markup: dict[str, Any] | None = None  # reply_markup as sent (any keyboard kind)
    history: list[dict[str, Any]] = field(default_factory=list)  # previous states
    deleted: bool = False
    delivered_to_bot: bool = False
    reactions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def edit_count(self) -> int:
        return len(self.history)

    def snapshot(self) -> dict[str, Any]:
        """Copy suitable for embedding (e.g. as ``reply_to_message``)."""
        data = copy.deepcopy(self.data)
        data.pop("reply_to_message", None)
        return data


@dataclass
class StoredFile:
    """A file known to the server (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    data: bytes
    kind: str  # photos documents stickers ...
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    file_path: str | None = None
    source_url: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class CallbackAnswer:
    """What the bot answered to a callback query (answerCallbackQuery)."""

    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    created: float
    answer: asyncio.Future[CallbackAnswer]


@dataclass
class ApiCall:
    """One recorded Bot API call."""

    method: str
    chat_id: int | str | None
    time: float  # time.monotonic() when the call was answered
    wall_time: float  # the server's calendar time (server.now(): plus its clock_offset)
    ok: bool
    error_code: int | None = None
    description: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    result: Any = None


class MessageView:
    """Read-only live view of a message as a test sees it (edits are reflected)."""

    def __init__(self, stored: StoredMessage) -> None:
        self._m = stored

    # identity -----------------------------------------------------------------------
    @property
    def message_id(self) -> int:
        return self._m.message_id

    @property
    def chat_id(self) -> int:
        return self._m.chat.id

    @property
    def sender_id(self) -> int:
        return self._m.sender_id

    @property
    def from_bot(self) -> bool:
        return self._m.from_bot

    @property
    def raw(self) -> dict[str, Any]:
        """The Bot API ``Message`` dict (current state)."""
        return self._m.data

    @property
    def date(self) -> int:
        return int(self._m.data["date"])

    # content ------------------------------------------------------------------------
    @property
    def text(self) -> str | None:
        """Message text, or the caption for media messages."""
        return self._m.data.get("text", self._m.data.get("caption"))

    @property
    def caption(self) -> str | None:
        return self._m.data.get("caption")

    @property
    def entities(self) -> list[dict[str, Any]]:
        return list(self._m.data.get("entities", self._m.data.get("caption_entities", [])))

    @property
    def html(self) -> str | None:
        """Text re-rendered as Telegram HTML from its formatting entities."""
        text = self.text
        return None if text is None else to_html(text, self.entities)

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        return self._m.data.get("photo")

    @property
    def document(self) -> dict[str, Any] | None:
        return self._m.data.get("document")

    @property
    def location(self) -> dict[str, Any] | None:
        return self._m.data.get("location")

    @property
    def contact(self) -> dict[str, Any] | None:
        return self._m.data.get("contact")

    @property
    def reply_to_message_id(self) -> int | None:
        reply = self._m.data.get("reply_to_message")
        return None if reply is None else int(reply["message_id"])

    # keyboards ----------------------------------------------------------------------
    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The reply_markup the bot sent (inline keyboard, reply keyboard, remove, force)."""
        return self._m.markup

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self._m.markup or {}
        return [list(row) for row in markup.get("inline_keyboard", [])]

    @property
    def buttons(self) -> list[list[str]]:
        """Rows of visible button texts (inline keyboard or reply keyboard)."""
        markup = self._m.markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [[b["text"] if isinstance(b, dict) else str(b) for b in row] for row in rows]

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text in row]

    def button(self, text: str) -> dict[str, Any]:
        """The inline/reply button with exactly this text (``LookupError`` if absent)."""
        markup = self._m.markup or {}
        for row in markup.get("inline_keyboard") or markup.get("keyboard") or []:
            for button in row:
                if isinstance(button, dict) and button.get("text") == text:
                    return button
        raise LookupError(
            f"no button {text!r} in message {self.message_id}; buttons: {self.buttons}"
        )

    # life cycle ---------------------------------------------------------------------
    @property
    def edit_count(self) -> int:
        return self._m.edit_count

    @property
    def edits(self) -> list[dict[str, Any]]:
        """Previous states of the message, oldest first."""
        return list(self._m.history)

    @property
    def deleted(self) -> bool:
        return self._m.deleted

    @property
    def pinned(self) -> bool:
        return self._m.message_id in self._m.chat.pinned_ids

    @property
    def reactions(self) -> list[dict[str, Any]]:
        return list(self._m.reactions)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MessageView) and other._m is self._m

    def __hash__(self) -> int:
        return hash((self._m.chat.id, self._m.message_id))

    def __repr__(self) -> str:
        who = "bot" if self._m.from_bot else f"user {self._m.sender_id}"
        extra = f" buttons={self.buttons}" if self._m.markup else ""
        flag = " deleted" if self._m.deleted else ""
        return (
            f"<Message {self._m.chat.id}/{self._m.message_id} from {who}{flag}: "
            f"{self.text!r}{extra}>"
        )
