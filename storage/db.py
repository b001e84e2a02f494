"""The SQLite database: connections, pragmas, migrations and the single writer path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import aiosqlite

from domain.clock import Clock

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
# A write transaction held longer than this, or a BEGIN that waited longer than this for
# SQLite's write lock, is logged with where the transaction was opened.
SLOW_WRITE_SECONDS = 2.0
_PROJECT = str(Path(__file__).resolve().parent.parent) + "/"
_NOT_CALLERS = (__name__, contextlib.__name__)  # modules a transaction is opened through


def to_db_time(moment: datetime) -> str:
    """A UTC ISO-8601 string for storage; naive datetimes are refused."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# Values for a query's `?` (a sequence) or its `:name` placeholders (a mapping).
Params = Iterable[Any] | Mapping[str, Any]


def _bound(params: Params) -> tuple[Any, ...] | Mapping[str, Any]:
    return params if isinstance(params, Mapping) else tuple(params)


class MigrationError(Exception):
    """A migration would leave the database inconsistent; it was rolled back."""


# Numbers no migration has, on purpose; deployed databases count past them, so they stay free.
# 10: reminders was 0010 on its branch and became 0009 when the branches merged (2026-11-29).
# 15: a number skipped when 0016 was written; no migration ever had it.
SKIPPED_MIGRATIONS = frozenset({10, 15})


class MigrationNumberingError(Exception):
    """Two migrations share a number, a number is missing, or a skipped one is used: the bot
    does not start."""


def migrations(folder: Traversable | None = None) -> list[tuple[int, str, str]]:
    """The numbered .sql files under `folder` (storage/migrations), in order: (number, name,
    sql), their numbering checked. The runner applies every number above the database's
    `user_version`: of two files with one number, a database already at that number would
    never run the second; a missing number is a migration lost in a merge, and a file given a
    skipped number would never run on a deployed database."""
    folder = folder or resources.files("storage").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    check_numbering([(number, name) for number, name, _sql in found])
    return found


def check_numbering(numbered: list[tuple[int, str]]) -> None:
    """Refuse a number two files share, and a gap that is not in SKIPPED_MIGRATIONS.
    `numbered` is sorted: (number, file name)."""
    names: dict[int, list[str]] = {}
    for number, name in numbered:
        names.setdefault(number, []).append(name)
    shared = {number: files for number, files in names.items() if len(files) > 1}
    if shared:
        raise MigrationNumberingError(f"migrations share a number: {shared}")
    expected = set(range(1, max(names, default=0) + 1)) - SKIPPED_MIGRATIONS
    missing = sorted(expected - names.keys())
    if missing:
        raise MigrationNumberingError(f"migrations missing: {missing}")
    reused = sorted(SKIPPED_MIGRATIONS & names.keys())
    if reused:
        raise MigrationNumberingError(f"migration numbers skipped on purpose are used: {reused}")


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _prepare_target(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)


@dataclass
class _WriteTransaction:
    """A write transaction as its task sees it: where it was opened, and whether it still is
    (a task started inside it sees it too, and sees it end)."""

    file: str
    line: int
    function: str
    open: bool = True

    def __str__(self) -> str:
        return f"{self.file.removeprefix(_PROJECT)}:{self.line} ({self.function})"


