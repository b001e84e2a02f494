"""The bot's job queue: a repeating job whose run outlasts its interval (a reminders tick while
the Bot API is slow) runs one at a time, and the runs it skips fill no log with APScheduler's
"maximum number of running instances reached" warnings (issue #19, item 6)."""

import asyncio
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.core.config import Config, StorageConfig, TelegramConfig
from handlers.shared.context import Context
from liaison.app import build_application


async def test_a_run_longer_than_its_interval_is_neither_overlapped_nor_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = Config(telegram=TelegramConfig(token=SecretStr("123456:TEST-token")),
                    storage=StorageConfig(path=tmp_path / "liaison.db"))
    application = build_application(config)  # wired as `liaison-bot run` wires it
    jobs = application.job_queue
    assert jobs is not None
    for job in jobs.jobs():  # the bot's own jobs need its services (not opened here)
        job.schedule_removal()
    runs, running, most_at_once = 0, 0, 0

    async def slow(context: Context) -> None:
        nonlocal runs, running, most_at_once
        runs += 1
        running += 1
        most_at_once = max(most_at_once, running)
        try:
            await asyncio.sleep(0.35)  # three and a half intervals
        finally:
            running -= 1

    caplog.set_level(logging.DEBUG, logger="apscheduler")
    caplog.set_level(logging.DEBUG, logger="bot.telegram.jobs")
    jobs.run_repeating(slow, interval=0.1, first=0.05, name="slow")
    await jobs.start()
    try:
        await asyncio.sleep(1.3)
    finally:
        await jobs.stop()

    assert runs >= 3  # it kept running, one run after another
    assert most_at_once == 1
    warnings = [r.getMessage() for r in caplog.records
                if r.name.startswith("apscheduler") and r.levelno >= logging.WARNING]
    assert warnings == []
    skipped = [r for r in caplog.records if r.name == "bot.telegram.jobs"]
    assert skipped and all(r.levelno == logging.DEBUG for r in skipped)
    assert "slow" in skipped[0].getMessage()
