"""An in-process Telegram Bot API server (aiohttp) that behaves like api.telegram.org.

See ``tests/botapi/README.md`` for the overview.  The server keeps the whole emulated
world in memory: users (driven by :class:`~tests.botapi.phone.Phone` objects), chats,
messages, files, pending updates, bot commands, webhook state and a log of every call.
"""

# ruff: noqa: ASYNC109  (explicit timeout parameters are part of the driver API)
from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import mimetypes
import random
import re
import secrets
import struct
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from .limits import FloodControl, Limits, is_counted_method
from .model import (
    ApiCall,
    CallbackAnswer,
    CallbackRecord,
    Chat,
    Member,
    MessageView,
    StoredFile,
    StoredMessage,
    User,
)
from .spec import ApiError, Spec, UploadedFile, bad_request, load_spec
from .text import auto_entities, entity_text, parse_text, u16len, validate_entities

if TYPE_CHECKING:
    from .phone import Group, Phone

Handler = Callable[[dict[str, Any]], Awaitable[Any]]

DEFAULT_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "guest_message",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
        "managed_bot",
    }
)  # Telegram's default: everything except chat_member, message_reaction(_count)
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
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_URL_RE = re.compile(
    r"^(?:(?:https?|tg|ton)://\S+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/\S*)?)$", re.IGNORECASE
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass
class Fault:
    """An injected fault: an error answer and/or an extra delay for matching calls."""

    method: str  # lower-case method name or "*"
    rate: float = 1.0
    error_code: int | None = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    delay: float = 0.0
    times: int | None = None  # remaining activations, None = unlimited

    def matches(self, method: str) -> bool:
        return self.method in ("*", method.lower()) and (self.times is None or self.times > 0)


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    retry_at: dict[int, float] = field(default_factory=dict)
    attempts: dict[int, int] = field(default_factory=dict)


@dataclass
class _Described:
    """A successful result that also carries Telegram's ``description`` (setWebhook)."""

    result: Any
    description: str


class BotApiServer:
    """Fake ``api.telegram.org`` for one bot.  Use ``await start()`` / ``await stop()``."""

    def __init__(
        self,
        token: str = "123456:TEST-token",  # noqa: S107
        *,
        bot_username: str = "liaison_test_bot",
        bot_first_name: str = "Liaison Test Bot",
        limits: Limits | None = None,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        privacy_mode: bool = True,
        strict_images: bool = True,
        validate_responses: bool = True,
        seed: int = 0,
        first_update_id: int = 1000,
    ) -> None:
        self.token = token
        self.spec: Spec = load_spec()
        self.host = host
        self.port = port
        self.latency = latency
        self.privacy_mode = privacy_mode
        self.strict_images = strict_images
        self.validate_responses = validate_responses
        self.strict_unimplemented = False
        self.webhook_timeout = 60.0  # seconds Telegram waits for the webhook's answer
        # Deliver webhook updates here instead of the registered URL (stands in for the
        # TLS-terminating reverse proxy in front of the bot), e.g. "http://127.0.0.1:8443/x".
        self.webhook_proxy: str | None = None
        # Seconds added to the system's time in what the server stamps (message dates): a test
        # that starts the bot at another instant (tests/e2e/harness.py, E2E.travel) moves
        # Telegram's clock with it, as both would read the same time for real.
        self.clock_offset = 0.0
        # Messages a bot pushes on its own schedule (a daily list, a yearly notice) that a
        # test about something else passes over: `next_message` and `expect_no_message` skip
        # the bot's messages any of these predicates holds for (they stay in `messages`).
        self.background_pushes: list[Callable[[MessageView], bool]] = []
        self._limits = limits or Limits()
        self._flood_control = FloodControl(self._limits)
        self._rng = random.Random(seed)
        bot_id = int(token.split(":", 1)[0])
        self.bot = User(id=bot_id, first_name=bot_first_name, username=bot_username, is_bot=True)
        self.users: dict[int, User] = {bot_id: self.bot}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self.calls: list[ApiCall] = []
        self.update_log: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []
        self._delivered_ids: set[int] = set()
        # update id → when (time.monotonic()) it was first handed to the bot: returned by
        # getUpdates, or its webhook request begun
        self.handed_out: dict[int, float] = {}
        self._update_ids = itertools.count(first_update_id)
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATES
        self.webhook: Webhook | None = None
        self.commands: dict[tuple[tuple[Any, ...], str], list[dict[str, str]]] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.faults: list[Fault] = []
        self.spec_violations: list[str] = []
        self.internal_errors: list[BaseException] = []  # emulator bugs (answered as 500)
        self._user_ids = itertools.count(100000001)
        self._supergroup_ids = itertools.count(1000000001)
        self._group_ids = itertools.count(400000001)
        self._file_counter = itertools.count(1)
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Handler] = {}
        for name in self.spec.methods:
            handler = getattr(self, f"_m_{name}", None)
            if handler is not None:
                self._handlers[name] = handler

    # ==================================================================================
    # life cycle
    @property
    def limits(self) -> Limits:
        return self._limits

    @limits.setter
    def limits(self, value: Limits) -> None:
        self._limits = value
        self._flood_control = FloodControl(value)

    @property
    def base_url(self) -> str:
        """Value for PTB's ``base_url`` (``…/bot``; PTB appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for PTB's ``base_file_url``."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        return self.bot.id

    @property
    def bot_username(self) -> str:
        return self.bot.username or ""

    async def start(self) -> BotApiServer:
        """Bind (``port=0`` picks a free port) and start serving."""
        app = web.Application(client_max_size=self._limits.max_upload_bytes + 2 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self._closing = False
        return self

    async def stop(self) -> None:
        """Stop serving; pending long polls are answered immediately."""
        self._closing = True
        self._notify()
        await self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def ptb_kwargs(self) -> dict[str, str]:
        """Keyword arguments for ``telegram.Bot`` / ``ApplicationBuilder``."""
        return {
            "token": self.token,
            "base_url": self.base_url,
            "base_file_url": self.base_file_url,
        }

    def config_snippet(self) -> str:
        """The ``[telegram]`` config section a bot needs to talk to this server."""
        return (
            f'[telegram]\ntoken = "{self.token}"\nbase_url = "{self.base_url}"\n'
            f'base_file_url = "{self.base_file_url}"\n'
        )

    # ==================================================================================
    # world building (used by tests through Phone / Group)
    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        phone_number: str | None = None,
        user_id: int | None = None,
        is_premium: bool = False,
    ) -> Phone:
        """Create a Telegram user and return the :class:`Phone` that drives it."""
        from .phone import Phone

        uid = user_id if user_id is not None else next(self._user_ids)
        if uid in self.users:
            raise ValueError(f"user id {uid} already exists")
        user = User(
            id=uid,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            phone_number=phone_number or f"+86138{uid % 100000000:08d}",
            is_premium=is_premium,
        )
        self.users[uid] = user
        self.chats[uid] = Chat(id=uid, type="private", user=user)
        return Phone(self, user)

    def add_group(
        self,
        title: str,
        *,
        members: Iterable[Phone] = (),
        admins: Iterable[Phone] = (),
        creator: Phone | None = None,
        supergroup: bool = True,
        username: str | None = None,
    ) -> Group:
        """Create a group (bot not yet a member; use ``await group.add_bot(...)``)."""
        from .phone import Group

        if supergroup:
            chat_id = -int(f"100{next(self._supergroup_ids)}")
        else:
            chat_id = -next(self._group_ids)
        chat = Chat(
            id=chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            username=username,
        )
        admin_list = list(admins)
        member_list = list(members)
        owner = creator or (
            admin_list[0] if admin_list else member_list[0] if member_list else None
        )
        for phone in [*member_list, *admin_list]:
            chat.members[phone.id] = Member(phone.id, "member")
        for phone in admin_list:
            chat.members[phone.id] = Member(
                phone.id, "administrator", rights=default_admin_rights()
            )
        if owner is not None:
            chat.members[owner.id] = Member(owner.id, "creator")
        self.chats[chat_id] = chat
        return Group(self, chat)

    def user(self, user_id: int) -> User:
        return self.users[user_id]

    def chat(self, chat_id: int) -> Chat:
        return self.chats[chat_id]

    # ==================================================================================
    # faults and inspection
    def inject_failure(
        self,
        method: str = "*",
        *,
        rate: float = 1.0,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int | None = None,
    ) -> Fault:
        """Make calls of ``method`` ("*" = all) fail with ``rate`` probability.

        The failing call is not executed.  ``error_code=429`` with ``retry_after`` forges
        flood control.
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after or 1}",
                502: "Bad Gateway",
            }.get(error_code, "Internal Server Error")
        if error_code == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(
            method.lower(),
            rate=rate,
            error_code=error_code,
            description=description,
            retry_after=retry_after,
            times=times,
        )
        self.faults.append(fault)
        return fault

    def inject_flood(
        self, method: str = "*", *, retry_after: int = 5, times: int | None = None
    ) -> Fault:
        """Force ``429 Too Many Requests`` for ``method``."""
        return self.inject_failure(method, error_code=429, retry_after=retry_after, times=times)

    def inject_delay(
        self, method: str = "*", seconds: float = 1.0, *, times: int | None = None
    ) -> Fault:
        """Delay the answer of ``method`` by ``seconds`` (the call is still executed)."""
        fault = Fault(method.lower(), error_code=None, delay=seconds, times=times)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def calls_for(
        self, method: str | None = None, *, chat_id: int | None = None, ok: bool | None = None
    ) -> list[ApiCall]:
        """Recorded calls filtered by method (case-insensitive), chat and outcome."""
        return [
            c
            for c in self.calls
            if (method is None or c.method.lower() == method.lower())
            and (chat_id is None or c.chat_id == chat_id)
            and (ok is None or c.ok == ok)
        ]

    def max_calls_in_window(
        self,
        window: float,
        *,
        chat_id: int | None = None,
        prefixes: tuple[str, ...] = ("send", "edit"),
        ok: bool | None = True,
    ) -> int:
        """Highest number of matching calls inside any ``window``-second interval."""
        times = sorted(
            c.time
            for c in self.calls
            if c.method.lower().startswith(tuple(p.lower() for p in prefixes))
            and (chat_id is None or c.chat_id == chat_id)
            and (ok is None or c.ok == ok)
        )
        best, lo = 0, 0
        for hi, stamp in enumerate(times):
            while stamp - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return list(self._pending)

    async def wait_until_delivered(self, timeout: float = 5.0) -> None:
        """Wait until every update produced so far was fetched by the bot."""
        await self._wait_for(
            lambda: all(u["update_id"] in self._delivered_ids for u in self.update_log),
            timeout,
            "updates were not fetched by the bot",
        )

    async def wait_until_confirmed(self, timeout: float = 5.0) -> None:
        """Wait until the bot confirmed (offset past) every update produced so far."""
        await self._wait_for(
            lambda: not self._pending, timeout, "updates were not confirmed by the bot"
        )

    def commands_for(self, user_id: int, chat_id: int | None = None) -> list[dict[str, str]]:
        """The command list a Telegram client would show ``user_id`` in ``chat_id``."""
        user = self.users[user_id]
        chat = self.chats[chat_id if chat_id is not None else user_id]
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
                found = self.commands.get((scope, code))
                if found:
                    return [dict(c) for c in found]
        return []

    # ==================================================================================
    # internals: notification, waiting
    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def now(self) -> float:
        """The server's calendar time (Unix seconds): the system's plus `clock_offset`."""
        return time.time() + self.clock_offset

    async def _wait_change(self, timeout: float) -> bool:
        """Wait until the world changes (True) or ``timeout`` passes (False)."""
        event = self._changed
        if timeout <= 0:
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{what} within {timeout}s")
            await self._wait_change(remaining)

    # ==================================================================================
    # HTTP layer
    @staticmethod
    def _json(body: dict[str, Any], status: int = 200) -> web.Response:
        return web.json_response(
            body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if token != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        method = self.spec.canonical_method(request.match_info["method"])
        if method is None:
            return self._json(ApiError(404, "Not Found").payload(), 404)
        raw: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        fault: Fault | None = None
        result: Any = None
        description: str | None = None
        try:
            raw, files = await self._read_params(request)
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            fault = self._pick_fault(method)
            if fault is not None and fault.error_code is not None:
                raise ApiError(fault.error_code, fault.description, fault.retry_after)
            result, description = await self._execute(method, raw, files)
            body: dict[str, Any] = {"ok": True, "result": result}
            if description:
                body["description"] = description
            status = 200
        except ApiError as exc:
            body, status = exc.payload(), exc.code
        except ConnectionResetError:
            # The client went away in the middle of its request (a bot killed with SIGKILL):
            # nothing was executed and nobody is there to answer; not a fault of the emulator.
            return web.Response(status=400)
        except Exception as exc:  # a bug in the emulator: answer like Telegram's 500
            self.internal_errors.append(exc)
            error = ApiError(500, "Internal Server Error")
            body, status = error.payload(), error.code
        self._record(method, raw, body, result)
        if fault is not None and fault.delay > 0:
            await asyncio.sleep(fault.delay)
        return self._json(body, status)

    async def _execute(
        self, method: str, raw: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[Any, str | None]:
        if method == "setWebhook" and not raw.get("url") and "certificate" not in files:
            raw = {**raw, "url": None}
            return True, await self._delete_webhook(raw)
        params = self.spec.coerce_params(method, raw, files)
        handler = self._handlers.get(method)
        if handler is None:
            if self.spec.returns(method) == ["Boolean"] and not self.strict_unimplemented:
                return True, None
            raise ApiError(
                501, f"Not Implemented: method {method} is not emulated by the test server"
            )
        result = await handler(params)
        description = None
        if isinstance(result, _Described):
            result, description = result.result, result.description
        if self.validate_responses:
            problems = self.spec.check_object(result, self.spec.returns(method))
            self.spec_violations.extend(f"{method}: {p}" for p in problems)
        return result, description

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method not in ("POST", "PUT") or not request.body_exists:
            return raw, files
        ctype = request.content_type
        try:
            if ctype == "multipart/form-data":
                reader = await request.multipart()
                async for part in reader:
                    if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                        continue
                    if part.filename is not None:
                        data = await self._read_part(part)
                        files[part.name] = UploadedFile(
                            data, part.filename, part.headers.get("Content-Type")
                        )
                    else:
                        raw[part.name] = (await self._read_part(part)).decode("utf-8")
            elif ctype == "application/json":
                text = await request.text()
                if text.strip():
                    try:
                        body = json.loads(text)
                    except ValueError:
                        raise bad_request("can't parse JSON encoded request") from None
                    if not isinstance(body, dict):
                        raise bad_request("JSON object expected")
                    raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            value.file.read(), value.filename, value.content_type
                        )
                    else:
                        raw[key] = value
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(413, "Request Entity Too Large") from None
        return raw, files

    async def _read_part(self, part: aiohttp.BodyPartReader) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await part.read_chunk(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > self._limits.max_upload_bytes:
                raise ApiError(413, "Request Entity Too Large")
            chunks.append(chunk)
        return b"".join(chunks)

    def _pick_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method) and self._rng.random() < fault.rate:
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def _record(self, method: str, raw: dict[str, Any], body: dict[str, Any], result: Any) -> None:
        chat_id: Any = raw.get("chat_id")
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            chat_id = int(chat_id)
        params = {k: v for k, v in raw.items() if not isinstance(v, UploadedFile | bytes)}
        self.calls.append(
            ApiCall(
                method=method,
                chat_id=chat_id,
                time=time.monotonic(),
                wall_time=self.now(),
                ok=bool(body.get("ok")),
                error_code=body.get("error_code"),
                description=body.get("description"),
                params=params,
                result=result if body.get("ok") else None,
            )
        )

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return self._json(ApiError(404, "Not Found").payload(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # ==================================================================================
    # updates
    def _emit(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if kind not in self.allowed_updates:
            return None
        update = {"update_id": next(self._update_ids), kind: copy.deepcopy(payload)}
        self._pending.append(update)
        self.update_log.append(update)
        self._notify()
        return update

    def _set_allowed(self, kinds: list[str]) -> None:
        self.allowed_updates = frozenset(kinds) if kinds else DEFAULT_UPDATES

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    @staticmethod
    def _kind(update: dict[str, Any]) -> str:
        return next(k for k in update if k != "update_id")

    # ==================================================================================
    # helpers used by the method handlers
    def _chat(self, chat_id: Any) -> Chat:
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                wanted = chat_id[1:].lower()
                for chat in self.chats.values():
                    if chat.is_group and (chat.username or "").lower() == wanted:
                        return chat
                raise bad_request("chat not found")
            if not re.fullmatch(r"-?\d+", chat_id):
                raise bad_request("chat not found")
            chat_id = int(chat_id)
        found = self.chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        return found

    def _bot_member(self, chat: Chat) -> Member:
        return chat.members.get(self.bot.id) or Member(self.bot.id, "left")

    def _check_member(self, chat: Chat) -> None:
        if not chat.is_group:
            return
        member = self._bot_member(chat)
        kind = "supergroup" if chat.type == "supergroup" else "group"
        if member.status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if not member.active:
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _check_write(self, chat: Chat) -> None:
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
        self._check_member(chat)
        member = self._bot_member(chat)
        if member.status == "restricted" and not member.rights.get("can_send_messages", True):
            raise bad_request("not enough rights to send text messages to the chat")

    def _bot_can(self, chat: Chat, right: str) -> bool:
        member = self._bot_member(chat)
        return member.status == "creator" or (
            member.status == "administrator" and member.rights.get(right, False)
        )

    def _flood(self, method: str, chat: Chat) -> None:
        if not is_counted_method(method):
            return
        retry = self._flood_control.check(chat.id, chat.is_group, time.monotonic())
        if retry is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)

    def _format(
        self,
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

    def _markup(
        self, markup: dict[str, Any] | None, chat: Chat | None = None, inline_only: bool = False
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
                    clean_row.append(self._inline_button(button, chat))
                if clean_row:
                    clean_rows.append(clean_row)
            if total > self._limits.max_buttons:
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
            if total > self._limits.max_buttons:
                raise bad_request("reply markup is too long")
            return dict(markup)
        return dict(markup)

    def _inline_button(self, button: dict[str, Any], chat: Chat | None) -> dict[str, Any]:
        if not button.get("text"):
            raise bad_request("BUTTON_TEXT_INVALID")
        actions = [k for k in INLINE_ACTIONS if button.get(k) is not None]
        if not actions:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are "
                "unallowed in the inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode("utf-8")) <= (
            self._limits.max_callback_data
        ):
            raise bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not _URL_RE.match(str(url)):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        if "web_app" in actions and chat is not None and chat.is_group:
            raise bad_request("BUTTON_TYPE_INVALID")
        keep = ("text", "style", "icon_custom_emoji_id", *INLINE_ACTIONS)
        return {k: button[k] for k in keep if button.get(k) is not None}

    def _reply_target(self, chat: Chat, params: dict[str, Any]) -> StoredMessage | None:
        reply = params.get("reply_parameters")
        if not reply:
            return None
        target_chat = chat
        if reply.get("chat_id") not in (None, chat.id):
            target_chat = self._chat(reply["chat_id"])
        target = target_chat.by_id.get(reply["message_id"])
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return target

    def _new_message(
        self,
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
            "date": int(self.now()),
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
            from_bot=sender.id == self.bot.id,
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
        self._notify()
        return stored

    def _replace_data(
        self, stored: StoredMessage, changes: dict[str, Any], remove: Iterable[str] = ()
    ) -> None:
        new = copy.deepcopy(stored.data)
        for key in remove:
            new.pop(key, None)
        new.update(changes)
        stored.history.append(stored.data)
        stored.data = new
        self._notify()

    def _store_file(
        self,
        data: bytes,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        source_url: str | None = None,
    ) -> StoredFile:
        prefix = {"photos": "AgAC", "documents": "BQAC", "stickers": "CAAC"}.get(kind, "BAAC")
        file_id = prefix + "AgIAAxkBAA" + secrets.token_urlsafe(24)
        unique = "AQAD" + secrets.token_urlsafe(9)
        width = height = None
        if kind in ("photos", "stickers"):
            width, height = image_size(data) or (512, 512)
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique,
            data=data,
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            source_url=source_url,
        )
        self.files[file_id] = stored
        return stored

    def _input_file(self, value: Any, kind: str, default_name: str) -> StoredFile:
        if isinstance(value, UploadedFile):
            if len(value.data) > self._limits.max_upload_bytes:
                raise ApiError(413, "Request Entity Too Large")
            if kind == "photos" and self.strict_images and image_size(value.data) is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            name = value.filename or default_name
            mime = value.content_type or mimetypes.guess_type(name)[0]
            if mime in (None, "application/octet-stream"):
                mime = mimetypes.guess_type(name)[0] or mime
            return self._store_file(value.data, kind, file_name=name, mime_type=mime)
        text = str(value)
        if text in self.files:
            stored = self.files[text]
            if (kind == "photos") != (stored.kind == "photos"):
                raise bad_request("type of file mismatch")
            return stored
        if re.match(r"^https?://", text, re.IGNORECASE):
            name = urlsplit(text).path.rsplit("/", 1)[-1] or default_name
            return self._store_file(
                b"", kind, file_name=name, mime_type=mimetypes.guess_type(name)[0], source_url=text
            )
        raise bad_request("wrong file identifier/HTTP URL specified")

    @staticmethod
    def _photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
        return [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.size,
                "width": stored.width or 0,
                "height": stored.height or 0,
            }
        ]

    @staticmethod
    def _document(stored: StoredFile) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    def _member_api(self, chat: Chat, member: Member) -> dict[str, Any]:
        user = self.users[member.user_id].to_api()
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
            for param in self.spec.fields("ChatMemberAdministrator"):
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
            for param in self.spec.fields("ChatMemberRestricted"):
                if param.required and param.name.startswith("can_"):
                    data[param.name] = bool(member.rights.get(param.name, True))
            data["is_member"] = bool(member.rights.get("is_member", True))
            data["until_date"] = member.until_date
        elif status == "kicked":
            data["until_date"] = member.until_date
        return data

    def _set_member(self, chat: Chat, user: User, new: Member, actor: User) -> None:
        """Change a membership and emit my_chat_member / chat_member updates."""
        old = chat.members.get(user.id) or Member(user.id, "left")
        chat.members[user.id] = new
        payload = {
            "chat": chat.to_api(),
            "from": actor.to_api(),
            "date": int(self.now()),
            "old_chat_member": self._member_api(chat, old),
            "new_chat_member": self._member_api(chat, new),
        }
        if user.id == self.bot.id:
            self._emit("my_chat_member", payload)
        elif self._bot_member(chat).status in ("administrator", "creator"):
            self._emit("chat_member", payload)
        self._notify()

    def _bot_sees(self, chat: Chat, stored: StoredMessage) -> bool:
        """Whether a user's message in ``chat`` reaches the bot (privacy mode rules)."""
        if chat.type == "private":
            return True
        member = self._bot_member(chat)
        if not member.active:
            return False
        data = stored.data
        if not self.privacy_mode or member.status in ("administrator", "creator"):
            return True
        if any(key in data for key in SERVICE_KEYS):
            return True
        reply = data.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot.id:
            return True
        text = data.get("text", data.get("caption", ""))
        entities = data.get("entities", data.get("caption_entities", []))
        for entity in entities:
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                command = entity_text(text, entity)
                if "@" in command:
                    return command.split("@", 1)[1].lower() == self.bot_username.lower()
                return True
        return False

    def _user_message(
        self,
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
        stored = self._new_message(chat, user, content, reply_to=reply_to)
        if self._bot_sees(chat, stored):
            stored.delivered_to_bot = True
            self._emit("message", stored.data)
        return stored

    def _user_edit(
        self, stored: StoredMessage, changes: dict[str, Any], remove: Iterable[str] = ()
    ) -> None:
        self._replace_data(stored, {**changes, "edit_date": int(self.now())}, remove)
        if stored.delivered_to_bot or self._bot_sees(stored.chat, stored):
            self._emit("edited_message", stored.data)

    def _callback(self, user: User, stored: StoredMessage, data: str) -> CallbackRecord:
        query_id = str(self._rng.randrange(10**17, 10**19))
        future: asyncio.Future[CallbackAnswer] = asyncio.get_running_loop().create_future()
        record = CallbackRecord(
            id=query_id,
            user_id=user.id,
            chat_id=stored.chat.id,
            message_id=stored.message_id,
            data=data,
            created=time.monotonic(),
            answer=future,
        )
        self.callbacks[query_id] = record
        chat_instance = str((stored.chat.id * 2654435761) & 0xFFFFFFFFFFFFF)
        self._emit(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "message": stored.data,
                "chat_instance": chat_instance,
                "data": data,
            },
        )
        return record

    def _edit_target(self, params: dict[str, Any]) -> StoredMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        if "message_id" not in params:
            raise bad_request("message identifier is not specified")
        if "chat_id" not in params:
            raise bad_request("chat_id is empty")
        chat = self._chat(params["chat_id"])
        self._check_write(chat)
        stored = chat.by_id.get(params["message_id"])
        if stored is None or stored.deleted:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    async def _send(
        self,
        method: str,
        params: dict[str, Any],
        content: dict[str, Any],
        markup: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        self._check_write(chat)
        if markup is not None:
            markup = self._markup(markup, chat)
        reply_to = self._reply_target(chat, params)
        self._flood(method, chat)
        if params.get("protect_content"):
            content["has_protected_content"] = True
        stored = self._new_message(chat, self.bot, content, markup=markup, reply_to=reply_to)
        return stored.data

    def _caption(self, params: dict[str, Any]) -> dict[str, Any]:
        if "caption" not in params:
            return {}
        text, entities = self._format(
            params["caption"],
            params.get("parse_mode"),
            params.get("caption_entities"),
            self._limits.max_caption,
            "message caption is too long",
            None,
        )
        content: dict[str, Any] = {"caption": text}
        if entities:
            content["caption_entities"] = entities
        return content

    # ==================================================================================
    # method handlers (name: _m_<methodName>)
    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        data = self.bot.to_api()
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=not self.privacy_mode,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return data

    async def _m_logOut(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
        limit = min(100, max(1, params.get("limit", 100)))
        timeout = min(self._limits.max_long_poll_timeout, max(0, params.get("timeout", 0)))
        if "allowed_updates" in params:
            self._set_allowed(params["allowed_updates"])
        self._confirm(params.get("offset", 0))
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes (and thereby terminates) an older long poll
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._pending = [u for u in self._pending if self._kind(u) in self.allowed_updates]
            batch = self._pending[:limit]
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                self._delivered_ids.update(u["update_id"] for u in batch)
                handed = time.monotonic()
                for u in batch:
                    self.handed_out.setdefault(u["update_id"], handed)
                if batch:
                    self._notify()
                return copy.deepcopy(batch)
            await self._wait_change(remaining)
            if self._poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make "
                    "sure that only one bot instance is running",
                )
            if self.webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is "
                    "active; use deleteWebhook to delete the webhook first",
                )

    async def _m_setWebhook(self, params: dict[str, Any]) -> _Described:
        url = params["url"]
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if "allowed_updates" in params:
            self._set_allowed(params["allowed_updates"])
        same = self.webhook is not None and self.webhook.url == url
        await self._stop_webhook()
        self.webhook = Webhook(
            url=url,
            secret_token=secret,
            max_connections=params.get("max_connections", 40),
            ip_address=params.get("ip_address"),
        )
        self.webhook.task = asyncio.get_running_loop().create_task(
            self._webhook_loop(self.webhook)
        )
        self._notify()
        return _Described(True, "Webhook is already set" if same else "Webhook was set")

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> _Described:
        return _Described(True, await self._delete_webhook(params))

    async def _delete_webhook(self, params: dict[str, Any]) -> str:
        if params.get("drop_pending_updates") in (True, "true", "True", "1"):
            self._pending.clear()
        if self.webhook is None:
            return "Webhook is already deleted"
        await self._stop_webhook()
        return "Webhook was deleted"

    async def _stop_webhook(self) -> None:
        hook, self.webhook = self.webhook, None
        if hook is not None and hook.task is not None:
            hook.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hook.task

    async def _webhook_loop(self, hook: Webhook) -> None:
        """Deliver pending updates: up to ``max_connections`` requests in flight, one update
        each, but one update of a queue at a time (so each queue's updates arrive in order;
        see _webhook_queue: a chat's messages, a user's callback queries)."""
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        in_flight: dict[int, asyncio.Task[None]] = {}
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                while self.webhook is hook:
                    now = time.monotonic()
                    blocked: set[Any] = set()
                    next_retry = now + 1.0
                    for update in list(self._pending):
                        if len(in_flight) >= max(1, hook.max_connections):
                            break
                        update_id = update["update_id"]
                        key = _webhook_queue(update)
                        busy = update_id in in_flight or key in blocked
                        retry_at = hook.retry_at.get(update_id, 0.0)
                        blocked.add(key)
                        if busy or retry_at > now:
                            next_retry = (
                                min(next_retry, retry_at) if retry_at > now else next_retry
                            )
                            continue
                        in_flight[update_id] = asyncio.create_task(
                            self._deliver(session, hook, update, in_flight)
                        )
                    await self._wait_change(max(0.01, next_retry - now))
            finally:
                for task in in_flight.values():
                    task.cancel()
                await asyncio.gather(*in_flight.values(), return_exceptions=True)

    async def _deliver(
        self,
        session: aiohttp.ClientSession,
        hook: Webhook,
        update: dict[str, Any],
        in_flight: dict[int, asyncio.Task[None]],
    ) -> None:
        headers = (
            {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if (hook.secret_token) else {}
        )
        update_id = update["update_id"]
        error: str | None = None
        try:
            # `latency` is a round trip, as for a call: half of it on the way to the bot, half
            # for its answer to come back; the connection carries one update at a time.
            if self.latency > 0:
                await asyncio.sleep(self.latency / 2)
            self.handed_out.setdefault(update_id, time.monotonic())
            url = self.webhook_proxy or hook.url
            async with session.post(url, json=update, headers=headers) as resp:
                await resp.read()
                if not 200 <= resp.status < 300:
                    error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            if self.latency > 0:
                await asyncio.sleep(self.latency / 2)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"Connection failed: {exc.__class__.__name__}"
        finally:
            in_flight.pop(update_id, None)
        if error is None:
            self._delivered_ids.add(update_id)
            self._pending = [u for u in self._pending if u["update_id"] != update_id]
            hook.retry_at.pop(update_id, None)
            hook.attempts.pop(update_id, None)
        else:
            attempts = hook.attempts.get(update_id, 0) + 1
            hook.attempts[update_id] = attempts
            hook.retry_at[update_id] = time.monotonic() + min(0.05 * 2**attempts, 2.0)
            hook.last_error_date = int(self.now())
            hook.last_error_message = error
        self._notify()

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        hook = self.webhook
        if hook is not None:
            info.update(
                url=hook.url,
                max_connections=hook.max_connections,
                ip_address=hook.ip_address or "127.0.0.1",
            )
            if self.allowed_updates != DEFAULT_UPDATES:
                info["allowed_updates"] = sorted(self.allowed_updates)
            if hook.last_error_date:
                info.update(
                    last_error_date=hook.last_error_date,
                    last_error_message=hook.last_error_message,
                )
        return info

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text, entities = self._format(
            params["text"],
            params.get("parse_mode"),
            params.get("entities"),
            self._limits.max_text,
            "message is too long",
            "message text is empty",
        )
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        if params.get("link_preview_options"):
            content["link_preview_options"] = params["link_preview_options"]
        return await self._send("sendMessage", params, content, params.get("reply_markup"))

    async def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = self._caption(params)
        self._chat(params["chat_id"])
        stored = self._input_file(params["photo"], "photos", "photo.jpg")
        content = {"photo": self._photo_sizes(stored), **caption}
        if params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return await self._send("sendPhoto", params, content, params.get("reply_markup"))

    async def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = self._caption(params)
        self._chat(params["chat_id"])
        stored = self._input_file(params["document"], "documents", "document")
        content = {"document": self._document(stored), **caption}
        return await self._send("sendDocument", params, content, params.get("reply_markup"))

    async def _m_sendLocation(self, params: dict[str, Any]) -> dict[str, Any]:
        lat, lon = params["latitude"], params["longitude"]
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad_request("wrong latitude or longitude specified")
        location: dict[str, Any] = {"latitude": lat, "longitude": lon}
        for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
            if key in params:
                location[key] = params[key]
        return await self._send(
            "sendLocation", params, {"location": location}, params.get("reply_markup")
        )

    async def _m_sendContact(self, params: dict[str, Any]) -> dict[str, Any]:
        contact = {
            k: params[k]
            for k in ("phone_number", "first_name", "last_name", "vcard")
            if k in params
        }
        return await self._send(
            "sendContact", params, {"contact": contact}, params.get("reply_markup")
        )

    async def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat = self._chat(params["chat_id"])
        self._check_write(chat)
        chat.last_action = params["action"]
        return True

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        text, entities = self._format(
            params["text"],
            params.get("parse_mode"),
            params.get("entities"),
            self._limits.max_text,
            "message is too long",
            "message text is empty",
        )
        stored = self._edit_target(params)
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        markup = self._markup(params.get("reply_markup"), stored.chat, inline_only=True)
        current = (
            stored.data.get("text"),
            stored.data.get("entities", []),
            stored.data.get("reply_markup"),
        )
        if current == (text, entities, markup):
            raise bad_request(NOT_MODIFIED)
        self._flood("editMessageText", stored.chat)
        changes: dict[str, Any] = {"text": text, "edit_date": int(self.now())}
        if entities:
            changes["entities"] = entities
        if markup:
            changes["reply_markup"] = markup
        self._replace_data(stored, changes, remove=("entities", "reply_markup"))
        stored.markup = markup
        return stored.data

    async def _m_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = self._caption(params)
        stored = self._edit_target(params)
        if "text" in stored.data:
            raise bad_request("there is no caption in the message to edit")
        markup = self._markup(params.get("reply_markup"), stored.chat, inline_only=True)
        current = (
            stored.data.get("caption"),
            stored.data.get("caption_entities", []),
            stored.data.get("reply_markup"),
        )
        if current == (caption.get("caption"), caption.get("caption_entities", []), markup):
            raise bad_request(NOT_MODIFIED)
        self._flood("editMessageCaption", stored.chat)
        changes = {**caption, "edit_date": int(self.now())}
        if markup:
            changes["reply_markup"] = markup
        self._replace_data(stored, changes, remove=("caption", "caption_entities", "reply_markup"))
        stored.markup = markup
        return stored.data

    async def _m_editMessageMedia(self, params: dict[str, Any]) -> dict[str, Any]:
        """The picture (or document) of a message replaced in place, with the caption the new
        media carries (none if it carries none), as Telegram does; a text message may become
        a media message, not the other way round. The same file with the same caption and
        buttons is "message is not modified"; an upload is always a new file."""
        media = params["media"]
        kind = media.get("type")
        if kind not in ("photo", "document"):
            raise bad_request("can't parse InputMedia: media type is not supported here")
        caption = self._caption(media)
        stored = self._edit_target(params)
        markup = self._markup(params.get("reply_markup"), stored.chat, inline_only=True)
        if kind == "photo":
            file = self._input_file(media["media"], "photos", "photo.jpg")
            content: dict[str, Any] = {"photo": self._photo_sizes(file), **caption}
            current_file = (stored.data.get("photo") or [{}])[-1].get("file_unique_id")
        else:
            file = self._input_file(media["media"], "documents", "document")
            content = {"document": self._document(file), **caption}
            current_file = (stored.data.get("document") or {}).get("file_unique_id")
        current = (
            current_file,
            stored.data.get("caption"),
            stored.data.get("caption_entities", []),
            stored.data.get("reply_markup"),
        )
        if current == (
            file.file_unique_id, caption.get("caption"), caption.get("caption_entities", []),
            markup,
        ):
            raise bad_request(NOT_MODIFIED)
        self._flood("editMessageMedia", stored.chat)
        changes = {**content, "edit_date": int(self.now())}
        if markup:
            changes["reply_markup"] = markup
        self._replace_data(
            stored, changes,
            remove=("text", "entities", "link_preview_options", "photo", "document",
                    "caption", "caption_entities", "reply_markup"),
        )
        stored.markup = markup
        return stored.data

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._edit_target(params)
        markup = self._markup(params.get("reply_markup"), stored.chat, inline_only=True)
        if stored.data.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        self._flood("editMessageReplyMarkup", stored.chat)
        changes: dict[str, Any] = {"edit_date": int(self.now())}
        if markup:
            changes["reply_markup"] = markup
        self._replace_data(stored, changes, remove=("reply_markup",))
        stored.markup = markup
        return stored.data

    def _deletable(self, chat: Chat, message_id: int) -> StoredMessage:
        stored = chat.by_id.get(message_id)
        if stored is None or stored.deleted:
            raise bad_request("message to delete not found")
        if (
            chat.is_group
            and not stored.from_bot
            and not self._bot_can(chat, "can_delete_messages")
        ):
            raise bad_request("message can't be deleted")
        if self.now() - stored.data["date"] > 48 * 3600 and not (
            chat.is_group and self._bot_can(chat, "can_delete_messages")
        ):
            raise bad_request("message can't be deleted for everyone")
        return stored

    def _delete(self, stored: StoredMessage) -> None:
        stored.deleted = True
        if stored.message_id in stored.chat.pinned_ids:
            stored.chat.pinned_ids.remove(stored.message_id)
        self._notify()

    async def _m_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params["chat_id"])
        self._check_member(chat)
        self._delete(self._deletable(chat, params["message_id"]))
        return True

    async def _m_deleteMessages(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params["chat_id"])
        self._check_member(chat)
        found = False
        for message_id in params["message_ids"]:
            with contextlib.suppress(ApiError):
                self._delete(self._deletable(chat, message_id))
                found = True
        if not found:
            raise bad_request("message to delete not found")
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        record = self.callbacks.get(params["callback_query_id"])
        age = time.monotonic() - record.created if record else 0.0
        if record is None or record.answer.done() or age > self._limits.callback_answer_timeout:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(text) > self._limits.max_callback_answer:
            raise bad_request("MESSAGE_TOO_LONG")
        url = params.get("url")
        if url is not None and not re.match(
            rf"^https?://t\.me/{re.escape(self.bot_username)}\?start=", url, re.IGNORECASE
        ):
            raise bad_request("URL_INVALID")
        record.answer.set_result(
            CallbackAnswer(
                text=text,
                show_alert=bool(params.get("show_alert")),
                url=url,
                cache_time=params.get("cache_time", 0),
            )
        )
        self._notify()
        return True

    async def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > self._limits.max_download_bytes:
            raise bad_request("file is too big")
        if stored.file_path is None:
            ext = ""
            if stored.kind == "photos":
                ext = ".jpg"
            elif stored.file_name and re.fullmatch(r".+\.[A-Za-z0-9]{1,5}", stored.file_name):
                ext = "." + stored.file_name.rsplit(".", 1)[1].lower()
            stored.file_path = f"{stored.kind}/file_{next(self._file_counter)}{ext}"
            self._files_by_path[stored.file_path] = stored
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def _scope_key(self, scope: dict[str, Any] | None) -> tuple[Any, ...]:
        if not scope:
            return ("default",)
        kind = scope["type"]
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat = self._chat(scope["chat_id"])
            if kind == "chat_member":
                if scope["user_id"] not in self.users:
                    raise bad_request("user not found")
                return (kind, chat.id, scope["user_id"])
            if kind == "chat_administrators" and not chat.is_group:
                raise bad_request("can't use chat_administrators scope in private chats")
            return (kind, chat.id)
        return (kind,)

    @staticmethod
    def _language(params: dict[str, Any]) -> str:
        code = params.get("language_code", "") or ""
        if code and not re.fullmatch(r"[a-z]{2}", code):
            raise bad_request("invalid language code specified")
        return code

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params["commands"]
        if len(commands) > self._limits.max_commands:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND_RE.match(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(params.get("scope")), self._language(params))
        cleaned = [{"command": c["command"], "description": c["description"]} for c in commands]
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        key = (self._scope_key(params.get("scope")), self._language(params))
        return [dict(c) for c in self.commands.get(key, [])]

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        key = (self._scope_key(params.get("scope")), self._language(params))
        self.commands.pop(key, None)
        return True

    async def _m_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        self._check_member(chat)
        data = chat.to_api()
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                p.name: chat.type == "private" for p in self.spec.fields("AcceptedGiftTypes")
            },
        )
        if chat.description:
            data["description"] = chat.description
        if chat.is_group:
            data["permissions"] = {
                p.name: True
                for p in self.spec.fields("ChatPermissions")
                if p.name not in ("can_change_info", "can_pin_messages", "can_manage_topics")
            }
        pinned = chat.by_id.get(chat.pinned_message_id or 0)
        if pinned is not None and not pinned.deleted:
            data["pinned_message"] = pinned.snapshot()
        return data

    def _lookup_member(self, chat: Chat, user_id: int) -> Member:
        if user_id not in self.users:
            raise bad_request("user not found")
        if chat.type == "private":
            if user_id not in (chat.id, self.bot.id):
                raise bad_request("user not found")
            return Member(user_id, "member")
        if user_id == self.bot.id:
            return self._bot_member(chat)
        return chat.members.get(user_id) or Member(user_id, "left")

    async def _m_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        self._check_member(chat)
        return self._member_api(chat, self._lookup_member(chat, params["user_id"]))

    async def _m_getChatAdministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._chat(params["chat_id"])
        if not chat.is_group:
            raise bad_request("there are no administrators in the private chat")
        self._check_member(chat)
        return [
            self._member_api(chat, m)
            for m in chat.members.values()
            if m.status in ("creator", "administrator")
        ]

    async def _m_getChatMemberCount(self, params: dict[str, Any]) -> int:
        chat = self._chat(params["chat_id"])
        if not chat.is_group:
            return 2
        self._check_member(chat)
        return sum(1 for m in chat.members.values() if m.active)

    async def _m_leaveChat(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params["chat_id"])
        if not chat.is_group:
            raise bad_request("chat member status can't be changed in private chats")
        self._check_member(chat)
        self._set_member(chat, self.bot, Member(self.bot.id, "left"), self.bot)
        return True

    async def _m_pinChatMessage(self, params: dict[str, Any]) -> bool:
        """Pinned on top of those pinned before (Telegram keeps several); in a group a
        service message says so (with or without a notification)."""
        chat = self._chat(params["chat_id"])
        self._check_write(chat)
        if chat.is_group and not self._bot_can(chat, "can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        stored = chat.by_id.get(params["message_id"])
        if stored is None or stored.deleted:
            raise bad_request("message to pin not found")
        if stored.message_id in chat.pinned_ids:
            chat.pinned_ids.remove(stored.message_id)
        chat.pinned_ids.append(stored.message_id)
        if chat.is_group:
            self._new_message(chat, self.bot, {"pinned_message": stored.snapshot()})
        self._notify()
        return True

    async def _m_unpinChatMessage(self, params: dict[str, Any]) -> bool:
        """Unpin `message_id` (without it: the newest pinned); the one pinned before it shows
        again. A message that is not pinned is "message is not pinned"... except that
        Telegram answers True for it, as here."""
        chat = self._chat(params["chat_id"])
        self._check_write(chat)
        if chat.is_group and not self._bot_can(chat, "can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        wanted = params.get("message_id", chat.pinned_message_id)
        if wanted is not None and wanted in chat.pinned_ids:
            chat.pinned_ids.remove(wanted)
        self._notify()
        return True

    async def _m_unpinAllChatMessages(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params["chat_id"])
        self._check_write(chat)
        if chat.is_group and not self._bot_can(chat, "can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        chat.pinned_ids.clear()
        self._notify()
        return True

    async def _m_setMessageReaction(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params["chat_id"])
        self._check_member(chat)
        stored = chat.by_id.get(params["message_id"])
        if stored is None or stored.deleted:
            raise bad_request("message to react not found")
        stored.reactions = list(params.get("reaction", []))
        self._notify()
        return True


def _webhook_queue(update: dict[str, Any]) -> tuple[str, Any]:
    """The queue an update waits in for webhook delivery: one update of a queue at a time, so
    each queue's updates arrive in order, and different queues in parallel. As the Bot API
    server keys them (telegram-bot-api, Client::add_update's webhook_queue_id): messages (new
    and edited) by chat, callback queries by the user who pressed, the bot's own membership by
    chat, other members' membership changes and join requests by user."""
    kind = next((k for k in update if k != "update_id"), "")
    value = update.get(kind)
    if not isinstance(value, dict):
        return ("update", update.get("update_id"))
    sender = value.get("from")
    user_id = sender.get("id") if isinstance(sender, dict) else None
    if kind in ("callback_query", "inline_query", "chosen_inline_result",
                "shipping_query", "pre_checkout_query", "chat_member", "chat_join_request"):
        return (kind, user_id)
    chat = value.get("chat")
    if isinstance(chat, dict) and "id" in chat:
        return (kind if kind == "my_chat_member" else "chat", chat["id"])
    return (kind, user_id)


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


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF or WebP image, or None if not an image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 512, 512
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 <= len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                index += 1 if marker == 0xFF else 2
                continue
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + length
        return None
    return None
