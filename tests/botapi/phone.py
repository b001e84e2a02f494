"""The test driver: :class:`Phone` (a Telegram user's app) and :class:`Group` (a group chat).

Everything a person can do in the Telegram app that the bot can observe is here: sending
text and commands, deep links, sharing a contact or location, media, editing, pressing
inline buttons, tapping reply-keyboard buttons, blocking the bot, joining and leaving
groups.  Bot output is read through per-chat cursors (:meth:`Inbox.next_message`) or by
waiting on the live state (:meth:`Inbox.wait_for`).
"""

# ruff: noqa: ASYNC109  (explicit timeout parameters are part of the driver API)
from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .methods.callbacks import callback_query
from .methods.chats import (
    SERVICE_KEYS,
    bot_member,
    bot_sees,
    default_admin_rights,
    member_api,
    set_member,
)
from .methods.files import document, photo_sizes, store_file
from .methods.messages import new_message, user_edit, user_message
from .methods.updates import emit
from .model import CallbackAnswer, Chat, Member, MessageView, StoredMessage, User
from .text import auto_entities, client_pieces

if TYPE_CHECKING:
    from .server import BotApiServer

_PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]*$")
MessageRef = MessageView | int


def _is_service(message: StoredMessage) -> bool:
    return any(key in message.data for key in SERVICE_KEYS)


class NoMessageError(AssertionError):
    """The bot did not send the expected message in time."""


class UnexpectedMessageError(AssertionError):
    """The bot sent a message although none was expected."""


