"""A write transaction whose task is cancelled while its BEGIN is on the way (a stop cancels
tasks) leaves the writer usable: the next transaction opens and commits."""

from __future__ import annotations

import asyncio

import pytest

from storage.db import Database


async def test_a_cancelled_begin_leaves_no_transaction_open(db: Database) -> None:
    started = asyncio.Event()

    async def write() -> None:
        started.set()
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO activity_groups(name, created_at) VALUES ('x', '')")

    task = asyncio.create_task(write())
    await started.wait()
    await asyncio.sleep(0)  # now awaiting its BEGIN, queued to SQLite's thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO activity_groups(name, created_at) VALUES ('y', '')")
    names = [row["name"] for row in await db.fetch_all("SELECT name FROM activity_groups")]
    assert names == ["y"]
