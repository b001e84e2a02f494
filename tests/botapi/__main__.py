"""Standalone test server with a small terminal chat: ``python -m tests.botapi``.

Run the server, point the bot at it (``--write-config offline.toml`` writes a whole config file
for the bot; the ``[telegram]`` lines are printed on start either way) and type as a committee
member.  The users are ``--users`` (Alice,Bob), their phone numbers 13800000001, 13800000002, …
in that order (``/as NAME`` adds the next); the group chats are ``--groups``.  Each bot message
is shown with a number (``#12``), its inline buttons as ``[1] 签到`` and a reply keyboard as
``keyboard: <1> 分享我的手机号``; every document and photo the bot sends is saved in ``--files``
(./offline-files) and shown with its path.  Commands of the terminal (everything else is sent
to the bot):

    /press N              press inline button N of the newest bot message with buttons here
    /press MSG N          press inline button N of bot message #MSG
    /tap N                tap reply-keyboard button N (contact/location buttons share them)
    /contact              share your own contact
    /location LAT LON     share a location
    /location LAT LON live [SECONDS]   share a live location (live_period, default 900 s)
    /move LAT LON         move your last live location here (the bot gets an edited_message)
    /photo PATH           send a photo file      /doc PATH   send a file as a document
    /as NAME              switch to (or create) the user NAME
    /group NAME|N         chat in that group chat (the bot is added on first use)
    /group                back to the private chat (from the private chat: the first group)
    /admin, /admin off    make the bot an administrator of this group chat, or a member again
    /block, /unblock      block or unblock the bot
    /who, /phones         users with their phone numbers, the group chats, where you are
    /help                 this text                    /quit   stop
    //cmd ...             send "/cmd ..." to the bot even if it is a terminal command
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path

from .limits import Limits
from .model import MessageView, StoredMessage
from .phone import Group, Phone
from .server import BotApiServer

HELP = __doc__.split("\n\n", 1)[1] if __doc__ else ""
TERMINAL_COMMANDS = {
    "/press",
    "/tap",
    "/contact",
    "/location",
    "/move",
    "/photo",
    "/doc",
    "/as",
    "/group",
    "/admin",
    "/block",
    "/unblock",
    "/who",
    "/phones",
    "/help",
    "/quit",
}
DEFAULT_FILES = Path("offline-files")
LIVE_PERIOD = 900  # seconds a live location is shared for unless given


def roster_phone(number: int) -> str:
    """The phone of the terminal's `number`-th user (1-based) as a roster writes it."""
    return f"138{number:08d}"


def _image_suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".bin"


