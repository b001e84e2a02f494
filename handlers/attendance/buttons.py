"""Attendance's inline buttons (events, check-in, leave) as typed callback data."""

from __future__ import annotations

from typing import Literal

from bot.telegram.callbacks import CallbackData

EventDraftAction = Literal[
    "type",  # the event's type is `value`
    "radius",  # the check-in radius is `value` metres
    "policy",  # the check-in policy is `value`
    "group",  # toggle group `value`
    "all_groups",  # every group
    "groups_done",  # the expected groups are chosen
    "publish",  # 发布
    "discard",  # 取消
    "hour",  # of the two readings of an hour from 1 to 6, the one numbered `value` (0 or 1)
    "long_yes",  # the event is meant to last more than a day
    "long_no",  # it is not: the end is asked again
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
    """/attendance: mark member `member_id` present at event `event_id` (once the event is
    over: ask what to mark afterwards, with MarkAfterwardsChoice buttons)."""

    PREFIX = "emp"
    event_id: int
    member_id: int


class MarkAfterwardsChoice(CallbackData):
    """/attendance after the end: record member `member_id` as `status` (事后补记)."""

    PREFIX = "ema"
    event_id: int
    member_id: int
    status: Literal["present", "late", "leave"]
