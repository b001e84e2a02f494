"""Texts of the report handlers: every refusal, move, status, level and category in both
languages, and refusals fit a button's popup (plain text, at most 200 characters)."""

import re

import pytest

from bot.core.auth import Refused, Why
from bot.core.texts import LANGUAGES, catalog
from bot.reports.workflow import REVIEW_MOVES, Refusal
from domain.models import ReportCategory, ReportStatus
from handlers.reports.render import refusal_text, split_text

POPUP_LIMIT = 200  # Telegram's limit for answerCallbackQuery text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_has_its_text(language: str) -> None:
    keys = [f"report_refusal.{reason}" for reason in [*Refusal, *Why]]
    keys += [f"review.move_{to}" for moves in REVIEW_MOVES.values() for to in moves]
    keys += [f"report_status.{status}" for status in ReportStatus]
    keys += [f"report_category.{category}" for category in ReportCategory]
    keys += [f"report.history_move{by}{note}" for by in ("", "_by") for note in ("", "_note")]
    assert [key for key in keys if key not in catalog(language)] == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", [*Refusal, *Why])  # the reports' reasons and the shared ones
def test_refusals_fit_a_popup(language: str, reason: Refusal | Why) -> None:
    message = refusal_text(
        language,
        Refused(reason, status=ReportStatus.NOT_ADOPTED, length=12345, limit=5000),
    )
    assert len(message) <= POPUP_LIMIT
    assert not re.search(r"<[a-z/]", message)  # popups show tags as they are
    assert "{" not in message


def test_long_text_is_split_at_line_ends_and_loses_nothing() -> None:
    text = "\n".join(["一" * 2000, "二" * 3000, "三" * 200, "四" * 8000])
    pieces = split_text(text, 3500)
    assert all(len(piece) <= 3500 for piece in pieces)
    assert pieces[0] == "一" * 2000  # cut at a line end rather than inside the next line
    assert pieces[1] == "二" * 3000 + "\n" + "三" * 200
    assert pieces[2] == "四" * 3500  # a line longer than a message is cut where it must be
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")
    assert split_text("") == [""]


def test_a_long_paragraph_is_split_at_a_sentence_end() -> None:
    """A report written as one long paragraph is shown in pieces that end with a sentence."""
    sentence = "建议" + "加" * 96 + "。"  # 100 characters, one sentence
    question = "是否可行" + "行" * 45 + "？"  # 50 characters
    text = (sentence * 30 + question) * 3  # one paragraph of 9150 characters
    pieces = split_text(text, 3500)
    assert all(len(piece) <= 3500 for piece in pieces)
    assert all(piece.endswith(("。", "？")) for piece in pieces)
    assert "".join(pieces) == text


def test_paragraph_ends_come_before_sentence_ends() -> None:
    first = "第一段。" * 500  # 2000 characters
    second = "第二段，" * 300 + "完。"  # a paragraph of 1202 characters
    third = "第三段。" * 200
    pieces = split_text("\n".join([first, second, third]), 3500)
    assert pieces[0] == f"{first}\n{second}"
    assert pieces[1] == third