def _opened_here() -> _WriteTransaction:
    """The transaction about to open, named after the code that opens it."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__") in _NOT_CALLERS:
        frame = frame.f_back
    return _WriteTransaction(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


_write_transaction: ContextVar[_WriteTransaction | None] = ContextVar(
    "write_transaction", default=None
)


def refuse_inside_write_transaction(what: str) -> None:
    """Raise RuntimeError if this task has a write transaction open: `what` (a Bot API call,
    a wait for the rate limiter, a read on the other connection) would hold SQLite's write
    lock, and keep every other writer waiting, for as long as it takes. A transaction waits on
    its own connection only: do the rest before it or after it."""
    current = _write_transaction.get()
    if current is not None and current.open:
        raise RuntimeError(
            f"{what} inside the write transaction opened at {current}: a write transaction "
            "must wait on nothing but its own connection"
        )


class Database:
    """Two connections: one for reads, one writer used only inside `transaction()`.

    Every write goes through `transaction()`, which takes an in-process lock and opens the
    SQLite transaction with BEGIN IMMEDIATE, so other processes (the CLI while the bot runs)
    wait on the busy timeout instead of failing half-way.
    """

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.clock = clock  # the one clock of the process: what its rows are stamped with
        self._reader: aiosqlite.Connection | None = None
        self._writer: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await _connect(self.path)
        try:
            await self._migrate()
        except BaseException:
            await self._writer.close()  # its thread would keep the process alive
            self._writer = None
            raise
        self._reader = await _connect(self.path)

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _migrate(self) -> None:
        assert self._writer is not None
        async with self._writer.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        for number, name, sql in migrations():
            if number > current:
                await self._apply(number, name, sql)

    async def _apply(self, number: int, name: str, sql: str) -> None:
        """One migration and its version bump in one transaction, with foreign keys off.

        PRAGMA foreign_keys is a no-op inside a transaction, so it is switched off before
        BEGIN: a migration may then rebuild a table others reference (SQLite's "new table,
        copy, drop, rename"). Every reference is checked before COMMIT; one that points
        nowhere rolls the migration back. Foreign keys are on again afterwards either way.
        """
        writer = self._writer
        assert writer is not None
        await writer.execute("PRAGMA foreign_keys = OFF")
        try:
            # executescript commits first; COMMIT comes after the check below.
            await writer.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};"
            )
            async with writer.execute("PRAGMA foreign_key_check") as cursor:
                broken = [tuple(row) for row in await cursor.fetchall()]
            if broken:
                raise MigrationError(f"{name} leaves references that point nowhere: {broken[:5]}")
            await writer.execute("COMMIT")
        except BaseException:
            if writer.in_transaction:
                await writer.execute("ROLLBACK")
            raise
        finally:
            await writer.execute("PRAGMA foreign_keys = ON")
        async with writer.execute("PRAGMA foreign_keys") as cursor:
            enforced = await cursor.fetchone()
        if not enforced or enforced[0] != 1:
            raise MigrationError(f"foreign keys are not enforced after {name}")

    @property
    def reader(self) -> aiosqlite.Connection:
        """The connection for reads outside a write transaction (inside one, read on the
        transaction's connection: the reader may be busy with a long export's query)."""
        if self._reader is None:
            raise RuntimeError("database is not open")
        refuse_inside_write_transaction("a read on the reader connection")
        return self._reader

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self.reader.execute(sql, _bound(params)) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self.reader.execute(sql, _bound(params)) as cursor:
            return list(await cursor.fetchall())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error).

        While it is open SQLite's write lock is held: other processes (the CLI) wait for it
        up to the busy timeout and then fail with "database is locked". So the body awaits
        its connection only: a Bot API call, a rate-limit wait or a read on the reader inside
        it is refused (refuse_inside_write_transaction); one held longer than
        SLOW_WRITE_SECONDS is logged with the line that opened it.
        """
        if self._writer is None:
            raise RuntimeError("database is not open")
        refuse_inside_write_transaction("a write transaction")  # it would wait for itself
        opened = _opened_here()
        async with self._write_lock:
            asked = time.monotonic()
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
            except asyncio.CancelledError:
                # The BEGIN was queued to SQLite's thread and runs there all the same (a task
                # cancelled at a stop): end the transaction it opens, or the next writer would
                # find one open ("cannot start a transaction within a transaction").
                with contextlib.suppress(sqlite3.Error):
                    await asyncio.shield(self._writer.execute("ROLLBACK"))
                raise
            finally:  # "database is locked" included: who waited, and for how long
                began = time.monotonic()
                if began - asked > SLOW_WRITE_SECONDS:
                    log.warning("the write transaction opened at %s waited %.1f s for SQLite's "
                                "write lock (another connection held it, or the event loop "
                                "was busy)", opened, began - asked)
            # Seen by this task and the tasks it starts, until `open` turns False (nested
            # transactions being refused, there is no outer one to restore).
            _write_transaction.set(opened)
            try:
                try:
                    yield self._writer
                except BaseException:
                    await self._writer.execute("ROLLBACK")
                    raise
                await self._writer.execute("COMMIT")
            finally:
                opened.open = False
                held = time.monotonic() - began
                if held > SLOW_WRITE_SECONDS:
                    log.warning("the write transaction opened at %s held the write lock "
                                "%.1f s", opened, held)

    async def backup(self, target: Path) -> None:
        """Copy the live database to `target` with SQLite's online backup API."""
        await asyncio.to_thread(_prepare_target, target)
        dest = await aiosqlite.connect(target)
        try:
            await self.reader.backup(dest)
        finally:
            await dest.close()
