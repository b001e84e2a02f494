"""Phone numbers: one normal form for the roster and for contacts shared in Telegram."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().\u3000]")
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_INTERNATIONAL = re.compile(r"\+[1-9]\d{6,14}")


def _digits_of(raw: str | int) -> str:
    text = str(raw).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # a number cell read from a spreadsheet
        text = text[:-2]
    text = _SEPARATORS.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    return text


def normalize_roster_phone(raw: str | int | None) -> str | None:
    """The normal form of a phone typed into the roster, or None when it is malformed.

    Stricter than a contact shared in Telegram: a number without ``+`` (or with ``+86`` /
    ``0086``) must be an 11-digit mainland mobile starting with 1, so a mistyped mobile
    (``138000000011``) is a bad row rather than an "international" number nobody has. An
    international number needs its ``+`` (or ``00``) and a country code other than 86.
    """
    if raw is None:
        return None
    text = _digits_of(raw)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("+"):
        return text if _INTERNATIONAL.fullmatch(text) else None
    return text if _CN_MOBILE.fullmatch(text) else None


def normalize_phone(raw: str | int | None) -> str | None:
    """Return the number in normal form, or None when it is not a phone number.

    Mainland mobiles become their 11 digits (``+86 138-0000-0001`` → ``13800000001``);
    other numbers keep a leading ``+`` and their digits. Telegram sends contacts without
    the plus (``8613800000001``), which is read the same way.
    """
    if raw is None:
        return None
    text = _digits_of(raw)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if _CN_MOBILE.fullmatch(text):
        return text
    if not text.startswith("+") and text.isdigit() and 11 <= len(text) <= 15:
        text = "+" + text
    if _INTERNATIONAL.fullmatch(text):
        return text
    return None
