"""Receiving updates: stored before they are confirmed (and not confirmed when they could not be
stored), handled once, concurrent across users and in order per user; what a stopped bot left
unhandled is handled at the next start."""

import asyncio
import io
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from bot.core.config import Config
from bot.telegram.http import AiohttpRequest
from bot.telegram.updates import (
    MAX_REPLAYS,
    Intake,
    Poller,
    RawUpdate,
    UpdateDispatcher,
    ordering_key,
)
from liaison.doctor import run_doctor
from storage.db import Database
from storage.inbox import UpdateInbox
from tests.botapi import BotApiServer, Limits
from tests.clock import utc_now


def message(update_id: int, user_id: int) -> RawUpdate:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 0, "text": str(update_id),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": f"u{user_id}"},
        },
    }


def test_ordering_key_is_the_user_else_the_chat() -> None:
    assert ordering_key(message(1, 42)) == 42
    press = {"update_id": 2, "callback_query": {
        "id": "q", "from": {"id": 7}, "message": {"chat": {"id": -100}}}}
    assert ordering_key(press) == 7
    channel_post = {"update_id": 3, "message": {"message_id": 1, "chat": {"id": -55}}}
    assert ordering_key(channel_post) == -55
    assert ordering_key({"update_id": 4, "poll": {"id": "p"}}) == 4


async def test_in_order_per_user_concurrent_across_users() -> None:
    seen: list[tuple[int, int]] = []
    running = 0
    peak = 0

    async def handle(raw: RawUpdate) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02 if raw["update_id"] % 2 else 0.05)
        seen.append((ordering_key(raw), raw["update_id"]))
        running -= 1

    dispatcher = UpdateDispatcher(handle, max_concurrent=10)
    for uid in range(1, 31):
        dispatcher.submit(message(uid, user_id=uid % 3))
    await dispatcher.drain(5)
    assert len(seen) == 30
    for user in range(3):
        ids = [u for who, u in seen if who == user]
        assert ids == sorted(ids)
    assert peak == 3  # three users in parallel, never two updates of one user at once


async def test_handled_is_reported_also_for_a_failing_handler_not_for_a_cancelled_one() -> None:
    handled: list[int] = []
    ran: list[int] = []
    block = asyncio.Event()

    async def handle(raw: RawUpdate) -> None:
        if raw["update_id"] == 1:
            raise RuntimeError("boom")
        if raw["update_id"] == 3:
            await block.wait()
        ran.append(raw["update_id"])

    dispatcher = UpdateDispatcher(handle, max_concurrent=2, on_handled=handled.append)
    dispatcher.submit(message(1, 7))
    dispatcher.submit(message(2, 7))  # same user, after the failure
    dispatcher.submit(message(3, 8))
    await asyncio.sleep(0.05)
    assert ran == [2] and sorted(handled) == [1, 2]
    assert dispatcher.known(3) and not dispatcher.known(2)
    dispatcher.in_flight[3].cancel()  # a stop before it finished
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert sorted(handled) == [1, 2]


async def test_wait_for_room_holds_until_updates_finish() -> None:
    release = asyncio.Event()

    async def handle(raw: RawUpdate) -> None:
        await release.wait()

    dispatcher = UpdateDispatcher(handle, max_concurrent=10)
    for uid in range(1, 4):
        dispatcher.submit(message(uid, uid))
    waiting = asyncio.create_task(dispatcher.wait_for_room(3))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    release.set()
    await asyncio.wait_for(waiting, 1)


class Recorder:
    """A handler that records what it handled and can be held at one update."""

    def __init__(self, hold: int | None = None) -> None:
        self.handled: list[int] = []
        self.hold = hold
        self.release = asyncio.Event()

    async def __call__(self, raw: RawUpdate) -> None:
        if raw["update_id"] == self.hold:
            await self.release.wait()
        self.handled.append(raw["update_id"])


