"""Pydantic models of the duty record (履职档案), as its repository returns them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from pydantic import Field

from domain.base import Model
from domain.models import LeaderComment


class Scope(Model):
    """Whose record: one member, one group, some members (`member_ids`, as an export reads
    everyone a batch at a time), or everyone on the roster (staff excepted)."""

    member_id: int | None = None
    group_id: int | None = None
    member_ids: tuple[int, ...] | None = None
    active_only: bool = False  # leave out members who left the roster


class DutyCounts(Model):
    """A member's year in figures, straight from the aggregates."""

    member_id: int
    name: str
    phone: str
    group_id: int | None
    group_name: str | None
    active: bool
    joined_at: datetime | None = None  # first joined a group; None: since before the record
    expected: int = 0  # events over that expected a group the member was in at the time
    attended: int = 0  # events checked in at (late ones included), expected or not
    late: int = 0
    on_leave: int = 0  # expected, approved leave, no check-in
    absent: int = 0  # expected, neither check-in nor approved leave
    attended_expected: int = 0  # of the expected, checked in at
    submitted: int = 0  # reports submitted as first author
    coauthored: int = 0
    adopted: dict[str, int] = Field(default_factory=dict)  # level code → count
    instructed: int = 0  # reports with a leader's instruction (领导批示)
    not_adopted: int = 0
    proposals: int = 0
    reading_notes: int = 0

    @property
    def adopted_total(self) -> int:
        return sum(self.adopted.values())


class Outcome(StrEnum):
    PRESENT = "present"
    LATE = "late"
    LEAVE = "leave"
    ABSENT = "absent"


class EventLine(Model):
    member_id: int
    event_id: int
    title: str
    type: str
    starts_at: datetime
    outcome: Outcome
    expected: bool  # of the member's group (a check-in elsewhere is counted, not expected)


@dataclass(frozen=True, slots=True)
class YearEvent:
    """A scheduled event of the year, shared by every member's lines of an export (a million
    of them at 10,000 members: no model per line)."""

    event_id: int
    title: str
    type: str
    starts_at: datetime
    stored_start: str  # as stored: the order of the lines, and "before the member left"
    over: bool  # ended by the time the figures are computed
    groups: frozenset[int]  # the groups expected at it


class EventOutcome(NamedTuple):
    """One of a member's event lines in an export: what an EventLine says, the event shared
    (a tuple: half a million are made for 5,000 members)."""

    event: YearEvent
    outcome: Outcome
    expected: bool


class ReportLine(Model):
    member_id: int
    report_id: int
    number: str | None
    title: str
    category: str | None
    status: str
    level: str | None  # the highest level adopted at; it stands when forwarded on
    forwarded_to: str | None = None
    submitted_at: datetime
    coauthor: bool  # the member is a co-author, not the first author
    comments: tuple[LeaderComment, ...] = ()  # the leaders' instructions (领导批示), in order

    @property
    def instructed(self) -> bool:
        return bool(self.comments)


class ProposalLine(Model):
    member_id: int
    window_id: int
    title: str
    deadline: date
    count: int
    audited: bool


class NoteLine(Model):
    member_id: int
    book: str
    created_at: datetime


class Dimension(StrEnum):
    """The two assessed by staff beside the computed 履职实绩."""

    CONDUCT = "conduct"  # 作风表现
    SATISFACTION = "satisfaction"  # 群众满意度


class Grade(Model):
    member_id: int
    year: int
    dimension: Dimension
    grade: str
    remarks: str
    set_by: int | None
    set_at: datetime


class RunKind(StrEnum):
    SUPERVISION = "supervision"
    DIGEST = "digest"


class DutyRun(Model):
    key: str
    kind: RunKind
    due_at: datetime
    done: bool


class Nudge(Model):
    """A member found below the pro-rated minimums by a supervision run: item → how many short."""

    run_key: str
    member_id: int
    group_id: int | None
    shortfall: dict[str, int]


class AdoptedReport(Model):
    """A 社情民意信息 adopted in a span of time, for the weekly digest of its author's group."""

    report_id: int
    group_id: int
    author: str
    title: str
    level: str | None
    adopted_at: datetime


class DigestSwitch(Model):
    """A group with its chat (None: not bound) and whether its weekly digest is off."""

    group_id: int
    name: str
    chat_id: int | None
    digest_off: bool
