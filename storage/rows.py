"""Row helpers every repository shares: read rows on a connection, stored times, placeholders."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from storage.db import from_db_time


async def fetch_rows(
    conn: aiosqlite.Connection, sql: str, params: Iterable[object] = ()
) -> list[sqlite3.Row]:
    """Every row of `sql` on `conn` (inside the caller's transaction)."""
    async with conn.execute(sql, tuple(params)) as cursor:
        return list(await cursor.fetchall())


def required_time(text: str) -> datetime:
    """A stored time from a NOT NULL column, aware, in UTC."""
    moment = from_db_time(text)
    assert moment is not None
    return moment


def placeholders(count: int) -> str:
    """`?, ?, …` for an IN (…) of `count` values."""
    return ", ".join("?" * count)
