"""The one reader of number arguments people type (an event's number after /leave, /qr, …).

`str.isdigit()` is no check for `int()`: "²" passes it and `int()` raises, and "٣" or "１２" are
digits `int()` reads. Numbers of 2^63 and more do not fit SQLite's integers. Here a number is
ASCII or full-width digits (what a Chinese keyboard types), with an optional leading "#", no
larger than SQLite stores; anything else is no number, and the caller says "no such …".
"""

from __future__ import annotations

import re

LARGEST = 2**63 - 1  # SQLite's largest integer
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＃", "0123456789#")
_NUMBER = re.compile(r"#?([0-9]{1,19})", re.ASCII)


def parse_number(text: str) -> int | None:
    """The whole number `text` stands for (e.g. "12", "#12", "１２"), or None."""
    match = _NUMBER.fullmatch(text.strip().translate(_FULL_WIDTH))
    if match is None:
        return None
    number = int(match[1])
    return number if number <= LARGEST else None
