"""Proposal windows (提案征集) and members' filings as pydantic models."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from domain.base import Model
from domain.models import Role


class WindowStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # the deadline has passed (or the office closed it)


class FilingSource(StrEnum):
    CHAT = "chat"  # the member said so with /proposals or a reminder's button
    IMPORT = "import"  # the proposal office's export, imported by staff
    STAFF = "staff"  # a correction by staff


class ProposalWindow(Model):
    id: int
    title: str
    opens_on: date
    deadline: date  # the last day of filing
    status: WindowStatus
    created_by: int | None = None
    created_at: datetime
    updated_at: datetime


class ProposalFiling(Model):
    window_id: int
    member_id: int
    count: int
    source: FilingSource
    audited: bool  # confirmed by the office (import or correction)
    updated_at: datetime


# Who files proposals: the members and the group leaders (staff are not 委员).
FILERS = (Role.MEMBER, Role.LEADER, Role.DEPUTY)
