"""The one exporter skeleton every export uses: rights → build → sheets → files per format →
audit row → written beside the target; and the command-line wrapper around it."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Generic, TextIO, TypeVar

from bot.core.auth import Action, Actor, NotAllowed, audited_as
from bot.core.cli import UsageError, say
from bot.core.config import Config
from bot.exports.spreadsheet import (
    BadFileName,
    ExportedFile,
    ExportFormat,
    Sheet,
    XlsxBuilder,
    csv_bytes,
    format_for,
    write_beside,
)
from storage.audit import record_audit
from storage.db import Database

Filters = TypeVar("Filters")
Built = TypeVar("Built")


class Exporter(ABC, Generic[Filters, Built]):
    """Subclasses say what right an export needs, how to build it and how it becomes sheets.

    As .xlsx an export is one workbook with a worksheet per sheet; as .csv it is one file per
    sheet, named after the target with each sheet's `csv_suffixes` entry.
    """

    action: ClassVar[Action]  # the right the export needs (the operator's CLI needs none)
    audit_kind: ClassVar[str]  # the audit log's name for the export
    csv_suffixes: ClassVar[tuple[str, ...]]  # per sheet, after the file's stem
    default_name: ClassVar[str]  # the file's stem when none is given

    def __init__(self, db: Database) -> None:
        self.db = db

    @abstractmethod
    async def build(self, filters: Filters, language: str) -> Built:
        """Read what the export contains."""

    @abstractmethod
    def sheets(self, built: Built) -> list[Sheet]:
        """The sheets of the export, in order."""

    async def sheet_batches(self, built: Built) -> AsyncIterator[Sequence[Sheet]]:
        """The sheets of the .xlsx, a batch at a time, each written before the next is made:
        all of `sheets` at once, unless an export of thousands of sheets reads them in parts."""
        yield self.sheets(built)

    @abstractmethod
    def audit_detail(self, filters: Filters, built: Built) -> dict[str, Any]:
        """What the audit row records of this export (its filters, how many rows…)."""

    async def export(
        self,
        actor: Actor | None,
        fmt: ExportFormat,
        filters: Filters,
        *,
        language: str = "zh",
        name: str | None = None,
    ) -> list[ExportedFile]:
        """The export as files; `actor` None is the operator at the command line."""
        name = name or self.default_name
        if actor is not None and not actor.can(self.action):
            raise NotAllowed
        built = await self.build(filters, language)
        if fmt is ExportFormat.XLSX:
            files = [ExportedFile(f"{name}.xlsx", await self._xlsx(built))]
        else:
            files = [
                ExportedFile(f"{name}{suffix}.csv", csv_bytes(sheet.header, sheet.rows))
                for suffix, sheet in zip(self.csv_suffixes, self.sheets(built), strict=True)
            ]
        detail = {"format": fmt.value, **self.audit_detail(filters, built)}
        detail["files"] = [f.name for f in files]
        async with self.db.transaction() as conn:
            await record_audit(conn, self.audit_kind, **audited_as(actor), detail=detail,
                               at=self.db.clock())
        return files

    async def _xlsx(self, built: Built) -> bytes:
        """The workbook, each batch of sheets written in a worker thread as it comes."""
        builder = XlsxBuilder()
        try:
            async for batch in self.sheet_batches(built):
                await asyncio.to_thread(builder.add, batch)
        except BaseException:
            builder.discard()
            raise
        return await asyncio.to_thread(builder.finish)

    async def export_to(
        self,
        target: Path,
        filters: Filters,
        *,
        actor: Actor | None = None,
        language: str = "zh",
    ) -> list[Path]:
        """Write the export next to `target`, whose suffix (.xlsx or .csv) picks the format."""
        fmt = format_for(target)
        files = await self.export(actor, fmt, filters, language=language, name=target.stem)
        return await write_beside(target, files)


async def export_from_cli(
    config: Config,
    target: Path,
    out: TextIO,
    make: Callable[[Database], Awaitable[tuple[Exporter[Filters, Any], Filters]]],
) -> int:
    """`liaison-bot export …`: check the file name, open the database, let `make` choose the
    exporter and its filters (raising UsageError for a bad argument), write, say what was
    written; 0, or 2 with one line saying what was wrong, in the command line's language."""
    try:
        format_for(target)
    except BadFileName:
        print(f"export: {say('cli_export.bad_file_name', name=target.name)}", file=out)
        return 2
    try:
        async with Database(config.storage.path, config.clock) as db:
            exporter, filters = await make(db)
            written = await exporter.export_to(target, filters)
    except UsageError as exc:
        print(f"export: {exc}", file=out)
        return 2
    for path in written:
        print(say("cli_export.written", path=path), file=out)
    return 0