def _free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3`` … before the suffix if that exists."""
    name = Path(name.replace("\\", "/").replace("\0", "")).name
    if name in ("", ".", ".."):
        name = "document"
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, counter = folder / name, 2
    while candidate.exists():
        candidate = folder / f"{stem}-{counter}{suffix}"
        counter += 1
    return candidate


class TerminalChat:
    """Prints what the bot sends (saving its files) and turns typed lines into user actions."""

    def __init__(
        self,
        server: BotApiServer,
        users: Sequence[str],
        groups: Sequence[str] | str = ("第一活动组",),
        *,
        files: Path = DEFAULT_FILES,
        out: Callable[[str], None] = print,
    ) -> None:
        self.server = server
        self.files = files
        self.out = out
        self.phones: dict[str, Phone] = {}
        for name in users:
            self._add_user(name)
        if not self.phones:
            raise ValueError("the terminal needs at least one user")
        self.me = next(iter(self.phones.values()))
        members = list(self.phones.values())
        titles = [groups] if isinstance(groups, str) else list(groups)
        self.groups: list[Group] = [
            server.add_group(title, members=members[1:], admins=members[:1]) for title in titles
        ]
        self.current: Group | None = None  # None: the private chat with the bot
        self._seen: dict[tuple[int, int], int] = {}
        self._numbers: dict[tuple[int, int], int] = {}  # (chat, message id) → #number
        self._by_number: dict[int, StoredMessage] = {}
        self._saved: dict[tuple[int, int], tuple[str, str]] = {}  # → (file_unique_id, path)
        self._live: dict[tuple[int, int], MessageView] = {}  # (user, chat) → live location

    # compatibility with the single-group terminal
    @property
    def group(self) -> Group:
        return self.current or self.groups[0]

    @property
    def in_group(self) -> bool:
        return self.current is not None

    def _add_user(self, name: str) -> Phone:
        phone = self.server.add_user(
            name, language_code="zh-hans", phone_number="+86" + roster_phone(len(self.phones) + 1)
        )
        self.phones[name.lower()] = phone
        return phone

    def _where(self, chat_id: int) -> str:
        for group in self.groups:
            if group.id == chat_id:
                return group.title
        return self.server.users[chat_id].first_name

    # what the bot sends ---------------------------------------------------------------
    def number_of(self, stored: StoredMessage) -> int:
        """The terminal's short number (``#N``) of a bot message."""
        key = (stored.chat.id, stored.message_id)
        if key not in self._numbers:
            self._numbers[key] = len(self._numbers) + 1
            self._by_number[self._numbers[key]] = stored
        return self._numbers[key]

    def _save_file(self, view: MessageView, number: int) -> str | None:
        """Write the message's document or photo into the files folder; its path, or a note."""
        if view.document:
            file_id = view.document["file_id"]
        elif view.photo:
            file_id = view.photo[-1]["file_id"]
        else:
            return None
        stored = self.server.files.get(file_id)
        if stored is None:
            return "(not on the server)"
        if stored.source_url:
            return stored.source_url
        key = (view.chat_id, view.message_id)
        saved = self._saved.get(key)
        if saved is not None and saved[0] == stored.file_unique_id:
            return saved[1]
        if view.document:
            name = stored.file_name or view.document.get("file_name") or "document"
        else:
            name = f"photo-{number}{_image_suffix(stored.data)}"
        self.files.mkdir(parents=True, exist_ok=True)
        path = _free_path(self.files, name)
        with path.open("xb") as handle:
            handle.write(stored.data)
        self._saved[key] = (stored.file_unique_id, str(path))
        return str(path)

    def render(self, stored: StoredMessage, edited: bool = False) -> str:
        """The lines a bot message is shown as (saving its file on first sight)."""
        view = MessageView(stored)
        number = self.number_of(stored)
        flag = " (edited)" if edited else ""
        body = view.text or ""
        pinned = view.raw.get("pinned_message")
        if pinned is not None:
            target = stored.chat.by_id.get(pinned["message_id"])
            if target is not None and target.from_bot:
                body = f"(pinned #{self.number_of(target)})"
            else:
                body = f"(pinned message {pinned['message_id']})"
        lines = [f"#{number} [bot → {self._where(view.chat_id)}{flag}] {body}"]
        saved = self._save_file(view, number)
        if view.photo:
            lines.append(f"  [photo → {saved}]")
        if view.document:
            lines.append(f"  [document {view.document.get('file_name', '')} → {saved}]")
        if view.location:
            location = view.location
            lines.append(f"  [location {location['latitude']}, {location['longitude']}]")
        markup = view.reply_markup or {}
        index = 1
        for row in markup.get("inline_keyboard", []):
            cells = []
            for button in row:
                cell = f"[{index}] {button.get('text', '')}"
                if button.get("url"):
                    cell += f" ({button['url']})"
                cells.append(cell)
                index += 1
            lines.append("  " + "   ".join(cells))
        if markup.get("keyboard"):
            cells = []
            for index, button in enumerate(
                (b for row in markup["keyboard"] for b in row), start=1
            ):
                text = button.get("text", "") if isinstance(button, dict) else str(button)
                if isinstance(button, dict) and button.get("request_contact"):
                    text += " (shares your contact)"
                elif isinstance(button, dict) and button.get("request_location"):
                    text += " (shares your location)"
                cells.append(f"<{index}> {text}")
            lines.append("  keyboard: " + "   ".join(cells))
        elif markup.get("remove_keyboard"):
            lines.append("  (keyboard removed)")
        return "\n".join(lines)

    def refresh(self) -> None:
        """Print the bot messages that are new or changed since the last call, in every chat."""
        for chat in list(self.server.chats.values()):
            for stored in chat.history:
                if not stored.from_bot:
                    continue
                key = (chat.id, stored.message_id)
                state = stored.edit_count + (1000 if stored.deleted else 0)
                if self._seen.get(key) == state:
                    continue
                edited = key in self._seen
                self._seen[key] = state
                if stored.deleted:
                    self.out(
                        f"[bot deleted message #{self.number_of(stored)} in "
                        f"{self._where(chat.id)}]"
                    )
                else:
                    self.out(self.render(stored, edited))

    async def watch(self) -> None:
        """Print new and edited bot messages in every chat, as they come."""
        while True:
            self.refresh()
            await self.server._wait_change(3600)

    # what the user does -----------------------------------------------------------------
    async def handle(self, line: str) -> bool:
        """Process one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        chat = self.current
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if line.startswith("//"):
            await self.me.send(line[1:], chat)
            return True
        if word not in TERMINAL_COMMANDS:
            await self.me.send(line, chat)
            return True
        if word == "/quit":
            return False
        if word == "/help":
            self.out(HELP)
        elif word == "/press":
            await self._press(rest)
        elif word == "/tap":
            await self._tap(rest)
        elif word == "/contact":
            await self.me.share_contact(chat=chat)
        elif word == "/location":
            await self._location(rest)
        elif word == "/move":
            await self._move(rest)
        elif word in ("/photo", "/doc"):
            path = Path(rest)
            data = await asyncio.to_thread(path.read_bytes)
            if word == "/photo":
                await self.me.send_photo(data, chat=chat)
            else:
                await self.me.send_document(data, file_name=path.name, chat=chat)
        elif word == "/as":
            await self._switch_user(rest)
        elif word == "/group":
            await self._switch_chat(rest)
        elif word == "/admin":
            await self._admin(rest)
        elif word == "/block":
            await self.me.block_bot()
        elif word == "/unblock":
            await self.me.unblock_bot()
        elif word in ("/who", "/phones"):
            self.who()
        return True

    def _newest_with_buttons(self) -> StoredMessage | None:
        chat = self.current.chat if self.current else self.server.chats[self.me.id]
        for stored in reversed(chat.history):
            if stored.from_bot and not stored.deleted and (stored.markup or {}).get(
                "inline_keyboard"
            ):
                return stored
        return None

    async def _press(self, rest: str) -> None:
        words = rest.split()
        if len(words) == 2:
            stored = self._by_number.get(int(words[0].lstrip("#")))
            if stored is None:
                self.out(f"no bot message #{words[0].lstrip('#')}")
                return
        elif len(words) == 1:
            stored = self._newest_with_buttons()
            if stored is None:
                self.out("no bot message with buttons here yet")
                return
        else:
            self.out("usage: /press N, or /press MSG N")
            return
        message = MessageView(stored)
        buttons = [b.get("text", "") for row in message.inline_keyboard for b in row]
        index = int(words[-1]) - 1
        if not 0 <= index < len(buttons):
            self.out(f"no button {words[-1]} on #{self.number_of(stored)}; buttons: {buttons}")
            return
        try:
            answer = await self.me.press(message, buttons[index], timeout=10)
        except AssertionError as exc:
            self.out(f"(no answer: {exc})")
            return
        if answer is not None and answer.text:
            kind = "alert" if answer.show_alert else "toast"
            self.out(f"[{kind}] {answer.text}")

    async def _tap(self, rest: str) -> None:
        rows = (self.current.keyboard if self.current else self.me.keyboard) or []
        texts = [t for row in rows for t in row]
        index = int(rest or "0") - 1
        if 0 <= index < len(texts):
            await self.me.tap(texts[index], self.current)
        else:
            self.out(f"no reply-keyboard button {rest}; keyboard: {rows}")

    async def _location(self, rest: str) -> None:
        words = rest.split()
        if len(words) not in (2, 3, 4) or (len(words) > 2 and words[2].lower() != "live"):
            self.out("usage: /location LAT LON, or /location LAT LON live [SECONDS]")
            return
        lat, lon = float(words[0]), float(words[1])
        if len(words) == 2:
            await self.me.share_location(lat, lon, chat=self.current)
            return
        period = int(words[3]) if len(words) == 4 else LIVE_PERIOD
        sent = await self.me.share_location(lat, lon, live_period=period, chat=self.current)
        self._live[(self.me.id, sent.chat_id)] = sent
        self.out(f"(sharing your live location for {period} s; /move LAT LON moves it)")

    async def _move(self, rest: str) -> None:
        chat_id = self.current.id if self.current else self.me.id
        sent = self._live.get((self.me.id, chat_id))
        if sent is None:
            self.out("no live location of yours here: /location LAT LON live")
            return
        lat, lon = (float(x) for x in rest.split())
        await self.me.move_live_location(sent, lat, lon)

    async def _switch_user(self, rest: str) -> None:
        key = rest.lower()
        if not key:
            self.out("usage: /as NAME")
            return
        if key not in self.phones:
            self._add_user(rest)
        self.me = self.phones[key]
        if self.current and self.current.status_of(self.me) in ("left", "kicked"):
            await self.current.add_member(self.me)
        self.out(f"you are now {self.me.name} (phone {self.me.phone_number}, id {self.me.id})")

    def _find_group(self, name: str) -> Group | None:
        if name.isdigit() and 1 <= int(name) <= len(self.groups):
            return self.groups[int(name) - 1]
        for group in self.groups:
            if group.title == name:
                return group
        return None

    async def _switch_chat(self, rest: str) -> None:
        if rest:
            target = self._find_group(rest)
            if target is None:
                titles = ", ".join(f"{n} {g.title}" for n, g in enumerate(self.groups, 1))
                self.out(f"no group chat {rest!r}; there are: {titles}")
                return
        else:
            target = None if self.current else self.groups[0]
        self.current = target
        if target is not None:
            if target.bot_status in ("left", "kicked"):
                await target.add_bot(by=next(iter(self.phones.values())))
            if target.status_of(self.me) in ("left", "kicked"):
                await target.add_member(self.me)
        self.out(f"now chatting in {target.title if target else 'the private chat'}")

    async def _admin(self, rest: str) -> None:
        group = self.current
        if group is None:
            self.out("/admin works in a group chat: /group NAME first")
            return
        promote = rest.lower() != "off"
        mine = group.status_of(self.me) in ("creator", "administrator")
        await group.set_bot_admin(promote, by=self.me if mine else None)
        self.out(f"the bot is now {group.bot_status} of {group.title}")

    def who(self) -> None:
        """Print the users with their phones, the group chats and where you are."""
        lines = ["users (phone as the roster writes it):"]
        for phone in self.phones.values():
            number = (phone.phone_number or "").removeprefix("+86")
            you = "   ← you" if phone is self.me else ""
            lines.append(f"  {phone.name:<12} {number}  (id {phone.id}){you}")
        lines.append("group chats:")
        for index, group in enumerate(self.groups, start=1):
            here = "   ← here" if group is self.current else ""
            lines.append(f"  {index} {group.title} (bot: {group.bot_status}){here}")
        if self.current is None:
            lines.append("you are in the private chat with the bot")
        self.out("\n".join(lines))


_WRITTEN_BY = "# Written by `python -m tests.botapi`"


def write_bot_config(path: Path, server: BotApiServer) -> None:
    """A complete config for a bot that talks to `server`, its database beside the file.

    Refuses to replace a file it did not write (a real config.toml, say)."""
    if path.exists() and not path.read_text(encoding="utf-8").startswith(_WRITTEN_BY):
        raise SystemExit(f"{path} exists and was not written by this server; name another file")
    database = path.with_suffix(".db").name
    path.write_text(
        f"{_WRITTEN_BY}: the bot against the Bot API test server on this machine.\n"
        + server.config_snippet()
        + f'\n[storage]\npath = "{database}"\n\n[committee]\nname = "测试市政协"\n',
        encoding="utf-8",
    )


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


async def _run(args: argparse.Namespace) -> None:
    server = BotApiServer(
        args.token,
        bot_username=args.username,
        latency=args.latency,
        host=args.host,
        port=args.port,
        limits=Limits() if args.flood_control else Limits.off(),
    )
    await server.start()
    print(
        f"Bot API test server on http://{server.host}:{server.port} "
        f"(bot @{server.bot_username}, id {server.bot_id})\n"
    )
    if args.write_config:
        write_bot_config(Path(args.write_config), server)
        print(f"Wrote {args.write_config}: run the bot with "
              f"`liaison-bot --config {args.write_config} run`.\n")
    else:
        print("Put this into the bot's config:\n")
        print(server.config_snippet())
    groups = _names(args.groups) if args.groups else [args.group]
    chat = TerminalChat(server, _names(args.users), groups, files=Path(args.files))
    chat.who()
    print(f"Files the bot sends are saved in {args.files}/.")
    print(f"You are {chat.me.name}. Type /help for terminal commands.\n")
    watcher = asyncio.create_task(chat.watch())
    loop = asyncio.get_running_loop()
    try:
        while True:
            try:
                line = await loop.run_in_executor(None, input, "")
            except EOFError:
                break
            try:
                if not await chat.handle(line):
                    break
            except (ValueError, LookupError, PermissionError, OSError) as exc:
                print(f"error: {exc}")
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.botapi", description="Telegram Bot API test server + chat"
    )
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="123456:TEST-token")
    parser.add_argument("--username", default="liaison_test_bot")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument(
        "--users", default="Alice,Bob",
        help="comma-separated user names; their phones are 13800000001, 13800000002, … in order",
    )
    parser.add_argument(
        "--groups", metavar="TITLES",
        help='comma-separated group chats, e.g. "第一活动组,第二活动组"',
    )
    parser.add_argument("--group", default="第一活动组", help="one group chat (without --groups)")
    parser.add_argument(
        "--files", default=str(DEFAULT_FILES), metavar="DIR",
        help="folder for the documents and photos the bot sends (created when needed)",
    )
    parser.add_argument(
        "--write-config", metavar="FILE",
        help="write a whole config file for the bot (e.g. offline.toml) pointing at this server",
    )
    parser.add_argument(
        "--flood-control",
        action="store_true",
        help="enforce Telegram's flood limits (off by default here)",
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(args))


if __name__ == "__main__":
    main()
