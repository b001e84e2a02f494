"""The README's "Trying it offline", followed as written: its commands, pasted in order into two
terminals in an empty folder, end with the bot greeting 爱丽丝 in the test server's terminal.

Only the port is changed (to one that is free here); everything else is the README's text.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
from pathlib import Path

from tests.e2e.harness import cli_env

ROOT = Path(__file__).parents[3]


def offline_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Trying it offline", 1)[1].split("\n## ", 1)[0]


def offline_terminals() -> dict[str, list[str]]:
    """The commands of each terminal in the README's offline section's first block, in order."""
    block = offline_section().split("```", 2)[1]
    terminals: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in block.splitlines():
        marker = re.match(r"#\s*(terminal \d)", line)
        if marker:
            current = terminals.setdefault(marker.group(1), [])
        elif line.strip() and not line.startswith("#"):
            assert current is not None, f"a command before any '# terminal N': {line}"
            current.append(line)
    return terminals


async def read_until(stream: asyncio.StreamReader, seen: list[str], wanted: str) -> None:
    async with asyncio.timeout(30):
        while not any(wanted in line for line in seen):
            line = await stream.readline()
            if not line:
                raise AssertionError(f"ended before {wanted!r}:\n" + "".join(seen))
            seen.append(line.decode())


async def test_readme_offline_path_ends_with_the_bot_greeting_alice(tmp_path: Path) -> None:
    terminals = offline_terminals()
    assert sorted(terminals) == ["terminal 1", "terminal 2"]
    [server_command] = terminals["terminal 1"]
    *setup, run_command = terminals["terminal 2"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    assert "8081" in server_command
    server_command = server_command.replace("8081", port)
    for name in (".venv", "tests"):  # a clone's folder, without its other files
        (tmp_path / name).symlink_to(ROOT / name)
    env = cli_env({"PYTHONUNBUFFERED": "1"})
    env["PATH"] = os.environ.get("PATH", "")

    server = await asyncio.create_subprocess_shell(
        server_command, cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    bot: asyncio.subprocess.Process | None = None
    screen: list[str] = []
    try:
        assert server.stdout is not None and server.stdin is not None
        await read_until(server.stdout, screen, "You are Alice")
        for command in setup:
            done = await asyncio.create_subprocess_shell(
                command, cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await done.communicate()
            assert done.returncode == 0, f"{command}\n{out.decode()}"
        shown = offline_section().split("```", 4)[3].strip("\n")  # the roster as printed
        assert (tmp_path / "roster.csv").read_text(encoding="utf-8").strip("\n") == shown
        bot = await asyncio.create_subprocess_shell(
            run_command, cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        assert bot.stdout is not None
        bot_log: list[str] = []
        await read_until(bot.stdout, bot_log, "is running")
        # what the README says to type in the server's terminal
        server.stdin.write(b"/start\n")
        await read_until(server.stdout, screen, "分享我的手机号")
        server.stdin.write(b"/tap 1\n")
        await read_until(server.stdout, screen, "爱丽丝")
        greeting = next(line for line in screen if "爱丽丝" in line)
        assert "绑定成功" in greeting and "第一活动组" in greeting, greeting
    finally:
        for process in (bot, server):
            if process is not None and process.returncode is None:
                os.killpg(process.pid, signal.SIGTERM)
                await process.wait()
