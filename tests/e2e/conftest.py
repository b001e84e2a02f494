"""Fixtures of the end-to-end tests: test server, error log, a configured world, the running bot.

`bot` runs the bot in-process as `liaison-bot run` does; every test using it fails when the
bot logged an error or the emulator saw a call it could not serve. The `liaison-bot run`
processes a test starts with `e2e.bot_process()` are killed when it ends, if still running.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.botapi import BotApiServer, Limits
from tests.e2e.harness import E2E, ErrorLog, InProcessBot, assert_server_clean


@pytest.fixture(autouse=True)
def _no_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token or config exported in the developer's shell must not reach the bot under test."""
    monkeypatch.delenv("LIAISON_BOT_TOKEN", raising=False)
    monkeypatch.delenv("LIAISON_BOT_CONFIG", raising=False)
    monkeypatch.delenv("LIAISON_BOT_CLOCK_OFFSET", raising=False)


@pytest.fixture
def limits() -> Limits:
    """Telegram's flood limits; override the fixture (e.g. with Limits.off()) to lift them."""
    return Limits()


@pytest.fixture
async def server(limits: Limits) -> AsyncIterator[BotApiServer]:
    srv = BotApiServer(limits=limits, latency=0.0)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()
    assert_server_clean(srv)


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    log = ErrorLog()
    with log.installed():
        yield log
    log.assert_clean()


@pytest.fixture
def bot_limits() -> dict[str, object] | None:
    """The bot's own [limits] config section; None keeps Telegram's (the defaults)."""
    return None


@pytest.fixture
async def e2e(
    server: BotApiServer, tmp_path: Path, error_log: ErrorLog, bot_limits: dict[str, object] | None
) -> AsyncIterator[E2E]:
    async with E2E(server, tmp_path, limits=bot_limits) as world:
        yield world


@pytest.fixture
def instant() -> str | None:
    """Where the `bot` fixture's clock starts: None for now (whatever instant the suite runs
    at); a module whose world is pinned to a date overrides it (e.g. "2026-06-15 10:00", in
    the committee's zone)."""
    return None


@pytest.fixture
async def bot(e2e: E2E, instant: str | None) -> AsyncIterator[InProcessBot]:
    if instant is not None:
        e2e.travel(instant)
    running = await e2e.start_bot()
    try:
        yield running
    finally:
        await running.stop()
