"""Claim before send, in every path that pushes scheduled work: a reminder's fan-out, the
supervision reminder (督导提醒), the weekly group digest and the notices of a changed event.

The bot under them is a stand-in whose `send_message` looks in the database (its own
connection, so only what is committed counts) at the moment it is called: the delivery being
sent must already be there, pending. A crash between the send and its record then finds the
pending row and does not send again (or, at most once, records the push as unconfirmed).
The SIGKILL tests under tests/e2e show the same only when the kill happens to fall between
the two; these show it for every send.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from telegram.ext import ExtBot

from bot.core.config import Config
from bot.duty_record.digest import DigestService
from bot.duty_record.supervision import SupervisionService
from bot.reminders.audience import Audience
from bot.reminders.timing import OneOff
from bot.telegram.fanout import FanOut
from bot.telegram.sender import Delivery
from handlers.attendance.announcer import _notify
from handlers.duty_record.jobs import send_digest, send_supervision
from handlers.reminders.delivery import fan_out
from handlers.shared.context import Services
from liaison.app import open_services
from storage.db import Database
from storage.members import MemberRepository
from tests.clock import FrozenClock
from tests.supervision_world import NOW, SupervisionWorld, seed

GROUP_CHAT = -1001234


@dataclass(frozen=True)
class SentMessage:
    message_id: int


@dataclass(frozen=True)
class Send:
    chat_id: int
    message_id: int
    pending: frozenset[str]  # keys of this chat's deliveries pending when send_message ran


@dataclass
class ClaimWatchingBot:
    """Stands in for the ExtBot: every send "arrives" (a new message id) and notes which
    deliveries to that chat the database held as pending at that moment."""

    db_path: Path
    sends: list[Send] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send_message(self, chat_id: int, text: str, **_: Any) -> SentMessage:
        conn = sqlite3.connect(self.db_path, timeout=10)
        try:
            rows = conn.execute(
                "SELECT key FROM deliveries WHERE chat_id = ? AND status = 'pending'",
                (chat_id,),
            ).fetchall()
        finally:
            conn.close()
        message_id = next(self._ids)
        self.sends.append(Send(chat_id, message_id, frozenset(key for (key,) in rows)))
        return SentMessage(message_id)

    def assert_each_send_was_claimed_first(self) -> None:
        """Every send is recorded as sent under a key that was pending when it was made."""
        assert self.sends, "nothing was sent"
        conn = sqlite3.connect(self.db_path, timeout=10)
        try:
            recorded = {
                (chat_id, message_id): key for key, chat_id, message_id in conn.execute(
                    "SELECT key, chat_id, message_id FROM deliveries WHERE status = 'sent'")
            }
        finally:
            conn.close()
        for send in self.sends:
            key = recorded.get((send.chat_id, send.message_id))
            assert key is not None, f"the send to {send.chat_id} is not on record as sent"
            assert key in send.pending, (
                f"{key} to {send.chat_id} was sent before it was claimed "
                f"(pending then: {sorted(send.pending)})"
            )


@dataclass
class Committee:
    services: Services
    db: Database  # the database the services stand on, for a test's own writes
    world: SupervisionWorld
    bot: ClaimWatchingBot
    clock: FrozenClock


@pytest.fixture
async def committee(tmp_path: Path) -> AsyncIterator[Committee]:
    """The small committee of tests/supervision_world.py, its services as the bot opens them
    over the watching bot, the clock standing at its NOW (09:30 on 1 September 2026)."""
    config = Config.model_validate({
        "telegram": {"token": "123456:TEST-token", "base_url": "http://127.0.0.1:9/bot"},
        "storage": {"path": str(tmp_path / "bot.db")},
    })
    clock = FrozenClock(NOW)
    config.clock = clock
    bot = ClaimWatchingBot(tmp_path / "bot.db")
    async with Database(config.storage.path, clock) as db:
        services = await open_services(config, cast(ExtBot[Any], bot), db)
        try:
            world = seed(db.path)
            yield Committee(services, db, world, bot, clock)
        finally:
            await services.attendance.close()


async def test_a_reminder_fan_out_claims_each_member_before_sending(
    committee: Committee,
) -> None:
    services, clock = committee.services, committee.clock
    await services.reminders.create(
        None, title="全会筹备通知", body="请按时参加。", audience=Audience.all_members(),
        rule=OneOff(at_utc=(NOW + timedelta(minutes=1)).astimezone(UTC)),
    )
    clock.advance(timedelta(minutes=2))
    work = await services.reminders.due()
    (due,) = work.send
    total = await fan_out(services, due, "liaison_test_bot", FanOut())
    assert total[Delivery.SENT] == len(committee.bot.sends) >= 4
    committee.bot.assert_each_send_was_claimed_first()


async def test_supervision_claims_each_nudge_list_and_summary_before_sending(
    committee: Committee,
) -> None:
    services = committee.services
    supervision = SupervisionService(services.duty_record, services.reminders)
    period = await supervision.due(NOW)
    assert period is not None
    await supervision.begin(period)
    (run,) = await supervision.unfinished()
    sent = await send_supervision(services, supervision, run, FanOut())
    # the nudges of members behind, the leaders' lists, the staff's summary
    assert set(sent) == {Delivery.SENT} and sent[Delivery.SENT] == len(committee.bot.sends) >= 3
    committee.bot.assert_each_send_was_claimed_first()


async def test_the_digest_claims_its_group_chat_before_sending(committee: Committee) -> None:
    services, world, clock = committee.services, committee.world, committee.clock
    async with committee.db.transaction() as conn:
        await MemberRepository.bind_group_chat(conn, world.groups["第一活动组"], GROUP_CHAT,
                                               "第一活动组群", now=clock())
    monday = datetime(2026, 9, 14, 9, 0, tzinfo=NOW.tzinfo)
    clock.set(monday)
    digest = DigestService(services.duty_record, services.reminders)
    week = await digest.due(monday)
    assert week is not None
    await digest.begin(week)
    sent = await send_digest(services, digest, week.key, FanOut())
    assert sent == {Delivery.SENT: 1}
    assert [s.chat_id for s in committee.bot.sends] == [GROUP_CHAT]
    committee.bot.assert_each_send_was_claimed_first()


async def test_the_notices_of_a_cancelled_event_claim_each_member_before_sending(
    committee: Committee,
) -> None:
    services, world = committee.services, committee.world
    # announced in 第一活动组's chat: its members were told of it, so they are told again
    async with committee.db.transaction() as conn:
        await MemberRepository.bind_group_chat(conn, world.groups["第一活动组"], GROUP_CHAT,
                                               "第一活动组群", now=committee.clock())
    await services.attendance.save_announcement(world.events["E4"], GROUP_CHAT, 1)
    change = await services.attendance.cancel_event(None, world.events["E4"], "改期")
    assert change.event is not None and len(change.notify) >= 3
    await _notify(services, f"event:{change.event.id}:cancel", change.notify,
                  {"zh": "活动已取消", "en": "The event is cancelled"}, FanOut())
    assert len(committee.bot.sends) == len(change.notify)
    committee.bot.assert_each_send_was_claimed_first()
