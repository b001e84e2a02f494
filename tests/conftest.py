"""Fixtures shared by every test: a fresh database, and the Bot API test server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.botapi.limits import Limits
from tests.botapi.server import BotApiServer
from tests.clock import SYSTEM


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database in a temporary folder, migrated to the current schema."""
    async with Database(tmp_path / "bot.db", SYSTEM) as database:
        yield database


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    """The Bot API test server with flood control off; afterwards it must have seen no call
    that breaks the Bot API's rules and had no error of its own."""
    server = BotApiServer(limits=Limits.off())
    await server.start()
    yield server
    await server.stop()
    assert server.internal_errors == []
    assert server.spec_violations == []
