"""The reports' guided conversations keep typed data: what an earlier version stored still
reads, and what is stored now has the keys it had before."""

import pytest

from domain.models import ReportStatus
from handlers.reports.flows import ReviewNoteFlow, WriteFlow
from handlers.shared.common import flow_data
from storage.conversations import SettingsRepository
from storage.db import Database

USER, CHAT = 501, 501


async def _stored(
    db: Database, kind: str, step: str, data: dict[str, object]
) -> SettingsRepository:
    """A conversation stored as a dict, as earlier versions stored them."""
    settings = SettingsRepository(db)
    await settings.save_conversation(USER, CHAT, kind, step, data)
    return settings


async def test_writing_data_of_an_earlier_version_reads(db: Database) -> None:
    settings = await _stored(
        db, "report", "title", {"report_id": 7, "editing": True, "replace": False}
    )
    conversation = await settings.conversation(USER, CHAT)
    assert conversation is not None
    assert flow_data(conversation, WriteFlow) == WriteFlow(report_id=7, editing=True)

    await settings.save_conversation(USER, CHAT, "report", "preview", {"report_id": 7})
    conversation = await settings.conversation(USER, CHAT)
    assert conversation is not None
    assert flow_data(conversation, WriteFlow) == WriteFlow(report_id=7)


async def test_review_note_data_of_an_earlier_version_reads(db: Database) -> None:
    settings = await _stored(db, "review", "note", {
        "report_id": 3, "expected": "accepted", "to": "adopted", "level": "province",
        "card": 42,
    })
    conversation = await settings.conversation(USER, CHAT)
    assert conversation is not None
    assert flow_data(conversation, ReviewNoteFlow) == ReviewNoteFlow(
        report_id=3, expected=ReportStatus.ACCEPTED, to=ReportStatus.ADOPTED,
        level="province", card=42,
    )


async def test_flows_are_stored_with_the_keys_they_had(db: Database) -> None:
    settings = SettingsRepository(db)
    flow = ReviewNoteFlow(report_id=3, expected=ReportStatus.ADOPTED, leader="张市长")
    await settings.save_conversation(USER, CHAT, flow.KIND, "comment", data=flow)
    conversation = await settings.conversation(USER, CHAT)
    assert conversation is not None
    assert conversation.kind == "review"
    assert conversation.data["report_id"] == 3
    assert conversation.data["expected"] == "adopted"
    assert conversation.data["leader"] == "张市长"

    await settings.save_conversation(
        USER, CHAT, WriteFlow.KIND, "body", data=WriteFlow(report_id=7, replace=True)
    )
    conversation = await settings.conversation(USER, CHAT)
    assert conversation is not None
    assert (conversation.kind, conversation.data) == (
        "report", {"report_id": 7, "editing": False, "replace": True}
    )


@pytest.mark.parametrize("data", [{}, {"report_id": "x"}, {"report_id": 3, "expected": "?"}])
def test_data_that_does_not_read_is_a_value_error(data: dict[str, object]) -> None:
    """on_step ends the conversation with "not understood" on a ValueError."""
    with pytest.raises(ValueError, match="validation error"):
        ReviewNoteFlow.model_validate(data)
