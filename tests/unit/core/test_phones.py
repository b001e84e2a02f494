"""Phone numbers from the roster and from Telegram contacts land in one normal form."""

import pytest

from bot.core.phones import normalize_phone, normalize_roster_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800000001", "13800000001"),
        ("+86 138-0000-0001", "13800000001"),
        ("0086 13800000001", "13800000001"),
        ("8613800000001", "13800000001"),  # as Telegram sends a contact
        (13800000001, "13800000001"),
        ("13800000001.0", "13800000001"),
        ("+44 7700 900123", "+447700900123"),
        ("447700900123", "+447700900123"),
        ("1380000", None),
        ("", None),
        ("abc", None),
        (None, None),
    ],
)
def test_normalize(raw: object, expected: str | None) -> None:
    assert normalize_phone(raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800000001", "13800000001"),
        ("138-0000-0001", "13800000001"),
        ("+86 138 0000 0001", "13800000001"),
        ("0086 13800000001", "13800000001"),
        (13800000001, "13800000001"),
        ("13800000001.0", "13800000001"),
        ("+44 7700 900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        # a mistyped mainland mobile is not an international number
        ("138000000011", None),  # twelve digits
        ("23300000056", None),  # eleven digits, not starting with 1
        ("8613800000001", None),  # a country code needs its +
        ("447700900123", None),
        ("+86 138000000011", None),
        ("+86 23300000056", None),
        ("0086 1380000", None),
        ("1380000", None),
        ("", None),
        (None, None),
    ],
)
def test_roster_phone_is_mainland_unless_marked_international(
    raw: object, expected: str | None
) -> None:
    """In the roster, a number without + (or with +86/0086) must be an 11-digit mainland
    mobile starting with 1; an international number needs its + and a country code."""
    assert normalize_roster_phone(raw) == expected  # type: ignore[arg-type]
