"""Fixtures shared by every test: a fresh database, and the Bot API test server; and a check at
the end of the session that no `liaison-bot` process a test started is still running."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import AsyncIterator, Iterator
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


def bots_started_under(folder: Path) -> dict[int, str]:
    """Running `liaison-bot` processes (zombies aside) whose command line or working folder is
    under `folder`: process id → command line. Empty where there is no /proc."""
    proc, root = Path("/proc"), str(folder)
    found: dict[int, str] = {}
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = [a.decode(errors="replace")
                    for a in (entry / "cmdline").read_bytes().split(b"\0") if a]
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cwd = os.readlink(entry / "cwd")
        except (OSError, IndexError):
            continue  # gone meanwhile, or not ours to look at
        if state == "Z" or not any(Path(arg).name == "liaison-bot" for arg in argv):
            continue
        if cwd.startswith(root) or any(arg.startswith(root) for arg in argv):
            found[int(entry.name)] = " ".join(argv)
    return found


@pytest.fixture(scope="session", autouse=True)
def _no_bot_outlives_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fails the session when a `liaison-bot` process that a test started (its config or its
    folder is in this session's temporary folder) is still running at the end; kills it."""
    yield
    left = bots_started_under(tmp_path_factory.getbasetemp())
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, "liaison-bot processes left running by the tests (now killed):\n" + (
        "\n".join(f"  {pid}: {command}" for pid, command in sorted(left.items()))
    )
