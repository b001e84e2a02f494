"""Optional pytest fixtures; enable with ``pytest_plugins = ["tests.botapi.pytest_plugin"]``.

* ``botapi_server`` – a started :class:`BotApiServer` with flood control off; after the
  test it asserts that the emulator produced no spec violations or internal errors.
* ``botapi_bot`` – an initialised ``telegram.Bot`` talking to that server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram

from .limits import Limits
from .server import BotApiServer


@pytest.fixture
async def botapi_server() -> AsyncIterator[BotApiServer]:
    server = BotApiServer(limits=Limits.off())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert server.spec_violations == []
    assert server.internal_errors == []


@pytest.fixture
async def botapi_bot(botapi_server: BotApiServer) -> AsyncIterator[telegram.Bot]:
    bot = telegram.Bot(
        botapi_server.token,
        base_url=botapi_server.base_url,
        base_file_url=botapi_server.base_file_url,
    )
    async with bot:
        yield bot
