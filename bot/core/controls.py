"""Control characters out of what people type, and out of every spreadsheet cell.

A phone's keyboard, a pasted text or a hostile client can put characters such as U+000B
(vertical tab) or U+001B (escape) into a leave reason or a report's title: they show as
nothing or as boxes, and openpyxl refuses to write them (IllegalCharacterError). Each is
replaced with a space, so a text keeps its length (and the offsets of its entities).
Tab, newline and carriage return are kept.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def without_controls(text: str) -> str:
    """`text` with every control character (but tab, newline, carriage return) a space."""
    return _CONTROLS.sub(" ", text)
