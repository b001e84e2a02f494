"""The aiohttp transport to the Bot API: JSON calls, uploads, downloads, timeouts, errors."""


import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.telegram.http import AiohttpRequest
from tests.botapi import BotApiServer


def bot_for(server: BotApiServer, timeout: float = 5.0, base_url: str | None = None) -> Bot:
    return Bot(
        server.token,
        base_url=base_url or server.base_url,
        base_file_url=server.base_file_url,
        request=AiohttpRequest(connections=4, timeout=timeout),
        get_updates_request=AiohttpRequest(connections=1, timeout=timeout),
    )


async def test_calls_uploads_and_downloads(server: BotApiServer) -> None:
    alice = server.add_user("Alice")
    await alice.start()
    async with bot_for(server) as bot:
        assert bot.username == "liaison_test_bot"
        sent = await bot.send_message(alice.chat_id, "<b>你好</b>", parse_mode="HTML")
        assert sent.text == "你好"
        content = "姓名,手机号\n张三,13800000001\n".encode()
        document = await bot.send_document(
            alice.chat_id, content, filename="名册.csv", caption="roster"
        )
        assert document.document is not None and document.document.file_name == "名册.csv"
        file = await bot.get_file(document.document.file_id)
        assert bytes(await file.download_as_bytearray()) == content
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(1, "nobody")
    assert next(m.text for m in alice.messages) == "你好"


async def test_timeouts_and_unreachable_servers(server: BotApiServer) -> None:
    server.inject_delay("sendMessage", seconds=2.0)
    alice = server.add_user("Alice")
    await alice.start()
    async with bot_for(server, timeout=0.5) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(alice.chat_id, "slow")
    requests = AiohttpRequest(connections=1, timeout=2), AiohttpRequest(connections=1, timeout=2)
    nowhere = Bot(server.token, base_url="http://127.0.0.1:9/bot", request=requests[0],
                  get_updates_request=requests[1])
    try:
        with pytest.raises(NetworkError) as caught:
            await nowhere.initialize()
        assert server.token not in str(caught.value)
    finally:
        for request in requests:
            await request.shutdown()


async def test_a_call_without_timeouts_waits_the_transports(server: BotApiServer) -> None:
    """PTB marks a timeout the call left out with BaseRequest.DEFAULT_NONE; a read timeout
    given to the call (None: wait for ever) wins over the transport's."""
    server.inject_delay("sendMessage", seconds=1.0)
    alice = server.add_user("Alice")
    await alice.start()
    async with bot_for(server, timeout=0.3) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(alice.chat_id, "slow")
        sent = await bot.send_message(alice.chat_id, "patient", read_timeout=None)
        assert sent.text == "patient"
        sent = await bot.send_message(alice.chat_id, "given", read_timeout=3)
        assert sent.text == "given"
