"""Standalone test server with a small terminal chat: ``python -m tests.botapi``.

Run the server, point the bot at it (``--write-config offline.toml`` writes a whole config file
for the bot; the ``[telegram]`` lines are printed on start either way) and type as a committee
member.  Commands of the terminal (everything else is sent to the bot):

    /press N              press inline button N of the bot's last message in this chat
    /tap N                tap reply-keyboard button N (contact/location buttons share them)
    /contact              share your own contact
    /location LAT LON     share a location
    /photo PATH           send a photo file      /doc PATH   send a file as a document
    /as NAME              switch to (or create) the user NAME
    /group                toggle between the private chat and the group chat
    /block, /unblock      block or unblock the bot
    /who                  list users and where you are      /help   this text
    /quit                 stop
    //cmd ...             send "/cmd ..." to the bot even if it is a terminal command
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from .limits import Limits
from .model import MessageView
from .phone import Group, Phone
from .server import BotApiServer

HELP = __doc__.split("\n\n", 1)[1] if __doc__ else ""
TERMINAL_COMMANDS = {
    "/press",
    "/tap",
    "/contact",
    "/location",
    "/photo",
    "/doc",
    "/as",
    "/group",
    "/block",
    "/unblock",
    "/who",
    "/help",
    "/quit",
}


def _render(view: MessageView, where: str, edited: bool = False) -> str:
    flag = " (edited)" if edited else ""
    lines = [f"[bot → {where}{flag}] {view.text or ''}"]
    if view.photo:
        lines.append("  [photo]")
    if view.document:
        lines.append(f"  [document {view.document.get('file_name', '')}]")
    number = 1
    for row in view.buttons:
        cells = []
        for text in row:
            cells.append(f"[{number}] {text}")
            number += 1
        lines.append("  " + "   ".join(cells))
    return "\n".join(lines)


class TerminalChat:
    """Prints what the bot sends and turns typed lines into user actions."""

    def __init__(self, server: BotApiServer, users: list[str], group_title: str) -> None:
        self.server = server
        self.phones: dict[str, Phone] = {}
        for name in users:
            self.phones[name.lower()] = server.add_user(name, language_code="zh-hans")
        self.me = next(iter(self.phones.values()))
        members = list(self.phones.values())
        self.group: Group = server.add_group(group_title, members=members[1:], admins=members[:1])
        self.in_group = False
        self._seen: dict[tuple[int, int], int] = {}

    def _where(self, chat_id: int) -> str:
        if chat_id == self.group.id:
            return self.group.title
        return self.server.users[chat_id].first_name

    async def watch(self) -> None:
        """Print new and edited bot messages in every chat."""
        while True:
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
                        print(
                            f"[bot deleted message {stored.message_id} in {self._where(chat.id)}]"
                        )
                    else:
                        print(_render(MessageView(stored), self._where(chat.id), edited))
            await self.server._wait_change(3600)

    def _last_bot_message(self) -> MessageView | None:
        inbox = self.group if self.in_group else self.me
        return inbox.last_message

    async def handle(self, line: str) -> bool:
        """Process one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        chat = self.group if self.in_group else None
        word, _, rest = line.partition(" ")
        if line.startswith("//"):
            await self.me.send(line[1:], chat)
            return True
        if word not in TERMINAL_COMMANDS:
            await self.me.send(line, chat)
            return True
        if word == "/quit":
            return False
        if word == "/help":
            print(HELP)
        elif word == "/press":
            await self._press(rest)
        elif word == "/tap":
            rows = (self.group.keyboard if self.in_group else self.me.keyboard) or []
            texts = [t for row in rows for t in row]
            index = int(rest or "0") - 1
            if 0 <= index < len(texts):
                await self.me.tap(texts[index], chat)
            else:
                print(f"no reply-keyboard button {rest}; keyboard: {rows}")
        elif word == "/contact":
            await self.me.share_contact(chat=chat)
        elif word == "/location":
            lat, lon = (float(x) for x in rest.split())
            await self.me.share_location(lat, lon, chat=chat)
        elif word in ("/photo", "/doc"):
            path = Path(rest)
            data = await asyncio.to_thread(path.read_bytes)
            if word == "/photo":
                await self.me.send_photo(data, chat=chat)
            else:
                await self.me.send_document(data, file_name=path.name, chat=chat)
        elif word == "/as":
            key = rest.strip().lower()
            if key not in self.phones:
                self.phones[key] = self.server.add_user(rest.strip(), language_code="zh-hans")
                await self.group.add_member(self.phones[key])
            self.me = self.phones[key]
            print(f"you are now {self.me.name} (id {self.me.id})")
        elif word == "/group":
            await self._toggle_group()
        elif word == "/block":
            await self.me.block_bot()
        elif word == "/unblock":
            await self.me.unblock_bot()
        elif word == "/who":
            names = ", ".join(f"{p.name}({p.id})" for p in self.phones.values())
            place = self.group.title if self.in_group else "private chat"
            print(f"users: {names}; you: {self.me.name} in {place}")
        return True

    async def _press(self, rest: str) -> None:
        message = self._last_bot_message()
        if message is None:
            print("the bot has not sent anything here yet")
            return
        buttons = [text for row in message.inline_keyboard for text in (b["text"] for b in row)]
        index = int(rest or "0") - 1
        if not 0 <= index < len(buttons):
            print(f"no button {rest}; buttons: {buttons}")
            return
        try:
            answer = await self.me.press(message, buttons[index], timeout=10)
        except AssertionError as exc:
            print(f"(no answer: {exc})")
            return
        if answer is not None and answer.text:
            kind = "alert" if answer.show_alert else "toast"
            print(f"[{kind}] {answer.text}")

    async def _toggle_group(self) -> None:
        self.in_group = not self.in_group
        if self.in_group and self.group.bot_status in ("left", "kicked"):
            admin = next(iter(self.phones.values()))
            await self.group.add_bot(by=admin)
        if self.in_group and self.group.status_of(self.me) in ("left", "kicked"):
            await self.group.add_member(self.me)
        print(f"now chatting in {self.group.title if self.in_group else 'private chat'}")


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
    chat = TerminalChat(
        server, [n.strip() for n in args.users.split(",") if n.strip()], args.group
    )
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
    parser.add_argument("--users", default="Alice,Bob", help="comma-separated user names")
    parser.add_argument("--group", default="第一活动组", help="title of the group chat")
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
