"""What the README tells a new office about the chat matches what the bot shows (issue 18, item
19): the buttons it names are the catalog's, a venue-verified announcement's one button is the
one it names, and level names come from the config alone."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.texts import tr

README = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")


def _paragraph(start: str) -> str:
    """The README's bullet that begins with `start`, joined into one line."""
    found = re.search(r"^- " + re.escape(start) + r".*?(?=^- |^#|\Z)", README, re.M | re.S)
    assert found, start
    return " ".join(found.group(0).split())


def test_the_report_preview_buttons_are_named_as_the_bot_shows_them() -> None:
    writing = _paragraph("`/report`")
    for button in ("submit", "edit", "save", "delete", "resubmit"):
        assert tr("zh", f"report.button_{button}") in writing, button
    assert "保存草稿" not in writing and "/ 取消" not in writing


def test_a_venue_verified_announcement_carries_the_leave_button_only() -> None:
    said = re.search(r"venue-verified event's announcement carries (\S+) only", README)
    assert said and said.group(1) == tr("zh", "event.button_leave")


def test_level_names_come_from_the_config() -> None:
    assert "[[duty_record.levels]]`, the only source of level names" in README
    assert "本级" not in README
