"""Attendance: events and their announcements, check-in (QR, code, button, location), leave."""

from __future__ import annotations

from bot.attendance.tokens import LINK_PREFIX as CHECKIN_PREFIX
from handlers.attendance import (
    announcer,
    checkin,
    export,
    leave,
    manage_event,
    new_event,
    qr,
    views,
)
from handlers.attendance.buttons import (
    EventCheckIn,
    EventDraftChoice,
    EventLeaveAsk,
    EventManage,
    LeaveDecide,
    MarkAfterwardsChoice,
    MarkPresentChoice,
    QrControl,
)
from handlers.shared.capability import Capability, Menu, command

# Leaders and staff manage events.
_MANAGERS = (Menu.LEADER, Menu.STAFF)

CAPABILITY = Capability(
    name="attendance",
    commands=(
        command("events", views.list_events, Menu.MEMBER),
        command("checkin", checkin.checkin_command, Menu.MEMBER),
        command("leave", leave.leave_command, Menu.MEMBER),
        command("newevent", new_event.new_event, *_MANAGERS),
        command("qr", qr.show_qr, *_MANAGERS),
        command("attendance", views.show_attendance, *_MANAGERS, Menu.DEPUTY),
        command("markpresent", views.mark_present, *_MANAGERS),
        command("editevent", manage_event.edit_event, *_MANAGERS),
        command("cancelevent", manage_event.cancel_event, *_MANAGERS),
    ),
    buttons={
        EventDraftChoice: new_event.draft_chosen,
        EventManage: manage_event.event_managed,
        EventCheckIn: checkin.checkin_button,
        EventLeaveAsk: leave.leave_button,
        LeaveDecide: leave.leave_decided,
        QrControl: qr.qr_control,
        MarkPresentChoice: views.mark_present_chosen,
        MarkAfterwardsChoice: views.mark_afterwards_chosen,
    },
    flows={
        new_event.KIND_NEW: new_event.on_new_event_step,
        manage_event.KIND_EDIT: manage_event.on_edit_step,
        checkin.KIND_LOCATION: checkin.on_location_step,
        leave.KIND: leave.on_reason,
    },
    deep_links={CHECKIN_PREFIX: checkin.checkin_link, leave.LEAVE_PREFIX: leave.leave_link},
    exports={"attendance": export.export_attendance},
    words={"请假": leave.leave_command},  # typed alone in private chat: /leave
    jobs=(announcer.schedule_announcer, qr.schedule_qr_screens),
    # before the private catch-all: a bare code or 签到 in private chat
    handlers=(checkin.CODE_OR_WORD_HANDLER,),
)
