"""The payloads of the reports' inline buttons (writing, review), as typed callback data."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.telegram.callbacks import CallbackData
from domain.models import ReportCategory, ReportStatus

ReportAction = Literal[
    "resume",  # continue writing this draft (or returned report)
    "new",  # start a new draft (report_id 0)
    "body_done",  # 文字写完了
    "files_done",  # attachments done / skipped
    "files_clear",  # remove every attachment
    "people_done",  # co-authors done / skipped
    "submit",  # 提交
    "edit",  # 修改: show which parts
    "save",  # ⏸ 暂存退出 (leave, draft kept)
    "leave",  # the same, from buttons sent before 暂存退出 replaced 取消 and 稍后再改
    "delete",  # 🗑 删除: ask
    "delete_yes",  # 🗑 删除: confirmed
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
    level: str = Field(pattern=r"^[a-z][a-z0-9_]{0,11}$")
    expected: ReportStatus


class ReviewStep(CallbackData):
    """/review: leader comment, no note, or leave the note step, for report `report_id`."""

    PREFIX = "rvs"
    report_id: int
    action: Literal["comment", "no_note", "cancel", "card"]


class ReviewUndo(CallbackData):
    """/review: undo move `move_id` of report `report_id` (the button under its confirmation)."""

    PREFIX = "rvu"
    report_id: int
    move_id: int
