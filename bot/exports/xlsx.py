"""The .xlsx writer of every export: SpreadsheetML written straight into the zip.

openpyxl builds a cell object per value and serialises it through an XML library: a workbook
of thousands of worksheets (the 履职登记表 has one per member) took it 15 s and more. Here each
worksheet is one string built from its rows, so the same workbook is written in about a second
and any Excel, WPS or openpyxl reads it. What it writes: text as inline strings, numbers,
booleans, dates and times as spreadsheet dates (yyyy-mm-dd, yyyy-mm-dd hh:mm), bold captions,
column widths, frozen top rows, and how each sheet prints (A4, orientation, fit to the page's
width, the top rows repeated on every printed page).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import IO, Literal
from xml.sax.saxutils import escape, quoteattr

from bot.core.controls import without_controls

# Forbidden in a sheet's name by Excel; a name is at most 31 characters and unique whatever
# its case.
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31
# day 0 of the 1900 date system, as Excel counts from March 1900 on
_EPOCH = date(1899, 12, 30).toordinal()

# cell styles (the cellXfs of styles.xml, in this order)
PLAIN, DAY, MOMENT, BOLD = 0, 1, 2, 3

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True)
class PageLayout:
    """How a worksheet prints: on A4, fit to the width of the page (as many pages down as it
    takes), its first `title_rows` rows at the top of every page."""

    orientation: Literal["portrait", "landscape"] = "portrait"
    title_rows: int = 1


@dataclass(frozen=True)
class Worksheet:
    """One worksheet as the writer takes it: rows of values, bold rows, widths, frozen rows."""

    title: str
    rows: Sequence[Sequence[object]]
    widths: Sequence[float]
    bold_rows: frozenset[int] = frozenset()  # 0-based
    frozen_rows: int = 1
    layout: PageLayout | None = None


class SheetNames:
    """Names Excel accepts for titles given one after another: forbidden characters as "_",
    apostrophes off the ends, at most 31 characters, and a later one of the same name
    (whatever its case) numbered: 张三, 张三 (2)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def __call__(self, title: str) -> str:
        base = _NOT_IN_SHEET_NAMES.sub("_", title).strip().strip("'") or "Sheet"
        name, number = base[:MAX_SHEET_NAME], 1
        while name.lower() in self._taken:
            number += 1
            suffix = f" ({number})"
            name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        self._taken.add(name.lower())
        return name


def sheet_names(titles: Iterable[str]) -> list[str]:
    """Names Excel accepts for these titles, in order (see SheetNames)."""
    name = SheetNames()
    return [name(title) for title in titles]