class Inbox:
    """Bot-sent messages of one chat with a read cursor."""

    def __init__(self, server: BotApiServer, chat: Chat) -> None:
        self._server = server
        self._chat = chat
        self._cursor = 0

    @property
    def messages(self) -> list[MessageView]:
        """Every message the bot sent into the chat (current state, edits applied); not the
        service messages its actions make (see `service_messages`)."""
        return [MessageView(m) for m in self._bot_stored()]

    @property
    def service_messages(self) -> list[MessageView]:
        """The service messages of the chat ("… pinned a message")."""
        return [MessageView(m) for m in self._chat.history if _is_service(m)]

    @property
    def all_messages(self) -> list[MessageView]:
        """Every message of the chat, from the bot and from users."""
        return [MessageView(m) for m in self._chat.history]

    @property
    def last_message(self) -> MessageView | None:
        """The bot's most recent message in the chat (ignores the cursor)."""
        bot_messages = self.messages
        return bot_messages[-1] if bot_messages else None

    def _bot_stored(self) -> list[StoredMessage]:
        return [m for m in self._chat.history if m.from_bot and not _is_service(m)]

    def _pass_background(self, sent: list[StoredMessage]) -> None:
        """Move the cursor past the server's background pushes waiting at it."""
        pushes = self._server.background_pushes
        while self._cursor < len(sent) and any(
            push(MessageView(sent[self._cursor])) for push in pushes
        ):
            self._cursor += 1

    async def next_message(self, timeout: float = 5.0) -> MessageView:
        """The next message the bot sent here after the previously returned one (passing over
        the server's `background_pushes`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            sent = self._bot_stored()
            self._pass_background(sent)
            if len(sent) > self._cursor:
                self._cursor += 1
                return MessageView(sent[self._cursor - 1])
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise NoMessageError(
                    f"no new bot message in chat {self._describe()} within {timeout}s; "
                    f"recent calls: {self._recent_calls()}"
                )
            await self._server._wait_change(remaining)

    async def next_messages(self, count: int, timeout: float = 5.0) -> list[MessageView]:
        """The next ``count`` bot messages."""
        return [await self.next_message(timeout) for _ in range(count)]

    async def expect_no_message(self, within: float = 0.5) -> None:
        """Assert that the bot sends nothing new here during ``within`` seconds (but the
        server's `background_pushes`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            sent = self._bot_stored()
            self._pass_background(sent)
            if len(sent) > self._cursor:
                raise UnexpectedMessageError(
                    f"unexpected bot message in chat {self._describe()}: "
                    f"{MessageView(sent[self._cursor])!r}"
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await self._server._wait_change(remaining)

    def skip_pending(self) -> list[MessageView]:
        """Move the cursor past every message sent so far; returns the skipped ones."""
        sent = self._bot_stored()
        skipped = [MessageView(m) for m in sent[self._cursor :]]
        self._cursor = len(sent)
        return skipped

    async def wait_for(
        self,
        predicate: Callable[[MessageView], bool],
        timeout: float = 5.0,
        *,
        include_deleted: bool = False,
    ) -> MessageView:
        """Wait until some bot message here (current state) satisfies ``predicate``.

        Useful for edits, e.g. ``await group.wait_for(lambda m: "已签到 200" in m.text)``.
        Does not move the cursor.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for stored in self._bot_stored():
                if stored.deleted and not include_deleted:
                    continue
                view = MessageView(stored)
                if predicate(view):
                    return view
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise NoMessageError(
                    f"no bot message in chat {self._describe()} matched within {timeout}s; "
                    f"messages: {self.messages[-5:]}"
                )
            await self._server._wait_change(remaining)

    def _describe(self) -> str:
        chat = self._chat
        name = chat.title if chat.is_group else chat.user.first_name if chat.user else ""
        return f"{chat.id} ({name})"

    def _recent_calls(self) -> list[str]:
        calls = [c for c in self._server.calls if c.chat_id == self._chat.id][-3:]
        return [f"{c.method}:{'ok' if c.ok else c.description}" for c in calls]


class Phone(Inbox):
    """A Telegram user.  The inbox part reads the private chat with the bot."""

    def __init__(self, server: BotApiServer, user: User) -> None:
        super().__init__(server, server.chats[user.id])
        self.server = server
        self.user = user

    # identity -------------------------------------------------------------------------
    @property
    def id(self) -> int:
        return self.user.id

    @property
    def chat_id(self) -> int:
        """The private chat id (equals the user id)."""
        return self.user.id

    @property
    def first_name(self) -> str:
        return self.user.first_name

    @property
    def name(self) -> str:
        return self.user.full_name

    @property
    def username(self) -> str | None:
        return self.user.username

    @property
    def language_code(self) -> str | None:
        return self.user.language_code

    @language_code.setter
    def language_code(self, value: str | None) -> None:
        self.user.language_code = value

    @property
    def phone_number(self) -> str | None:
        return self.user.phone_number

    @property
    def blocked_bot(self) -> bool:
        return self.user.blocked

    def __repr__(self) -> str:
        return f"<Phone {self.user.first_name} id={self.user.id}>"

    # sending --------------------------------------------------------------------------
    def _target(self, chat: Group | None) -> Chat:
        return chat.chat if chat is not None else self.server.chats[self.user.id]

    def _reply(self, target: Chat, reply_to: MessageRef | None) -> StoredMessage | None:
        if reply_to is None:
            return None
        message_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
        stored = target.by_id.get(message_id)
        if stored is None:
            raise LookupError(f"message {message_id} not found in chat {target.id}")
        return stored

    async def _post(
        self, content: dict[str, Any], chat: Group | None, reply_to: MessageRef | None
    ) -> MessageView:
        target = self._target(chat)
        stored = user_message(
            self.server, self.user, target, content, reply_to=self._reply(target, reply_to)
        )
        await asyncio.sleep(0)
        return MessageView(stored)

    async def send(
        self,
        text: str,
        chat: Group | None = None,
        *,
        reply_to: MessageRef | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> MessageView:
        """Send a text message (private chat with the bot unless ``chat`` is a Group).

        Commands, mentions, URLs, hashtags get their entities as the server would add them.
        A text longer than Telegram's limit goes as several messages, as Telegram's apps send
        it; the last one is returned.
        """
        pieces = client_pieces(text, self.server._limits.max_text)
        if len(pieces) > 1 and entities:
            raise ValueError("entities given for a text that an app would split")
        sent: MessageView | None = None
        for piece in pieces:
            content: dict[str, Any] = {"text": piece}
            detected = auto_entities(piece, entities)
            if detected:
                content["entities"] = detected
            sent = await self._post(content, chat, reply_to)
        assert sent is not None
        return sent

    async def start(self, payload: str | None = None) -> MessageView:
        """Open ``t.me/<bot>?start=<payload>``: sends ``/start <payload>`` privately.

        Raises ``ValueError`` for payloads Telegram would not deliver (over 64 characters
        or characters outside ``A-Z a-z 0-9 _ -``).
        """
        if payload:
            if len(payload) > self.server.limits.max_deep_link_payload:
                raise ValueError("deep-link payload longer than 64 characters")
            if not _PAYLOAD_RE.match(payload):
                raise ValueError("deep-link payload may only contain A-Z, a-z, 0-9, _ and -")
            return await self.send(f"/start {payload}")
        return await self.send("/start")

    async def share_contact(
        self,
        phone_number: str | None = None,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        chat: Group | None = None,
        reply_to: MessageRef | None = None,
    ) -> MessageView:
        """Share a contact.  Without arguments: the user's own contact (with user_id)."""
        own = phone_number is None and first_name is None
        contact: dict[str, Any] = {
            "phone_number": phone_number or self.user.phone_number or "",
            "first_name": first_name or self.user.first_name,
        }
        last = last_name if not own else self.user.last_name
        if last:
            contact["last_name"] = last
        uid = self.user.id if own else user_id
        if uid is not None:
            contact["user_id"] = uid
        return await self._post({"contact": contact}, chat, reply_to)

    async def share_location(
        self,
        latitude: float,
        longitude: float,
        *,
        live_period: int | None = None,
        horizontal_accuracy: float | None = None,
        chat: Group | None = None,
        reply_to: MessageRef | None = None,
    ) -> MessageView:
        """Send a location (a live location when ``live_period`` is given)."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if live_period is not None:
            location["live_period"] = live_period
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        return await self._post({"location": location}, chat, reply_to)

    async def move_live_location(
        self, message: MessageView, latitude: float, longitude: float
    ) -> MessageView:
        """Update a live location (the bot gets an ``edited_message``)."""
        stored = self._own(message)
        location = dict(stored.data.get("location") or {})
        location.update(latitude=latitude, longitude=longitude)
        user_edit(self.server, stored, {"location": location})
        await asyncio.sleep(0)
        return MessageView(stored)

    async def send_photo(
        self,
        data: bytes,
        caption: str | None = None,
        *,
        media_group_id: str | None = None,
        chat: Group | None = None,
        reply_to: MessageRef | None = None,
    ) -> MessageView:
        """Send a photo; its bytes become downloadable by the bot via getFile."""
        stored = store_file(
            self.server, data, "photos", file_name="photo.jpg", mime_type="image/jpeg"
        )
        content: dict[str, Any] = {"photo": photo_sizes(stored)}
        content.update(self._caption(caption))
        if media_group_id:
            content["media_group_id"] = media_group_id
        return await self._post(content, chat, reply_to)

    async def send_document(
        self,
        data: bytes,
        file_name: str = "file.bin",
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        *,
        chat: Group | None = None,
        reply_to: MessageRef | None = None,
    ) -> MessageView:
        """Send a file as a document."""
        stored = store_file(
            self.server, data, "documents", file_name=file_name, mime_type=mime_type
        )
        content: dict[str, Any] = {"document": document(stored)}
        content.update(self._caption(caption))
        return await self._post(content, chat, reply_to)

    async def send_sticker(
        self, emoji: str = "👍", *, chat: Group | None = None, reply_to: MessageRef | None = None
    ) -> MessageView:
        """Send a (static) sticker."""
        stored = store_file(
            self.server,
            b"RIFF\x00\x00\x00\x00WEBP",
            "stickers",
            file_name="sticker.webp",
            mime_type="image/webp",
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.size,
        }
        return await self._post({"sticker": sticker}, chat, reply_to)

    @staticmethod
    def _caption(caption: str | None) -> dict[str, Any]:
        if not caption:
            return {}
        content: dict[str, Any] = {"caption": caption}
        entities = auto_entities(caption)
        if entities:
            content["caption_entities"] = entities
        return content

    def _own(self, message: MessageView) -> StoredMessage:
        stored = self.server.chats[message.chat_id].by_id[message.message_id]
        if stored.sender_id != self.user.id:
            raise PermissionError("can only edit own messages")
        return stored

    async def edit(self, message: MessageView, text: str) -> MessageView:
        """Edit one of the user's own text messages (bot gets ``edited_message``)."""
        stored = self._own(message)
        changes: dict[str, Any] = {"text": text}
        entities = auto_entities(text)
        if entities:
            changes["entities"] = entities
        remove: tuple[str, ...] = ("entities",)
        if "text" not in stored.data:
            changes = self._caption(text)
            remove = ("caption_entities",)
        user_edit(self.server, stored, changes, remove=remove)
        await asyncio.sleep(0)
        return MessageView(stored)

    # buttons --------------------------------------------------------------------------
    async def press(
        self, message: MessageView, text: str, timeout: float = 5.0
    ) -> CallbackAnswer | None:
        """Press the inline button whose visible text is ``text``.

        Callback buttons: waits for answerCallbackQuery and returns the answer (raises
        :class:`NoMessageError` if the bot does not answer within ``timeout``).
        URL buttons: a ``t.me/<bot>?start=X`` link acts as :meth:`start`; other URLs
        open a browser and return None.
        """
        stored = self.server.chats[message.chat_id].by_id[message.message_id]
        markup = stored.markup or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if button.get("text") != text:
                    continue
                if "callback_data" in button:
                    return await self.press_data(message, button["callback_data"], timeout)
                url = button.get("url")
                if url:
                    payload = self._deep_link_payload(url)
                    if payload is not None:
                        await self.start(payload or None)
                    return None
                raise ValueError(f"button {text!r} is not a callback or URL button")
        raise LookupError(f"no inline button {text!r} in {message!r}")

    def _deep_link_payload(self, url: str) -> str | None:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if parts.hostname not in ("t.me", "telegram.me"):
            return None
        if parts.path.strip("/").lower() != self.server.bot_username.lower():
            return None
        return parse_qs(parts.query).get("start", [""])[0]

    async def press_data(
        self, message: MessageView, data: str, timeout: float = 5.0, *, wait: bool = True
    ) -> CallbackAnswer | None:
        """Send a callback query with arbitrary (possibly forged) ``data``."""
        stored = self.server.chats[message.chat_id].by_id[message.message_id]
        if stored.deleted:
            raise LookupError("the message was deleted")
        record = callback_query(self.server, self.user, stored, data)
        if not wait:
            await asyncio.sleep(0)
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(record.answer), timeout)
        except TimeoutError:
            raise NoMessageError(
                f"bot did not answer callback query {data!r} within {timeout}s"
            ) from None

    @property
    def keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown in the private chat (button texts)."""
        return _keyboard_rows(self.server.chats[self.user.id])

    async def tap(
        self,
        text: str,
        chat: Group | None = None,
        *,
        latitude: float = 39.9042,
        longitude: float = 116.4074,
    ) -> MessageView:
        """Tap a reply-keyboard button: sends its text, or the contact / location."""
        target = self._target(chat)
        keyboard = target.reply_keyboard
        for row in (keyboard or {}).get("keyboard", []):
            for button in row:
                if button.get("text") != text:
                    continue
                if keyboard and keyboard.get("one_time_keyboard"):
                    target.reply_keyboard = None
                if button.get("request_contact"):
                    return await self.share_contact(chat=chat)
                if button.get("request_location"):
                    return await self.share_location(latitude, longitude, chat=chat)
                return await self.send(text, chat)
        raise LookupError(f"no reply keyboard button {text!r}; keyboard: {keyboard}")

    # relationship with the bot ----------------------------------------------------------
    async def block_bot(self) -> None:
        """Block the bot: every send to this user now fails with 403."""
        self.user.blocked = True
        self._chat_member_change("kicked")
        await asyncio.sleep(0)

    async def unblock_bot(self) -> None:
        """Unblock the bot (Telegram also sends /start when the user taps Restart)."""
        self.user.blocked = False
        self._chat_member_change("member")
        await asyncio.sleep(0)

    async def delete_account(self) -> None:
        """Delete the account: sends now fail with ``Forbidden: user is deactivated``."""
        self.user.deactivated = True
        await asyncio.sleep(0)

    def _chat_member_change(self, status: str) -> None:
        chat = self.server.chats[self.user.id]
        old = "member" if status == "kicked" else "kicked"
        payload = {
            "chat": chat.to_api(),
            "from": self.user.to_api(),
            "date": int(self._server.now()),
            "old_chat_member": member_api(
                self.server, chat, Member(self.server.bot.id, old, until_date=0)
            ),
            "new_chat_member": member_api(
                self.server, chat, Member(self.server.bot.id, status, until_date=0)
            ),
        }
        if self.user.started:
            emit(self.server, "my_chat_member", payload)

    def visible_commands(self, chat: Group | None = None) -> list[dict[str, str]]:
        """The command menu this user's app would show (scope + language fallback)."""
        return self.server.commands_for(self.user.id, chat.id if chat else None)


class Group(Inbox):
    """A group or supergroup chat; the inbox part reads what the bot sent into it."""

    def __init__(self, server: BotApiServer, chat: Chat) -> None:
        super().__init__(server, chat)
        self.server = server
        self.chat = chat

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str:
        return self.chat.title or ""

    @property
    def is_supergroup(self) -> bool:
        return self.chat.type == "supergroup"

    @property
    def bot_status(self) -> str:
        return bot_member(self.server, self.chat).status

    @property
    def pinned_message(self) -> MessageView | None:
        stored = self.chat.by_id.get(self.chat.pinned_message_id or 0)
        return MessageView(stored) if stored and not stored.deleted else None

    @property
    def keyboard(self) -> list[list[str]] | None:
        return _keyboard_rows(self.chat)

    def __repr__(self) -> str:
        return f"<Group {self.chat.title} id={self.chat.id}>"

    def status_of(self, phone: Phone) -> str:
        member = self.chat.members.get(phone.id)
        return member.status if member else "left"

    def _actor(self, by: Phone | None) -> User:
        if by is not None:
            return by.user
        for member in self.chat.members.values():
            if member.status == "creator":
                return self.server.users[member.user_id]
        return self.server.bot

    def _service(self, actor: User, content: dict[str, Any]) -> MessageView:
        stored = new_message(self.server, self.chat, actor, content)
        if bot_sees(self.server, self.chat, stored):
            stored.delivered_to_bot = True
            emit(self.server, "message", stored.data)
        return MessageView(stored)

    async def add_bot(
        self,
        by: Phone | None = None,
        *,
        as_admin: bool = False,
        rights: dict[str, bool] | None = None,
    ) -> None:
        """Add the bot (emits ``my_chat_member`` and a ``new_chat_members`` message)."""
        actor = self._actor(by)
        if as_admin:
            member = Member(
                self.server.bot.id,
                "administrator",
                rights={**default_admin_rights(), **(rights or {})},
            )
        else:
            member = Member(self.server.bot.id, "member")
        set_member(self.server, self.chat, self.server.bot, member, actor)
        self._service(actor, {"new_chat_members": [self.server.bot.to_api()]})
        await asyncio.sleep(0)

    async def set_bot_admin(
        self,
        as_admin: bool = True,
        *,
        by: Phone | None = None,
        rights: dict[str, bool] | None = None,
    ) -> None:
        """Promote (or demote) the bot; emits ``my_chat_member``."""
        if as_admin:
            member = Member(
                self.server.bot.id,
                "administrator",
                rights={**default_admin_rights(), **(rights or {})},
            )
        else:
            member = Member(self.server.bot.id, "member")
        set_member(self.server, self.chat, self.server.bot, member, self._actor(by))
        await asyncio.sleep(0)

    async def remove_bot(self, by: Phone | None = None, *, ban: bool = True) -> None:
        """Kick (``ban=True``) or just remove the bot; emits ``my_chat_member``."""
        member = Member(self.server.bot.id, "kicked" if ban else "left")
        set_member(self.server, self.chat, self.server.bot, member, self._actor(by))
        await asyncio.sleep(0)

    async def add_member(self, phone: Phone, by: Phone | None = None) -> MessageView:
        """``phone`` joins (or is added by ``by``): a ``new_chat_members`` service message."""
        actor = by.user if by else phone.user
        set_member(self.server, self.chat, phone.user, Member(phone.id, "member"), actor)
        view = self._service(actor, {"new_chat_members": [phone.user.to_api()]})
        await asyncio.sleep(0)
        return view

    async def remove_member(
        self, phone: Phone, by: Phone | None = None, *, ban: bool = False
    ) -> MessageView:
        """``phone`` leaves (or is removed / banned by ``by``)."""
        actor = by.user if by else phone.user
        view = self._service(actor, {"left_chat_member": phone.user.to_api()})
        status = "kicked" if ban else "left"
        set_member(self.server, self.chat, phone.user, Member(phone.id, status), actor)
        await asyncio.sleep(0)
        return view

    async def promote(self, phone: Phone, by: Phone | None = None, **rights: bool) -> None:
        """Make ``phone`` an administrator (rights default to the app's defaults)."""
        member = Member(phone.id, "administrator", rights={**default_admin_rights(), **rights})
        set_member(self.server, self.chat, phone.user, member, self._actor(by))
        await asyncio.sleep(0)

    async def demote(self, phone: Phone, by: Phone | None = None) -> None:
        set_member(self.server, self.chat, phone.user, Member(phone.id, "member"), self._actor(by))
        await asyncio.sleep(0)

    async def post_as_chat(self, text: str) -> MessageView:
        """A text sent on behalf of the group itself (an anonymous administrator): the
        message has `sender_chat` and no `from`, which the Bot API allows."""
        content: dict[str, Any] = {"text": text}
        detected = auto_entities(text)
        if detected:
            content["entities"] = detected
        stored = new_message(self.server, self.chat, self._actor(None), content)
        stored.data.pop("from", None)
        stored.data["sender_chat"] = self.chat.to_api()
        if bot_sees(self.server, self.chat, stored):
            stored.delivered_to_bot = True
            emit(self.server, "message", stored.data)
        await asyncio.sleep(0)
        return MessageView(stored)

    async def say(
        self, phone: Phone, text: str, *, reply_to: MessageRef | None = None
    ) -> MessageView:
        """Shorthand for ``phone.send(text, chat=self)``."""
        return await phone.send(text, self, reply_to=reply_to)


def _keyboard_rows(chat: Chat) -> list[list[str]] | None:
    keyboard = chat.reply_keyboard
    if not keyboard:
        return None
    return [[b.get("text", "") for b in row] for row in keyboard.get("keyboard", [])]