def start(
    db: Database, recorder: Recorder, inbox: UpdateInbox | None = None
) -> tuple[Intake, UpdateDispatcher]:
    intake = Intake(inbox or UpdateInbox(db))
    dispatcher = UpdateDispatcher(recorder, max_concurrent=8, on_handled=intake.handled)
    intake.start(dispatcher)
    return intake, dispatcher


async def inbox_rows(db: Database) -> dict[int, Any]:
    rows = await db.fetch_all("SELECT update_id, handled_at FROM update_inbox")
    return {row["update_id"]: row["handled_at"] for row in rows}


async def test_received_updates_are_stored_handled_once_and_marked(db: Database) -> None:
    recorder = Recorder()
    intake, dispatcher = start(db, recorder)
    await intake.receive([message(10, 1), message(11, 2)])
    assert set(await inbox_rows(db)) == {10, 11}  # stored before receive() returned
    await dispatcher.drain(1)
    # Telegram sends 11 again (its confirmation was lost): not handled a second time.
    await intake.receive([message(11, 2), message(12, 1)])
    await dispatcher.drain(1)
    await intake.close()
    assert sorted(recorder.handled) == [10, 11, 12]
    rows = await inbox_rows(db)
    assert set(rows) == {10, 11, 12} and all(rows.values())


async def test_a_restart_handles_what_was_stored_but_not_handled(db: Database) -> None:
    first = Recorder(hold=21)
    intake, dispatcher = start(db, first)
    await intake.receive([message(20, 1), message(21, 2), message(22, 2)])
    await asyncio.sleep(0.05)
    assert first.handled == [20]  # 21 hangs, 22 (same user) waits behind it
    for task in list(dispatcher.in_flight.values()):  # the bot stops before they finish
        task.cancel()
    await asyncio.sleep(0)
    await intake.close()
    rows = await inbox_rows(db)
    assert rows[20] is not None and rows[21] is None and rows[22] is None

    second = Recorder()
    intake, dispatcher = start(db, second)
    assert await intake.replay() == 2
    await intake.receive([message(22, 2)])  # delivered again by Telegram meanwhile: no double
    await dispatcher.drain(1)
    await intake.close()
    assert second.handled == [21, 22]
    assert all((await inbox_rows(db)).values())


async def test_old_handled_updates_are_forgotten(db: Database) -> None:
    inbox = UpdateInbox(db)
    await inbox.store([(1, "{}"), (2, "{}")], handled=())
    await inbox.mark_handled([1])
    assert await inbox.purge(utc_now() - timedelta(days=2)) == 0
    assert await inbox.purge(utc_now() + timedelta(seconds=1)) == 1  # 2 is not handled: kept
    assert [u for u, _ in await inbox.pending()] == [2]