def _letters(index: int) -> str:
    """A for column 0, Z, AA …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_COLUMNS = [_letters(i) for i in range(256)]
# texts repeat (labels, group names, titles on many sheets): each is cleaned once
_clean = lru_cache(maxsize=1 << 16)(without_controls)


def _column(index: int) -> str:
    return _COLUMNS[index] if index < len(_COLUMNS) else _letters(index)


def _text(value: str) -> str:
    """An inline string, without the control characters XML cannot hold (a leave reason
    stored before typed texts were cleaned, a name from the roster file): spaces instead."""
    if not value.isascii() or not value.isprintable():
        value = _clean(value)
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    return f'<is><t xml:space="preserve">{value}</t></is>'


def _serial(value: date) -> float:
    """The spreadsheet date of a day or a moment (its zone dropped: already the committee's)."""
    days = value.toordinal() - _EPOCH
    if not isinstance(value, datetime):
        return days
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return days + seconds / 86400


def _cells(values: Sequence[object], bold: bool) -> list[str]:
    """A row as XML split where the row's number goes (the row's and each cell's reference
    hold it): str(number).join(pieces) is the row."""
    pieces = ['<row r="']
    style = f' s="{BOLD}"' if bold else ""
    cells = '">'
    for index, value in enumerate(values):
        if value is None or value == "":
            continue
        kind = type(value)
        if kind is str:
            body = f'{style} t="inlineStr">{_text(value)}</c>'  # type: ignore[arg-type]
        elif kind is int or kind is float:
            body = f"{style}><v>{value!r}</v></c>"
        elif isinstance(value, bool):
            body = f'{style} t="b"><v>{int(value)}</v></c>'
        elif isinstance(value, datetime):
            body = f' s="{MOMENT}"><v>{_serial(value)!r}</v></c>'
        elif isinstance(value, date):
            body = f' s="{DAY}"><v>{_serial(value)!r}</v></c>'
        elif isinstance(value, int | float):
            body = f"{style}><v>{value!r}</v></c>"
        else:
            body = f'{style} t="inlineStr">{_text(str(value))}</c>'
        pieces.append(f'{cells}<c r="{_column(index)}')
        cells = f'"{body}'
    pieces.append(f"{cells}</row>")
    return pieces


class _Rows:
    """Rows as XML. A row given again as the same tuple (an export shares one tuple among
    every sheet that has that line: an event and its outcome) is formatted once; each
    remembered row is held, so no other object takes its id while it is remembered."""

    LIMIT = 1 << 14  # rows remembered, then forgotten all at once

    def __init__(self) -> None:
        self._known: dict[tuple[int, bool], list[str]] = {}
        self._held: list[tuple[object, ...]] = []

    def xml(self, rows: Sequence[Sequence[object]], bold: frozenset[int]) -> list[str]:
        """The rows' XML, numbered from 1; `bold` the rows (0-based) in bold."""
        known = self._known
        result = []
        for index, values in enumerate(rows):
            key = (id(values), index in bold)
            pieces = known.get(key)
            if pieces is None:
                pieces = _cells(values, key[1])
                if type(values) is tuple:  # a list may change: formatted each time
                    if len(known) >= self.LIMIT:
                        known.clear()
                        self._held.clear()
                    known[key] = pieces
                    self._held.append(values)
            result.append(str(index + 1).join(pieces))
        return result


def _worksheet_xml(sheet: Worksheet, rows: _Rows) -> str:
    layout = sheet.layout
    parts = [f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
    if layout is not None:
        parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
    # readers that stream a sheet (openpyxl read-only) pad every row to this width
    width = max((len(values) for values in sheet.rows), default=0)
    height = max((n for n, values in enumerate(sheet.rows, 1) if values), default=0)
    if width and height:
        parts.append(f'<dimension ref="A1:{_column(width - 1)}{height}"/>')
    if sheet.frozen_rows:
        top = sheet.frozen_rows + 1
        parts.append(
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{sheet.frozen_rows}" topLeftCell="A{top}" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
            "</sheetView></sheetViews>"
        )
    else:
        parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        parts.append("<cols>")
        parts.extend(
            f'<col min="{i}" max="{i}" width="{width!r}" customWidth="1"/>'
            for i, width in enumerate(sheet.widths, start=1)
        )
        parts.append("</cols>")
    parts.append("<sheetData>")
    parts += rows.xml(sheet.rows, sheet.bold_rows)
    parts.append("</sheetData>")
    parts.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                 'footer="0.3"/>')
    if layout is not None:
        parts.append(f'<pageSetup paperSize="9" orientation="{layout.orientation}" '
                     'fitToWidth="1" fitToHeight="0"/>')
    parts.append("</worksheet>")
    return "".join(parts)


def _workbook_xml(names: list[str], title_rows: list[int]) -> str:
    listed = "".join(
        f"<sheet name={quoteattr(name)} sheetId=\"{i}\" r:id=\"rId{i}\"/>"
        for i, name in enumerate(names, start=1)
    )
    titles = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
        f"{escape(_quoted(name))}!$1:${rows}</definedName>"
        for i, (name, rows) in enumerate(zip(names, title_rows, strict=True)) if rows
    )
    defined = f"<definedNames>{titles}</definedNames>" if titles else ""
    return (f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{listed}</sheets>{defined}</workbook>")


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _package(count: int) -> dict[str, str]:
    """The parts every workbook has besides its worksheets."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
        for i in range(1, count + 1)
    )
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    types = (
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
        f"{overrides}</Types>"
    )
    doc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    root = (f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{doc}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>")
    links = "".join(
        f'<Relationship Id="rId{i}" Type="{doc}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    workbook_rels = (
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{links}'
        f'<Relationship Id="rId{count + 1}" Type="{doc}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    return {"[Content_Types].xml": types, "_rels/.rels": root,
            "xl/_rels/workbook.xml.rels": workbook_rels, "xl/styles.xml": _STYLES}


class WorkbookWriter:
    """Writes a workbook into `file` a worksheet at a time, so a workbook of thousands of
    sheets never is in memory whole: each worksheet is deflated into the zip as it is added,
    the workbook's own parts (which list the sheets) when it is closed."""

    def __init__(self, file: IO[bytes]) -> None:
        # level 1: a workbook of 5,000 sheets deflates in a third of the default's time, a
        # few per cent larger
        self._zip = zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._name = SheetNames()
        self._names: list[str] = []
        self._title_rows: list[int] = []
        self._rows = _Rows()

    def add(self, sheet: Worksheet) -> None:
        self._names.append(self._name(without_controls(sheet.title)))
        layout = sheet.layout
        self._title_rows.append(layout.title_rows if layout is not None else 0)
        self._zip.writestr(f"xl/worksheets/sheet{len(self._names)}.xml",
                           _worksheet_xml(sheet, self._rows).encode("utf-8"))

    def close(self) -> None:
        for part, content in _package(len(self._names)).items():
            self._zip.writestr(part, content)
        self._zip.writestr("xl/workbook.xml", _workbook_xml(self._names, self._title_rows))
        self._zip.close()


def workbook_bytes(sheets: Iterable[Worksheet]) -> bytes:
    """The .xlsx file of these worksheets, in order (their titles made valid and unique)."""
    buffer = io.BytesIO()
    writer = WorkbookWriter(buffer)
    for sheet in sheets:
        writer.add(sheet)
    writer.close()
    return buffer.getvalue()
