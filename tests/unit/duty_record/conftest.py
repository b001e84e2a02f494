"""The duty record's jobs against the Bot API test server: the services as the bot opens them,
the small committee of tests/supervision_world.py seeded, every bound member with a phone,
the clock on its NOW."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram.ext import ExtBot

from bot.core.config import Config
from bot.telegram.ratelimit import PriorityRateLimiter
from handlers.shared.context import Services
from liaison.app import open_services
from storage.db import Database
from tests.botapi import BotApiServer, Phone
from tests.supervision_world import NOW, ROSTER, SupervisionWorld, seed


@dataclass
class Committee:
    services: Services
    db: Database  # the database the services stand on, for a test's own reads and writes
    world: SupervisionWorld
    phones: dict[str, Phone]


@pytest.fixture
async def committee(server: BotApiServer, tmp_path: Path) -> AsyncIterator[Committee]:
    phones = {phone: server.add_user(name) for name, phone, _, _, bound in ROSTER if bound}
    for phone in phones.values():
        await phone.start()
    config = Config.model_validate({
        "telegram": {"token": server.token, "base_url": server.base_url,
                     "base_file_url": server.base_file_url},
        "storage": {"path": str(tmp_path / "bot.db")},
    })
    bot = ExtBot(server.token, base_url=server.base_url, rate_limiter=PriorityRateLimiter())
    async with bot, Database(config.storage.path, config.clock) as db:
        services = await open_services(config, bot, db)
        services.duty_record.clock = services.reminders.clock = lambda: NOW
        world = seed(db.path, {p: phone.id for p, phone in phones.items()})
        try:
            yield Committee(services, db, world, phones)
        finally:
            await services.attendance.close()
