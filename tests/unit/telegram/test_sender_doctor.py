"""The outbound sender, `doctor` and `backup`, against the Bot API test server."""

import asyncio
import io
import sqlite3
from functools import partial
from pathlib import Path

from telegram.ext import ExtBot

from bot.core.cli import speaking
from bot.core.config import Config
from bot.telegram.fanout import FanOut
from bot.telegram.ratelimit import PriorityRateLimiter
from bot.telegram.sender import Delivery, Sender
from liaison.doctor import run_doctor
from storage.db import Database, to_db_time
from storage.deliveries import DeliveryRepository
from storage.inbox import UpdateInbox
from storage.members import MemberRepository
from tests.botapi import BotApiServer
from tests.clock import SYSTEM, utc_now


def config_for(server: BotApiServer, tmp_path: Path, token: str | None = None) -> Config:
    return Config.model_validate(
        {
            "telegram": {
                "token": token or server.token,
                "base_url": server.base_url,
                "base_file_url": server.base_file_url,
            },
            "storage": {"path": str(tmp_path / "bot.db")},
        }
    )


async def test_a_fan_out_pushes_once_per_key_and_blocked_recipients(
    server: BotApiServer, db: Database
) -> None:
    alice, bob, carol, dave = (server.add_user(n) for n in ("Alice", "Bob", "Carol", "Dave"))
    for phone in (alice, bob, carol):  # Dave never opened the bot: it may not write first
        await phone.start()
    await carol.block_bot()
    bot = ExtBot(server.token, base_url=server.base_url, rate_limiter=PriorityRateLimiter())
    async with bot:
        sender = Sender(bot, DeliveryRepository(db))
        pushes = [partial(sender.push, "reminder:1", p.chat_id, f"hello {p.name}")
                  for p in (alice, bob, carol, dave)]
        counts = await FanOut().push_all(pushes)
        assert counts == {Delivery.SENT: 2, Delivery.BLOCKED: 2}
        again = await FanOut().push_all(pushes)
        assert again == {Delivery.ALREADY_DONE: 4}
        assert await sender.push("reminder:2", alice.chat_id, "second") is Delivery.SENT
    assert [m.text for m in alice.messages] == ["hello Alice", "second"]
    assert [m.text for m in bob.messages] == ["hello Bob"]
    assert carol.messages == dave.messages == []
    assert await DeliveryRepository(db).status_counts("reminder:1") == {"sent": 2, "blocked": 2}


async def test_failed_push_is_retried_then_given_up(server: BotApiServer, db: Database) -> None:
    alice = server.add_user("Alice")
    await alice.start()
    server.inject_failure("sendMessage", rate=1.0)
    bot = ExtBot(server.token, base_url=server.base_url, rate_limiter=PriorityRateLimiter())
    async with bot:
        sender = Sender(bot, DeliveryRepository(db))
        results = [await sender.push("k", alice.chat_id, "hi") for _ in range(4)]
    assert results == [Delivery.FAILED] * 3 + [Delivery.ALREADY_DONE]
    assert alice.messages == []


async def test_doctor_reports_group_rights_and_token(
    server: BotApiServer, db: Database, tmp_path: Path
) -> None:
    leader = server.add_user("Leader")
    ok_chat = server.add_group("一组", members=[leader], admins=[leader])
    weak_chat = server.add_group("二组", members=[leader], admins=[leader])
    await ok_chat.add_bot(by=leader, as_admin=True)
    await weak_chat.add_bot(by=leader, as_admin=False)
    async with db.transaction() as conn:
        for name, chat in (("一组", ok_chat), ("二组", weak_chat), ("三组", None)):
            group_id = await MemberRepository.ensure_group(conn, name, now=SYSTEM())
            if chat is not None:
                await MemberRepository.bind_group_chat(conn, group_id, chat.id, chat.title,
                                                       now=SYSTEM())
        await conn.execute(
            "INSERT INTO members(name, phone, created_at, updated_at) VALUES (?, ?, ?, ?)",
            ("张三", "13800000001", to_db_time(utc_now()), to_db_time(utc_now())),
        )
    await UpdateInbox(db).store([(7, '{"update_id": 7}'), (8, '{"update_id": 8}')])
    await UpdateInbox(db).mark_handled([7])
    out = io.StringIO()
    assert await run_doctor(config_for(server, tmp_path), out=out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == "【正常】已读取配置（委员会：政协委员会；时区：Asia/Shanghai）"
    assert lines[1] == f"【正常】数据库“{tmp_path / 'bot.db'}”：委员1人（已绑定0人），活动组3个"
    assert lines[2] == "【正常】收到1条更新，尚未处理（运行 liaison-bot run 时处理）"
    assert "【正常】令牌有效：本助手为 @liaison_test_bot" in lines
    assert "【正常】活动组“一组”：本助手在群中为管理员" in lines
    assert any(
        line.startswith("【异常】活动组“二组”：本助手在群中为普通成员，请将其设为管理员")
        for line in lines
    )
    assert "【异常】活动组“三组”：尚未绑定群聊（请在本组群聊中发送 /bindgroup）" in lines

    out = io.StringIO()
    with speaking("en"):  # `liaison-bot doctor --lang en`
        assert await run_doctor(config_for(server, tmp_path), out=out) == 1
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("ok   database") and "1 members (0 bound), 3 groups" in lines[1]
    assert lines[2] == ("ok   1 update received and not yet handled (handled while "
                        "liaison-bot run is running)")
    assert "ok   token accepted: the assistant is @liaison_test_bot" in lines
    assert "ok   group 一组: the assistant is administrator" in lines
    assert any(line.startswith("FAIL group 二组: the assistant is member — make it an admin")
               for line in lines)
    assert "FAIL group 三组: no chat bound (run /bindgroup in its chat)" in lines

    out = io.StringIO()
    assert await run_doctor(config_for(server, tmp_path, token="123456:wrong"), out=out) == 1
    assert "【异常】Telegram 拒绝了令牌，请在 @BotFather 处核对" in out.getvalue()
    assert server.token not in out.getvalue()


async def test_doctor_says_when_the_bot_api_is_unreachable(tmp_path: Path) -> None:
    config = Config.model_validate(
        {
            "telegram": {
                "token": "1:x",
                "base_url": "http://127.0.0.1:9/bot",
                "request_timeout": 2,
            },
            "storage": {"path": str(tmp_path / "bot.db")},
        }
    )
    out = io.StringIO()
    assert await run_doctor(config, out=out) == 1
    assert "【异常】无法连接 Bot API（http://127.0.0.1:9/bot）：" in out.getvalue()


async def test_backup_while_another_connection_writes(db: Database, tmp_path: Path) -> None:
    """`liaison-bot backup` opens its own connection while the bot goes on writing."""

    async def keep_writing() -> None:
        for n in range(200):
            async with db.transaction() as conn:
                await MemberRepository.ensure_group(conn, f"组{n}", now=SYSTEM())

    async with Database(db.path, SYSTEM) as other:
        writing = asyncio.create_task(keep_writing())
        while not writing.done():
            await other.backup(tmp_path / "copy.db")
            with sqlite3.connect(tmp_path / "copy.db") as copy:
                assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                copied = copy.execute("SELECT count(*) FROM activity_groups").fetchone()[0]
            assert 0 <= copied <= 200
        await writing
        await other.backup(tmp_path / "copy.db")
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("SELECT count(*) FROM activity_groups").fetchone() == (200,)
