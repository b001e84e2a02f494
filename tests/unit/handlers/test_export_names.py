"""What may be typed after /export: each kind's word and its names in Chinese, the names of the
sheets included (/export 履职登记表 is /export duty)."""

from __future__ import annotations

import pytest

from handlers.shared.router import export_names

KINDS = ("duty", "reports", "attendance")


@pytest.mark.parametrize(("typed", "kind"), [
    ("duty", "duty"), ("DUTY", "duty"), ("履职档案", "duty"), ("履职登记表", "duty"),
    ("reports", "reports"), ("社情民意", "reports"), ("社情民意登记表", "reports"),
    ("登记表", "reports"),
    ("attendance", "attendance"), ("出勤", "attendance"), ("签到表", "attendance"),
    ("出勤表", "attendance"),
])
def test_an_export_is_found_by_any_of_its_names(typed: str, kind: str) -> None:
    """/export looks the typed word up, lower-cased, among each kind's names."""
    assert [k for k in KINDS if typed.lower() in export_names(k)] == [kind]


def test_no_name_stands_for_two_exports() -> None:
    """Each name is one word (typed as one argument) of one kind only."""
    names = [name for kind in KINDS for name in export_names(kind)]
    assert len(names) == len(set(names))
    assert all(name and not any(c.isspace() or c == "/" for c in name) for name in names)
