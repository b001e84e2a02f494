"""Spreadsheets for the committee: .xlsx workbooks (written by bot/exports/xlsx.py) and .csv
files that Excel opens with the Chinese intact. Shared by every export (attendance sheets, the
reports register, the 履职登记表)."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from itertools import zip_longest
from pathlib import Path
from typing import cast

from bot.core.controls import without_controls
from bot.core.texts import columns
from bot.exports.xlsx import PageLayout, WorkbookWriter, Worksheet, workbook_bytes

# Column widths in characters of the default font: a little room around the text, and a
# cap so one long note does not push the other columns off the screen.
_MIN_WIDTH = 8
_MAX_WIDTH = 60
_PADDING = 2
# an export's workbook beyond this goes to a temporary file while it is written
_SPOOLED = 4 << 20


@dataclass(frozen=True)
class Table:
    """A further table on a sheet, under its rows: a bold caption line, its header, its rows
    (after one blank line)."""

    caption: str
    header: list[str]
    rows: Sequence[Sequence[object]]


@dataclass(frozen=True)
class Sheet:
    """A worksheet: a header row (frozen), rows, and maybe further tables under them; with a
    layout, how it prints (A4, fit to width, the top rows repeated on each page)."""

    title: str
    header: list[str]
    rows: Sequence[Sequence[object]]
    tables: Sequence[Table] = ()
    layout: PageLayout | None = None

    def lines(self) -> list[Sequence[object]]:
        """Every line of the sheet from the top, blank lines as empty rows."""
        lines: list[Sequence[object]] = [self.header, *self.rows]
        for table in self.tables:
            lines += [(), [table.caption], table.header, *table.rows]
        return lines

    def bold_lines(self) -> frozenset[int]:
        """The lines (0-based) of the tables' captions and headers."""
        bold: set[int] = set()
        line = 1 + len(self.rows)
        for table in self.tables:
            bold.update((line + 1, line + 2))
            line += 3 + len(table.rows)
        return frozenset(bold)


def _worksheet(sheet: Sheet, known: RowWidths) -> Worksheet:
    return Worksheet(title=sheet.title, rows=sheet.lines(), widths=column_widths(sheet, known),
                     bold_rows=sheet.bold_lines(), layout=sheet.layout)


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook with one worksheet per sheet: header frozen, columns wide enough for it,
    dates and times as real spreadsheet dates, titles made valid (see xlsx.sheet_names)."""
    known = RowWidths()
    return workbook_bytes(_worksheet(sheet, known) for sheet in sheets)


class XlsxBuilder:
    """The same workbook written a batch of sheets at a time into a temporary file (in memory
    up to a few megabytes), for an export too large to hold all its sheets at once."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=_SPOOLED)  # noqa: SIM115
        self._writer = WorkbookWriter(self._file)
        self._widths = RowWidths()

    def add(self, sheets: Iterable[Sheet]) -> None:
        for sheet in sheets:
            self._writer.add(_worksheet(sheet, self._widths))

    def finish(self) -> bytes:
        """The workbook's bytes (the temporary file is closed)."""
        try:
            self._writer.close()
            self._file.seek(0)
            return self._file.read()
        finally:
            self._file.close()

    def discard(self) -> None:
        self._file.close()


# A workbook repeats most of its texts (labels, group names, titles on many sheets): each is
# measured once.
@lru_cache(maxsize=1 << 16)
def _text_width(text: str) -> int:
    if text.isascii() and "\n" not in text:
        return len(text)
    return columns(max(text.splitlines() or [""], key=len))


def display_width(value: object) -> int:
    """How many columns `value` takes on screen: a Chinese (wide) character counts as two."""
    if type(value) is str:
        return _text_width(value)
    if isinstance(value, datetime):
        return len("yyyy-mm-dd hh:mm")
    if isinstance(value, date):
        return len("yyyy-mm-dd")
    if value is None:
        return 0
    return _text_width(str(value))


class RowWidths:
    """The widths of a row's cells, measured once for a row given again as the same tuple (an
    export shares one tuple among every sheet that has that line: an event and its outcome).
    Each remembered row is held, so no other object takes its id while it is remembered."""

    LIMIT = 1 << 14  # rows remembered, then forgotten all at once

    def __init__(self) -> None:
        self._known: dict[int, tuple[int, ...]] = {}
        self._held: list[tuple[object, ...]] = []

    def of(self, rows: Sequence[Sequence[object]]) -> list[tuple[int, ...]]:
        """Each row's widths, in order."""
        found = list(map(self._known.get, map(id, rows)))
        if None in found:
            for index, row in enumerate(rows):
                if found[index] is None:
                    found[index] = widths = tuple(map(display_width, row))
                    if type(row) is tuple:  # a list may change: measured each time
                        if len(self._known) >= self.LIMIT:
                            self._known.clear()
                            self._held.clear()
                        self._known[id(row)] = widths
                        self._held.append(row)
        return cast(list[tuple[int, ...]], found)  # every None measured above


def column_widths(sheet: Sheet, known: RowWidths | None = None) -> list[int]:
    """The width of each column: its widest cell (headers and further tables included),
    padded and capped. `known` remembers rows shared between sheets."""
    known = known if known is not None else RowWidths()
    count = max([len(sheet.header), *(len(t.header) for t in sheet.tables)])
    widths = [display_width(name) for name in sheet.header] + [0] * (count - len(sheet.header))
    parts = [(sheet.rows, len(sheet.header))]
    for table in sheet.tables:
        widths[0] = max(widths[0], display_width(table.caption))
        for index, name in enumerate(table.header):
            widths[index] = max(widths[index], display_width(name))
        parts.append((table.rows, len(table.header)))
    for rows, columns_used in parts:
        # column by column: an export has thousands of sheets of a hundred lines each
        columns = zip_longest(*known.of(rows), fillvalue=0)
        for index, column in zip(range(columns_used), columns, strict=False):
            widths[index] = max(widths[index], *column)
    return [min(_MAX_WIDTH, max(_MIN_WIDTH, width + _PADDING)) for width in widths]


def _csv_cell(value: object) -> object:
    if isinstance(value, str):
        return without_controls(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def csv_bytes(header: list[str], rows: Sequence[Sequence[object]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for values in rows:
        writer.writerow([_csv_cell(v) for v in values])
    # with a byte-order mark, so spreadsheet programs read the Chinese text as UTF-8
    return text.getvalue().encode("utf-8-sig")


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True)
class ExportedFile:
    """One file of an export: its suggested name and its bytes."""

    name: str
    content: bytes


class BadFileName(ValueError):
    """An export's file name that ends in neither .xlsx nor .csv."""


def format_for(target: Path) -> ExportFormat:
    """The export format a file name asks for; BadFileName for anything but .xlsx and .csv."""
    try:
        return ExportFormat(target.suffix.lower().lstrip("."))
    except ValueError:
        raise BadFileName(f"{target.name}: the file must end in .xlsx or .csv") from None


def _write(files: list[tuple[Path, ExportedFile]]) -> None:
    for path, exported in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(exported.content)


async def write_beside(target: Path, files: list[ExportedFile]) -> list[Path]:
    """Write the files of an export in the folder of `target`; returns their paths."""
    written = [target.with_name(f.name) for f in files]
    await asyncio.to_thread(_write, list(zip(written, files, strict=True)))
    return written
