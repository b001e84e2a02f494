"""Pydantic models returned by the repositories and used by the services."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain.base import Model


class Role(StrEnum):
    """What a person on the roster is, besides being a member."""

    MEMBER = "member"
    LEADER = "leader"
    DEPUTY = "deputy"  # 副组长: sees their group's records, without the leader's other powers
    STAFF = "staff"
    ADMIN = "admin"



class ActivityGroup(Model):
    id: int
    name: str
    chat_id: int | None = None
    chat_title: str | None = None


class Member(Model):
    id: int
    name: str
    phone: str
    sector: str
    group_id: int | None
    group_name: str | None = None
    role: Role
    telegram_user_id: int | None = None
    bound_at: datetime | None = None
    deactivated_at: datetime | None = None  # left the roster: history kept, no pushes, no acts

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


class Invite(Model):
    token: str
    member_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = None


class Conversation(Model):
    telegram_user_id: int
    chat_id: int
    kind: str
    step: str
    data: dict[str, object]
    updated_at: datetime


# -- public-opinion reports (社情民意信息) -----------------------------------------------------


class ReportCategory(StrEnum):
    """The fixed categories of a report; labels live in the catalog as report_category.*."""

    ECONOMY = "economy"  # 经济发展
    LIVELIHOOD = "livelihood"  # 民生保障
    GOVERNANCE = "governance"  # 社会治理
    ECOLOGY = "ecology"  # 生态环境
    CULTURE_EDUCATION = "culture_education"  # 文化教育
    HEALTH = "health"  # 医疗卫生
    RULE_OF_LAW = "rule_of_law"  # 法治建设
    OTHER = "other"  # 其他


class ReportStatus(StrEnum):
    """Where a report is; the allowed moves between them are in bot/reports/workflow.py."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # 已提交
    ACCEPTED = "accepted"  # 受理
    RETURNED = "returned"  # 退回修改
    ADOPTED = "adopted"  # 采用
    FORWARDED = "forwarded"  # 报送
    KEPT = "kept"  # 留存
    NOT_ADOPTED = "not_adopted"  # 不予采用


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


class ReportAttachment(Model):
    """A photo or document kept by its Telegram file_id."""

    position: int
    kind: AttachmentKind
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime: str | None = None


class ReportCoauthor(Model):
    member_id: int
    name: str
    telegram_user_id: int | None = None


class Report(Model):
    """A report with its author, co-authors and attachments (the current working copy)."""

    id: int
    author_member_id: int
    author_name: str
    author_telegram_id: int | None = None
    author_group_id: int | None = None
    author_group_name: str | None = None
    author_sector: str = ""
    number: str | None = None
    title: str
    category: ReportCategory | None = None
    body: str
    status: ReportStatus
    level: str | None = None  # a code of [[duty_record.levels]]: the highest adopted at
    forwarded_to: str | None = None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    status_at: datetime
    version: int
    # Telegram message id of the last text appended (a redelivered message is not added twice)
    body_message_id: int | None = None
    attachments: tuple[ReportAttachment, ...] = ()
    coauthors: tuple[ReportCoauthor, ...] = ()

    def involves(self, member_id: int) -> bool:
        """Whether the member wrote or co-wrote this report."""
        return member_id == self.author_member_id or any(
            c.member_id == member_id for c in self.coauthors
        )


class ReportVersion(Model):
    """What was submitted the n-th time."""

    report_id: int
    version: int
    title: str
    category: ReportCategory
    body: str
    attachments: tuple[ReportAttachment, ...] = ()
    submitted_at: datetime


class ReportMove(Model):
    """One status change: who, when, from, to, and the note, level or addressee given."""

    id: int
    report_id: int
    at: datetime
    actor_tg_id: int | None = None
    actor_member_id: int | None = None
    actor_name: str | None = None
    from_status: ReportStatus
    to_status: ReportStatus
    note: str | None = None
    level: str | None = None  # adopted: the level adopted at (a [[duty_record.levels]] code)
    forwarded_to: str | None = None
    version: int
    undoes: int | None = None  # this move undid move `undoes` (a move back)


