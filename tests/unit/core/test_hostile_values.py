"""Number arguments read by the one parser; control characters out of typed texts and out of
every spreadsheet cell (attendance sheets and the reports register share the writer)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bot.core.controls import without_controls
from bot.core.numbers import LARGEST, parse_number
from bot.exports.spreadsheet import Sheet, csv_bytes, xlsx_bytes
from bot.telegram.updates import cleaned


@pytest.mark.parametrize(
    ("typed", "number"),
    [("12", 12), ("#12", 12), (" 7 ", 7), ("１２", 12), ("＃３", 3), ("0", 0),
     (str(LARGEST), LARGEST), (str(LARGEST + 1), None), ("9" * 40, None), ("²", None),
     ("1²", None), ("٣", None), ("-1", None), ("+1", None), ("1.0", None), ("", None),
     ("#", None), ("1 2", None), ("12a", None)],
)
def test_parse_number(typed: str, number: int | None) -> None:
    assert parse_number(typed) == number


def test_control_characters_become_spaces() -> None:
    assert without_controls("家中\u000b有事\x1b\x00\x7f\x85") == "家中 有事    "
    assert without_controls("第一行\n第二行\t完") == "第一行\n第二行\t完"


def test_typed_text_and_captions_are_cleaned_as_updates_are_parsed() -> None:
    raw = {"update_id": 1,
           "message": {"text": "/leave 1\u000b", "chat": {"id": 1}},
           "edited_message": {"caption": "a\x07b"}}
    assert cleaned(raw) == {"update_id": 1,
                            "message": {"text": "/leave 1 ", "chat": {"id": 1}},
                            "edited_message": {"caption": "a b"}}
    assert raw["message"]["text"] == "/leave 1\u000b"  # the stored update is not changed
    tidy = {"update_id": 2, "message": {"text": "好"}}
    assert cleaned(tidy) is tidy


def test_the_writer_writes_control_characters_as_spaces() -> None:
    sheet = Sheet("登记\x0b表", ["标题\x01", "n"], [["《关于\x0b停车》", 1], [None, "x\x1by"]])
    rows = list(load_workbook(io.BytesIO(xlsx_bytes([sheet]))).worksheets[0]
                .iter_rows(values_only=True))
    assert rows == [("标题 ", "n"), ("《关于 停车》", 1), (None, "x y")]
    assert "\x0b" not in csv_bytes(sheet.header, sheet.rows).decode("utf-8-sig")
