"""The payloads of every inline button, as typed callback data (see bot/callbacks.py)."""

from __future__ import annotations

from typing import Literal

from bot.callbacks import CallbackData
from storage.models import AdoptionLevel, ReportCategory, ReportStatus


class BindGroupChoice(CallbackData):
    """/bindgroup: this chat is the chat of activity group `group_id`."""

    PREFIX = "bg"
    group_id: int


class LanguageChoice(CallbackData):
    """/lang: answer me in this language."""

    PREFIX = "lang"
    language: Literal["zh", "en"]


# -- public-opinion reports (社情民意信息) -----------------------------------------------------
ReportAction = Literal[
    "resume",  # continue writing this draft (or returned report)
    "new",  # start a new draft (report_id 0)
    "body_done",  # 文字写完了
    "files_done",  # attachments done / skipped
    "files_clear",  # remove every attachment
    "people_done",  # co-authors done / skipped
    "submit",  # 提交
    "edit",  # 修改: show which parts
    "save",  # 保存草稿 (leave, draft kept)
    "leave",  # 取消 (leave, draft kept)
    "delete",  # 删除草稿: ask
    "delete_yes",  # 删除草稿: confirmed
    "preview",  # back to the preview
    "title",  # edit the title
    "category",  # edit the category
    "body",  # rewrite the text
    "files",  # edit the attachments
    "people",  # edit the co-authors
]


class ReportChoice(CallbackData):
    """/report, /drafts and the writing steps: do `action` to the member's report."""

    PREFIX = "rp"
    report_id: int
    action: ReportAction


class ReportCategoryChoice(CallbackData):
    """/report: the category of report `report_id`."""

    PREFIX = "rpc"
    report_id: int
    category: ReportCategory


class ReportCoauthorChoice(CallbackData):
    """/report: add or remove a co-author of report `report_id`."""

    PREFIX = "rpa"
    report_id: int
    member_id: int
    change: Literal["add", "remove"]


class ReviewOpen(CallbackData):
    """/review: show report `report_id` with its files and the moves allowed."""

    PREFIX = "rvo"
    report_id: int


class ReviewList(CallbackData):
    """/review: the queue (status None) or the reports in `status`, from `offset`."""

    PREFIX = "rvl"
    status: ReportStatus | None = None
    offset: int = 0


class ReviewMove(CallbackData):
    """/review: move report `report_id` from `expected` (what the staff member saw) to `to`."""

    PREFIX = "rvm"
    report_id: int
    to: ReportStatus
    expected: ReportStatus


class ReviewLevel(CallbackData):
    """/review: adopt report `report_id` (now `expected`) at `level`."""

    PREFIX = "rvv"
    report_id: int
    level: AdoptionLevel
    expected: ReportStatus


class ReviewStep(CallbackData):
    """/review: leader comment, no note, or leave the note step, for report `report_id`."""

    PREFIX = "rvs"
    report_id: int
    action: Literal["comment", "no_note", "cancel", "card"]


# -- attendance: events, check-in, leave ------------------------------------------------------
EventDraftAction = Literal[
    "type",  # the event's type is `value`
    "radius",  # the check-in radius is `value` metres
    "policy",  # the check-in policy is `value`
    "group",  # toggle group `value`
    "all_groups",  # every group
    "groups_done",  # the expected groups are chosen
    "publish",  # 发布
    "discard",  # 取消
]


class EventDraftChoice(CallbackData):
    """/newevent: a choice in the guided conversation (checked against its current step)."""

    PREFIX = "evd"
    action: EventDraftAction
    value: str | None = None


EventManageAction = Literal[
    "menu",  # show what can be changed
    "title",  # change the title
    "time",  # change start and end
    "place",  # change the place
    "groups",  # change the groups expected (staff: more than one group to choose from)
    "cancel",  # ask to cancel
    "cancel_yes",  # cancel, confirmed
    "cancel_no",  # do not cancel
    "qr",  # show the check-in QR code
    "attendance",  # who is present, on leave, missing
]


class EventManage(CallbackData):
    """A leader's or staff member's action on event `event_id` (pickers of /qr, /attendance…)."""

    PREFIX = "evm"
    event_id: int
    action: EventManageAction


class EventCheckIn(CallbackData):
    """签到 under an event's announcement in a group chat."""

    PREFIX = "eci"
    event_id: int


class EventLeaveAsk(CallbackData):
    """请假: ask for leave from event `event_id` (the reason is asked in private chat)."""

    PREFIX = "elv"
    event_id: int


class LeaveDecide(CallbackData):
    """批准 / 拒绝 a leave request, pushed to whoever decides it."""

    PREFIX = "lvd"
    request_id: int
    decision: Literal["approve", "decline"]


class QrControl(CallbackData):
    """/qr: a fresh code now, or stop refreshing the message by itself."""

    PREFIX = "eqr"
    event_id: int
    action: Literal["refresh", "stop"]


class MarkPresentChoice(CallbackData):
    """/attendance: mark member `member_id` present at event `event_id`."""

    PREFIX = "emp"
    event_id: int
    member_id: int
