"""Spreadsheets for the committee: .xlsx workbooks (openpyxl) and .csv files that Excel opens
with the Chinese intact. Shared by every export (attendance sheets, the reports register)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from bot.core.controls import without_controls
from bot.core.texts import columns

_DATE_FORMAT = "yyyy-mm-dd"
_TIME_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths in characters of the default font: a little room around the text, and a
# cap so one long note does not push the other columns off the screen.
_MIN_WIDTH = 8
_MAX_WIDTH = 60
_PADDING = 2


@dataclass(frozen=True)
class Sheet:
    title: str
    header: list[str]
    rows: Sequence[Sequence[object]]


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one worksheet per sheet: header frozen, columns wide enough for it,
    dates and times as real spreadsheet dates."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    for index, sheet in enumerate(sheets):
        page = workbook.active if index == 0 else workbook.create_sheet()
        assert page is not None
        page.title = without_controls(sheet.title)
        page.append([_xlsx_cell(name) for name in sheet.header])
        for values in sheet.rows:
            page.append([_xlsx_cell(v) for v in values])
        page.freeze_panes = "A2"
        for column, width in enumerate(column_widths(sheet), start=1):
            page.column_dimensions[get_column_letter(column)].width = width
        for cells in page.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, datetime):
                    cell.number_format = _TIME_FORMAT
                elif isinstance(cell.value, date):
                    cell.number_format = _DATE_FORMAT
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: object) -> object:
    """A text without the control characters openpyxl refuses (a leave reason stored before
    typed texts were cleaned, a name from the roster file); anything else as it is."""
    return without_controls(value) if isinstance(value, str) else value


def display_width(value: object) -> int:
    """How many columns `value` takes on screen: a Chinese (wide) character counts as two."""
    if isinstance(value, datetime):
        return len("yyyy-mm-dd hh:mm")
    if isinstance(value, date):
        return len("yyyy-mm-dd")
    if value is None:
        return 0
    longest = max(str(value).splitlines() or [""], key=len)
    return columns(longest)


def column_widths(sheet: Sheet) -> list[int]:
    """The width of each column: its widest cell (header included), padded and capped."""
    widths = [display_width(name) for name in sheet.header]
    for values in sheet.rows:
        for index, value in enumerate(values[: len(widths)]):
            widths[index] = max(widths[index], display_width(value))
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