async def test_a_stored_update_that_cannot_be_read_is_skipped_not_fatal(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await UpdateInbox(db).store([(30, "{not json"), (31, '{"update_id": 31, "message": {}}')])
    recorder = Recorder()
    intake, dispatcher = start(db, recorder)
    assert await intake.replay() == 2
    await dispatcher.drain(1)
    await intake.close()
    assert recorder.handled == [31]
    assert "stored update 30 cannot be read" in caplog.text
    assert all((await inbox_rows(db)).values())  # neither is tried again at the next start


class FlakyInbox(UpdateInbox):
    """An inbox whose first write fails, as when the disk is full or the file locked."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.failures = 1

    async def store(self, received: Any, handled: Any = ()) -> list[int]:
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("database is locked")
        return await super().store(received, handled)


async def test_updates_not_stored_are_not_confirmed_and_come_again(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    intake, dispatcher = start(db, recorder, FlakyInbox(db))
    async with BotApiServer(limits=Limits.off()) as server:
        phone = server.add_user("A")
        await phone.send("第一条")
        await phone.send("第二条")
        request = AiohttpRequest(connections=1, timeout=5.0)
        await request.initialize()
        poller = Poller(request, server.base_url + server.token, intake, poll_timeout=1,
                        request_timeout=5.0, backlog=100)
        polling = asyncio.create_task(poller.run())
        try:
            await server.wait_until_confirmed(timeout=10)  # after the second try, ≥ 1 s
            await dispatcher.drain(1)
        finally:
            poller.stop()
            await polling
            await request.shutdown()
    await intake.close()
    assert len(recorder.handled) == 2  # each handled once, though fetched twice
    assert "could not store updates" in caplog.text
    assert sorted(await inbox_rows(db)) == sorted(recorder.handled)


class CountingInbox(FlakyInbox):
    """Counts its transactions; fails the first `failures` of them."""

    def __init__(self, db: Database, failures: int = 0) -> None:
        super().__init__(db)
        self.failures = failures
        self.batches: list[list[int]] = []

    async def store(self, received: Any, handled: Any = ()) -> list[int]:
        self.batches.append([update_id for update_id, _ in received])
        return await super().store(received, handled)


async def test_updates_received_together_are_stored_in_one_transaction(db: Database) -> None:
    """Webhook requests arrive many at once: each returns once its update is stored, those
    that came while a batch was being written go in the next one, each id once."""
    recorder = Recorder()
    inbox = CountingInbox(db)
    intake, dispatcher = start(db, recorder, inbox)
    await asyncio.gather(*(intake.receive([message(40 + i, i % 3)]) for i in range(10)),
                         intake.receive([message(45, 2)]))  # posted twice at once
    assert set(await inbox_rows(db)) == set(range(40, 50))  # stored before they returned
    assert inbox.batches == [list(range(40, 50))]  # one transaction, the copy left out
    await dispatcher.drain(1)
    await intake.close()
    assert sorted(recorder.handled) == list(range(40, 50))  # each once
    for user in range(3):  # one user's in the order they came
        mine = [u for u in recorder.handled if (u - 40) % 3 == user]
        assert mine == sorted(mine)


async def test_a_batch_not_stored_fails_each_of_its_callers(db: Database) -> None:
    recorder = Recorder()
    intake, dispatcher = start(db, recorder, CountingInbox(db, failures=1))
    results = await asyncio.gather(*(intake.receive([message(60 + i, i)]) for i in range(4)),
                                   return_exceptions=True)
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)  # each answers 500
    assert await inbox_rows(db) == {}
    await intake.receive([message(61, 1)])  # Telegram posts it again
    await dispatcher.drain(1)
    await intake.close()
    assert recorder.handled == [61]


async def test_an_update_that_stops_the_bot_each_time_is_set_aside(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 7: an update whose handling kills the process is tried again at the next starts,
    a few times; then it is set aside (logged, shown by `doctor`), and the bot goes on with
    the others."""
    poison, innocent = message(40, 1), message(41, 2)
    crashes = 0
    while True:  # each pass is one run of the bot that dies while handling update 40
        recorder = Recorder(hold=40)
        intake, dispatcher = start(db, recorder)
        if crashes == 0:
            await intake.receive([poison])
        else:
            await intake.replay()
        if crashes == 1:
            await intake.receive([innocent])
        await asyncio.sleep(0.05)
        if not dispatcher.known(40):
            break
        for task in list(dispatcher.in_flight.values()):  # the process dies
            task.cancel()
        await asyncio.sleep(0)
        await intake.close()
        crashes += 1
        assert crashes < 10, "update 40 is tried at every start, forever"
    await dispatcher.drain(1)
    await intake.close()
    assert crashes == 1 + MAX_REPLAYS  # received, then tried again MAX_REPLAYS times
    assert recorder.handled == []  # 41 was handled by an earlier run
    assert (await inbox_rows(db))[41] is not None
    assert await UpdateInbox(db).pending() == []
    assert "update 40 set aside" in caplog.text
    out = io.StringIO()
    config = Config.model_validate({"storage": {"path": str(db.path)}})
    await run_doctor(config, out=out)
    assert f"【注意】更新40已搁置：共处理{MAX_REPLAYS + 1}次" in out.getvalue()
    assert "UTC" not in out.getvalue()  # received at, in the committee's zone
