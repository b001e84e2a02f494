"""Catalogs: both languages complete, placeholders agree, every id used in code exists."""

import re
import string
from pathlib import Path

from bot.core.texts import Html, catalog, language_for, tr

ROOT = Path(__file__).parents[3]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogs_have_the_same_ids_and_placeholders() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert zh.keys() == en.keys()
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_every_text_id_used_in_code_exists() -> None:
    """Any "prefix.name" literal whose prefix is a catalog section must be in the catalog."""
    ids = set(catalog("zh"))
    sections = {key.split(".")[0] for key in ids}
    literal = re.compile(r'"([a-z_]+)\.([a-z_]+)"')
    used = {
        f"{section}.{name}"
        for folder in ("bot", "handlers")
        for path in (ROOT / folder).rglob("*.py")
        for section, name in literal.findall(path.read_text(encoding="utf-8"))
        if section in sections
    }
    assert len(used) > 30
    assert used - ids == set()


def test_language_choice() -> None:
    assert language_for("en-GB") == "en"
    assert language_for("zh-hans") == "zh"
    assert language_for(None) == "zh"
    assert language_for("ru") == "zh"
    assert language_for("en", chosen="zh") == "zh"


def test_values_are_escaped_unless_html() -> None:
    assert "&lt;b&gt;" in tr("en", "admin.unbound", name="<b>")
    assert "<b>" in tr("en", "admin.unbound", name=Html("<b>"))


def test_every_refusal_is_a_sentence_in_both_catalogs() -> None:
    """Item 10: handlers and the CLI turn these reasons into texts by their value; none may
    reach a person as its internal code."""
    from bot.attendance.outcomes import CheckInOutcome, LeaveOutcome
    from bot.attendance.rules import EventProblem
    from bot.members.registration import BindOutcome

    keys = (
        [f"event.problem_{p.value}" for p in EventProblem]
        + [f"checkin.{o.value}" for o in CheckInOutcome]
        + [f"leave.{o.value}" for o in LeaveOutcome]
        + [f"bind.{o.value}" for o in BindOutcome]
    )
    for language in ("zh", "en"):
        texts = catalog(language)
        missing = [key for key in keys if key not in texts]
        assert missing == [], (language, missing)
        for key in keys:
            assert not re.fullmatch(r"[a-z_.]+", texts[key].strip()), (language, key)
