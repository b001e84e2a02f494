"""Phone numbers from the roster and from Telegram contacts land in one normal form."""

import pytest

from bot.core.phones import normalize_phone


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
