"""Names of activity groups: the form a typed name is kept in, and the names that differ from
another only by a slip (spaces, full-width characters, punctuation, 一 for 1), so a roster row or
a command that names "第 一活动组" is caught before it makes a second 第一活动组."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

MAX_GROUP_NAME = 100  # as a roster cell (bot/members/roster.py MAX_FIELD)

# Chinese numerals typed for digits (第一组 / 第1组): the same group.
_NUMERALS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def clean_group_name(typed: str) -> str:
    """A name as it is stored: NFKC (full-width letters and digits as ASCII) and trimmed, as a
    roster cell is read."""
    return unicodedata.normalize("NFKC", typed).strip()


def group_key(name: str) -> str:
    """What two names that mean the same group have in common: NFKC, no whitespace, invisible
    characters or punctuation anywhere, digits for Chinese numerals, case folded."""
    text = unicodedata.normalize("NFKC", name).translate(_NUMERALS).casefold()
    return "".join(c for c in text if unicodedata.category(c)[0] not in "ZPC")


def lookalike(name: str, others: Iterable[str]) -> str | None:
    """The first of `others` that differs from `name` only by a slip, if any (never `name`)."""
    key = group_key(name)
    return next((other for other in others if other != name and group_key(other) == key), None)
