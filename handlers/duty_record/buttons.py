"""The duty record's inline buttons as typed, signed callback data. Each carries the member
(or group) and the year it shows; the service checks the presser's rights on every press."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from bot.core.config import MAX_GRADE_CHOICES
from bot.telegram.callbacks import CallbackData
from domain.duty_models import Dimension


class RecordScreen(StrEnum):
    """What a record message shows: the summary or one of the lists behind its counts."""

    SUMMARY = "s"
    EVENTS = "e"
    REPORTS = "r"
    PROPOSALS = "p"
    NOTES = "n"


class RecordView(CallbackData):
    """Show `screen` of member `member_id`'s record of `year` in the pressed message."""

    PREFIX = "dme"
    member_id: int = Field(ge=1)
    year: int = Field(ge=0, le=9999)
    screen: RecordScreen
    page: int = Field(default=0, ge=0, le=999)


class GroupMemberRecord(CallbackData):
    """A member's name under /group: their record as a new message (the overview stays)."""

    PREFIX = "dgm"
    member_id: int = Field(ge=1)
    year: int = Field(ge=0, le=9999)


class GroupPick(CallbackData):
    """A group in the list /group shows staff: that group's overview of `year`."""

    PREFIX = "dgp"
    group_id: int = Field(ge=1)
    year: int = Field(ge=0, le=9999)


class GradeMenu(CallbackData):
    """Staff's 评议 button under a member's record: the grades of `dimension` to choose from,
    in the pressed message."""

    PREFIX = "dgr"
    member_id: int = Field(ge=1)
    year: int = Field(ge=0, le=9999)
    dimension: Dimension


class GradeChoice(CallbackData):
    """A grade chosen under GradeMenu: `choice` is its place in [duty_record.grades]."""

    PREFIX = "dgc"
    member_id: int = Field(ge=1)
    year: int = Field(ge=0, le=9999)
    dimension: Dimension
    choice: int = Field(ge=0, lt=MAX_GRADE_CHOICES)


class DigestSwitchPress(CallbackData):
    """A group's button under /digest: its weekly digest switched to `on` (the state the
    button offers, so a second tap or an old message's press changes nothing unexpected)."""

    PREFIX = "dds"
    group_id: int = Field(ge=1)
    on: bool
