"""Reading the office's spreadsheets (the roster, proposal filings, the holiday calendar,
attendance marks, grades): a .xlsx (its first sheet) or a .csv as Excel in China saves it
(UTF-8 with or without BOM, or GB18030), each cell as text the same way, and the one shape of a
row's problem, reported with the row's number as the spreadsheet shows it (header = row 1)."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.core.cli import say


class TableFileError(Exception):
    """The file as a whole cannot be used: missing, wrong type, unreadable, no header or
    missing columns."""


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return say("cli.row", line=self.line, reason=self.reason)


def cell(value: object) -> str:
    """A cell as text: NFKC (full-width digits and letters made plain), stripped; a whole number
    typed into a number cell (a phone) without its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _csv_lines(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(text.splitlines()))
    raise TableFileError(say("cli_table.not_text"))


def _xlsx_lines(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableFileError(say("cli_table.cannot_open", error=type(exc).__name__)) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def raw_lines(path: Path) -> Sequence[Sequence[object]]:
    """Every line of the file, cells as stored (an xlsx date cell stays a datetime)."""
    if not path.is_file():
        raise TableFileError(say("cli_table.no_file", path=path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_lines(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_lines(path)
    raise TableFileError(say("cli_table.wrong_type"))


def read_lines(path: Path) -> list[tuple[int, list[str]]]:
    """The lines that have something in them, as (row number as the spreadsheet shows it, the
    cells as text)."""
    lines = ((number, [cell(value) for value in raw])
             for number, raw in enumerate(raw_lines(path), start=1))
    return [(number, cells) for number, cells in lines if any(cells)]


def print_row_errors(errors: Sequence[RowError], out: TextIO) -> None:
    """Every problem by row, then how many rows are bad: the answer of an import that writes
    nothing because of them."""
    for error in sorted(errors, key=lambda e: e.line):
        print(error, file=out)
    print(say("cli.bad_rows", count=len({error.line for error in errors})), file=out)
