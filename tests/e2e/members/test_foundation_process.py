"""Foundation, end to end, with the real `liaison-bot` command in a subprocess.

SIGKILL right after a binding was confirmed loses nothing; a missing token or a bad config key
stops the command with exit status 2 and one line; the token never appears in the log; a stop
while the Bot API cannot be reached leaves nothing open.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

from tests.botapi import BotApiServer
from tests.e2e.harness import (
    E2E,
    LIAISON_BOT,
    bind,
    bot_config,
    cli_env,
    run_cli,
    write_config,
)

ROSTER = [("张三", "13800000001", "经济界", "第一活动组", "member")]


async def test_binding_survives_sigkill(e2e: E2E) -> None:
    await e2e.import_roster(ROSTER)
    process = e2e.bot_process()
    await process.start()
    zhang = e2e.user("Zhang", "13800000001")
    await bind(zhang)  # the user has seen the confirmation…
    assert await process.kill() == -signal.SIGKILL  # …and the bot dies at once
    assert e2e.member("13800000001")["telegram_user_id"] == zhang.id
    assert process.log_problems() == []

    await process.start()
    await zhang.send("/start")
    hello = await zhang.wait_for(lambda m: "张三委员，您好" in (m.text or ""), timeout=10)
    assert "第一活动组" in (hello.text or "")
    # an update that was in flight at the kill may come again: it must not bind twice
    assert len(e2e.db("SELECT id FROM audit_log WHERE action = 'member_bind'")) == 1
    assert not [m for m in zhang.messages if "绑定成功" in (m.text or "")][1:]
    assert await process.terminate() == 0
    await e2e.server.wait_until_confirmed()
    assert process.log_problems() == []


async def test_run_without_token_exits_2_with_one_line(server: BotApiServer,
                                                       tmp_path: Path) -> None:
    sections = bot_config(server, tmp_path / "x.db")
    del sections["telegram"]["token"]
    config = write_config(tmp_path / "config.toml", sections)
    result = await run_cli("--config", config, "run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "@BotFather" in line and "LIAISON_BOT_TOKEN" in line
    assert server.calls == []


async def test_bad_config_key_exits_2_naming_it(server: BotApiServer, tmp_path: Path) -> None:
    cases = {
        "telegram.tokn": ("telegram", "tokn", "x"),
        "committee.timezone": ("committee", "timezone", "Mars/Olympus_Mons"),
        "limits.messages_per_second": ("limits", "messages_per_second", -1),
    }
    for key, (section, name, value) in cases.items():
        sections = bot_config(server, tmp_path / "x.db")
        sections.setdefault(section, {})[name] = value
        config = write_config(tmp_path / "config.toml", sections)
        result = await run_cli("--config", config, "run", cwd=tmp_path)
        assert result.returncode == 2, (key, result.output)
        [line] = result.stderr.splitlines()
        assert key in line, line
    assert server.calls == []


async def test_token_never_appears_in_the_log(tmp_path: Path) -> None:
    token = "987654321:AAH-secret_TOKEN-value-42xyz"
    secret = token.split(":", 1)[1]
    async with BotApiServer(token=token) as server, E2E(server, tmp_path) as e2e:
        await e2e.import_roster(ROSTER)
        process = e2e.bot_process(verbose=True)
        await process.start()
        zhang = e2e.user("Zhang", "13800000001")
        await bind(zhang)
        # errors on the way log exceptions and retries, whose texts might carry URLs
        server.inject_failure("sendMessage", error_code=500, times=1)
        await zhang.send("/help")
        await zhang.wait_for(lambda m: "抱歉" in (m.text or ""))
        server.inject_failure("getUpdates", error_code=502, times=1)
        await zhang.send("/help")
        await zhang.wait_for(lambda m: "您可以使用以下命令" in (m.text or ""), timeout=10)
        invite = await e2e.cli("-v", "members", "invite", "13800000001")
        assert await process.terminate() == 0
    log = process.stdout + process.stderr + invite.output
    assert "DEBUG" in log and "error while handling update" in log  # the log was written
    assert "getUpdates failed" in log
    assert secret not in log and token not in log
    # nor the server's own secret, the key that signs callback data
    [key] = e2e.db("SELECT value FROM app_secrets WHERE name = 'callback'")
    assert repr(key["value"])[2:-1] not in log


async def test_stop_while_the_bot_api_is_unreachable_is_clean(tmp_path: Path) -> None:
    """SIGTERM while the bot is still waiting for the Bot API: exit 0, nothing left open
    (aiohttp would say "Unclosed client session" on stderr)."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path / "config.toml", {
        "telegram": {"token": "123456:TEST-token", "base_url": f"http://127.0.0.1:{port}/bot",
                     "base_file_url": f"http://127.0.0.1:{port}/file/bot"},
        "storage": {"path": str(tmp_path / "x.db")},
    })
    err_path = tmp_path / "bot.err"
    with err_path.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            LIAISON_BOT, "--config", str(config), "run", cwd=tmp_path, env=cli_env(),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )
    try:
        for _ in range(200):  # until it has tried at least twice
            if err_path.read_text().count("Bot API unreachable") >= 2:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the bot never tried the Bot API:\n{err_path.read_text()}")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = err_path.read_text()
    assert "Unclosed" not in log, log
    assert not [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line]
