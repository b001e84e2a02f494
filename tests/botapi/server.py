"""An in-process Telegram Bot API server (aiohttp) that behaves like api.telegram.org.

See ``tests/botapi/README.md`` for the overview.  The server keeps the whole emulated
world in memory: users (driven by :class:`~tests.botapi.phone.Phone` objects), chats,
messages, files, pending updates, bot commands, webhook state and a log of every call.

This module holds that state, the driver API (world building, faults, inspection, waiting)
and the HTTP layer (routing, parameters, faults, answers, the call log).  The Bot API
methods themselves are functions in ``tests/botapi/methods/``, one module per family,
named in ``methods.HANDLERS``.
"""

# ruff: noqa: ASYNC109  (explicit timeout parameters are part of the driver API)
from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from .limits import FloodControl, Limits
from .methods import HANDLERS, Handler
from .methods.chats import default_admin_rights
from .methods.commands import visible_commands
from .methods.files import download
from .methods.updates import DEFAULT_UPDATES
from .methods.webhook import Described, Webhook, remove_webhook, stop_webhook
from .model import (
    ApiCall,
    CallbackRecord,
    Chat,
    Member,
    MessageView,
    StoredFile,
    User,
)
from .spec import ApiError, Spec, UploadedFile, bad_request, load_spec

if TYPE_CHECKING:
    from .phone import Group, Phone


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
        self._handlers: dict[str, Handler] = {
            name: handler for name, handler in HANDLERS.items() if name in self.spec.methods
        }

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
        app.router.add_get("/file/bot{token}/{path:.+}", partial(download, self))
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
        await stop_webhook(self)
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
        return visible_commands(self, user_id, chat_id)

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
            return True, await remove_webhook(self, raw)
        params = self.spec.coerce_params(method, raw, files)
        handler = self._handlers.get(method)
        if handler is None:
            if self.spec.returns(method) == ["Boolean"] and not self.strict_unimplemented:
                return True, None
            raise ApiError(
                501, f"Not Implemented: method {method} is not emulated by the test server"
            )
        result = await handler(self, params)
        description = None
        if isinstance(result, Described):
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
