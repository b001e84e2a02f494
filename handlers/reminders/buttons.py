"""The reminders' inline buttons as typed callback data."""

from __future__ import annotations

from typing import Literal

from bot.telegram.callbacks import CallbackData


class ReminderAck(CallbackData):
    """收到: the member confirms they have read notice occurrence `occurrence_id`."""

    PREFIX = "rak"
    occurrence_id: int


class ReminderScreen(CallbackData):
    """/reminders: back to the list, ➕ a new one, or the delivery log (staff only)."""

    PREFIX = "rsc"
    action: Literal["list", "new", "log"]


ReminderManageAction = Literal[
    "show",  # the schedule's card with its buttons
    "pause",  # ⏸
    "resume",  # ▶
    "delete",  # 🗑: asks to confirm
    "delete_yes",  # 🗑 confirmed
    "test",  # send its text to the staff member who pressed, marked as a test
    "acks",  # who has and has not pressed 收到
]


class ReminderManage(CallbackData):
    """A staff member's action on schedule `schedule_id` (checked again when pressed)."""

    PREFIX = "rmg"
    schedule_id: int
    action: ReminderManageAction


ReminderDraftAction = Literal[
    "kind",  # 通知 or 定期提醒: `value` a DraftKind
    "audience",  # `value` an AudienceChoice
    "group",  # toggle group `value`
    "groups_done",  # the groups are chosen
    "day",  # a notice's day, `value` ISO
    "now",  # a notice sent right after saving
    "time",  # `value` "HHMM" (":" separates the fields of callback data)
    "repeat",  # `value` a Repeat
    "ordinal",  # `value` one of ORDINALS
    "weekday",  # `value` 0 (Monday) … 6
    "month_day",  # `value` 1 … 28
    "policy",  # `value` a HolidayPolicy
    "ack",  # `value` "1" with a 收到 button, "0" without
    "save",  # 保存
    "discard",  # 删除草稿
]


class ReminderDraftChoice(CallbackData):
    """A choice in the guided conversation making a reminder (checked against its step)."""

    PREFIX = "rdf"
    action: ReminderDraftAction
    value: str | None = None


class ReadingNoteStart(CallbackData):
    """分享读书心得 under the reading day's reminder (occurrence `occurrence_id`)."""

    PREFIX = "rdn"
    occurrence_id: int