class LeaderComment(Model):
    """A leader's comment (领导批示) on an adopted report."""

    id: int
    report_id: int
    leader: str
    text: str
    at: datetime
    recorded_by_tg_id: int | None = None
    recorded_by_member: int | None = None


class ReportHistory(Model):
    """A report with every move and leader comment, oldest first."""

    report: Report
    moves: tuple[ReportMove, ...] = ()
    comments: tuple[LeaderComment, ...] = ()
    versions: tuple[ReportVersion, ...] = ()


# -- attendance -------------------------------------------------------------------------------
class EventType(StrEnum):
    """Kinds of activity, as the committee counts them."""

    READING = "reading"  # 委员阅读日
    ADVICE = "advice"  # 委员建言日
    INSPECTION = "inspection"  # 视察调研
    CONSULTATION = "consultation"  # 协商
    MEETING = "meeting"  # 会议
    STUDY = "study"  # 学习
    OTHER = "other"  # 其他


class EventPolicy(StrEnum):
    """How members may check in: any path, or only with proof of being at the venue."""

    OPEN = "open"
    VENUE = "venue"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Venue(Model):
    """The venue point: a check-in by QR or code must come from within `radius_m` of it."""

    lat: float
    lon: float
    radius_m: int


class Event(Model):
    id: int
    type: EventType
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    venue: Venue | None
    policy: EventPolicy
    status: EventStatus
    group_ids: tuple[int, ...]
    created_by: int | None
    created_at: datetime
    updated_at: datetime


class EventAnnouncement(Model):
    event_id: int
    chat_id: int
    message_id: int


class CheckInMethod(StrEnum):
    QR = "qr"
    CODE = "code"
    BUTTON = "button"
    LOCATION = "location"
    STAFF = "staff"


class CheckIn(Model):
    event_id: int
    member_id: int
    at: datetime
    method: CheckInMethod
    late: bool
    marked_by: int | None = None


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class LeaveRequest(Model):
    id: int
    event_id: int
    member_id: int
    reason: str
    status: LeaveStatus
    decided_by: int | None
    decided_at: datetime | None
    created_at: datetime


class AttendanceStatus(StrEnum):
    """A member's standing at one event: a check-in wins, then approved leave."""

    PRESENT = "present"
    LATE = "late"
    LEAVE = "leave"  # approved leave: excused
    PENDING = "pending"  # leave asked, not decided
    NOT_YET = "not_yet"  # no check-in yet and the event has not ended
    ABSENT = "absent"  # the event ended without a check-in or approved leave


class AttendanceRecord(Model):
    """One expected member at one event, with what is on record."""

    event: Event
    member: Member
    status: AttendanceStatus
    checkin: CheckIn | None = None
    leave: LeaveRequest | None = None

    @property
    def marked_afterwards(self) -> bool:
        """Whether the standing was recorded by a leader or staff after the event's end
        (事后补记): a check-in made then (a member's own cannot be), or leave first recorded
        then (a member asks before the end)."""
        return marked_afterwards(self.event, self.checkin, self.leave)


def marked_afterwards(event: Event, checkin: CheckIn | None, leave: LeaveRequest | None) -> bool:
    """See AttendanceRecord.marked_afterwards: a check-in wins over leave, as in the standing."""
    if checkin is not None:
        return checkin.method is CheckInMethod.STAFF and checkin.at >= event.ends_at
    return (leave is not None and leave.status is LeaveStatus.APPROVED
            and leave.created_at >= event.ends_at)


class EventDraft(Model):
    """What an event is made of when created or edited (checked by the attendance service)."""

    type: EventType
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    venue: Venue | None = None
    policy: EventPolicy = EventPolicy.OPEN
    group_ids: tuple[int, ...]


class QrScreen(Model):
    """A /qr message kept fresh on a screen at a venue (one per chat), until `until`."""

    chat_id: int
    event_id: int
    telegram_user_id: int
    message_id: int
    language: str
    until: datetime
