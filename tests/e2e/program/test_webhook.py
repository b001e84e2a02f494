"""Webhook mode, end to end: Telegram posts updates to the bot, which answers once it stored
them and handles each once, even when it is posted again; requests without the secret token,
and bodies that are not updates, are refused."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from liaison.runner import run_bot
from tests.botapi import BotApiServer
from tests.e2e.harness import E2E, bind, wait_until

ROSTER = [("张三", "13800000001", "经济界", "第一活动组", "委员")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_webhook_mode_serves_members(e2e: E2E, server: BotApiServer) -> None:
    await e2e.import_roster(ROSTER, chinese=True)
    port = free_port()
    e2e.configure("telegram", mode="webhook")
    e2e.configure(
        "telegram.webhook",
        listen="127.0.0.1",
        port=port,
        url_path="tg-hook",
        public_url="https://bot.example.org",
        secret_token="s3cret-Token_1",
    )
    # The reverse proxy in front of the bot: https://bot.example.org/tg-hook → local port.
    server.webhook_proxy = f"http://127.0.0.1:{port}/tg-hook"
    stopping = asyncio.Event()
    running = asyncio.create_task(run_bot(e2e.config(), stopping))
    try:
        await wait_until(
            server,
            lambda: running.done()
            or any(c.method == "setWebhook" and c.ok for c in server.calls),
            "the bot registers its webhook",
        )
        assert not running.done()
        registered = next(c for c in server.calls if c.method == "setWebhook")
        assert registered.params["url"] == "https://bot.example.org/tg-hook"
        assert int(registered.params["max_connections"]) == 100  # Telegram's most

        zhang = e2e.user("Zhang", "13800000001")
        bound = await bind(zhang)
        assert "绑定成功" in (bound.text or "") and "张三" in (bound.text or "")
        assert e2e.member("13800000001")["telegram_user_id"] == zhang.id
        assert not any(c.method == "getUpdates" for c in server.calls)

        # Someone who found the address but not the secret gets nowhere.
        forged = {
            "update_id": 999999,
            "message": {
                "message_id": 1, "date": 0, "text": "/start",
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 42, "is_bot": False, "first_name": "X"},
            },
        }
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(
                    f"http://127.0.0.1:{port}/tg-hook", json=forged, headers=headers
                ) as answer:
                    assert answer.status == 403
            secret = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
            for body in (b"not json", b"[1, 2]", b'{"update_id": "7"}', b"{}"):
                async with http.post(
                    f"http://127.0.0.1:{port}/tg-hook", data=body, headers=secret
                ) as answer:
                    assert answer.status == 400
            assert not any(c.params.get("chat_id") in (42, "42") for c in server.calls)

            # Telegram posts an update again when it missed the first 200: handled once.
            li = e2e.user("Li", "13900000009")  # not on the roster
            await li.start()
            await li.next_message()
            again = {"update_id": 999999, "message": {
                "message_id": 999, "date": 0, "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                "chat": {"id": li.id, "type": "private"},
                "from": {"id": li.id, "is_bot": False, "first_name": "Li"},
            }}
            for _ in range(2):
                async with http.post(
                    f"http://127.0.0.1:{port}/tg-hook", json=again, headers=secret
                ) as answer:
                    assert answer.status == 200
                await e2e.wait_until_handled()
        assert "/start" in ((await li.next_message()).text or "")
        await li.expect_no_message(within=0.5)
        stored = e2e.db("SELECT update_id FROM update_inbox WHERE update_id = 999999")
        assert stored == [{"update_id": 999999}]
    finally:
        stopping.set()
        await asyncio.wait_for(running, 15)
