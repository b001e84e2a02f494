"""Attendance: events and their announcements, check-in (QR, code, button, location), leave."""

from __future__ import annotations

from bot.attendance.tokens import LINK_PREFIX as CHECKIN_PREFIX
from handlers.attendance import checkin, events, export, leave
from handlers.attendance.buttons import (
    EventCheckIn,
    EventDraftChoice,
    EventLeaveAsk,
    EventManage,
    LeaveDecide,
    MarkPresentChoice,
    QrControl,
)
from handlers.shared.capability import Capability, Menu, command

# Leaders and staff manage events.
_MANAGERS = (Menu.LEADER, Menu.STAFF)

CAPABILITY = Capability(
    name="attendance",
    commands=(
        command("events", events.list_events, Menu.MEMBER),
        command("checkin", checkin.checkin_command, Menu.MEMBER),
        command("leave", leave.leave_command, Menu.MEMBER),
        command("newevent", events.new_event, *_MANAGERS),
        command("qr", checkin.show_qr, *_MANAGERS),
        command("attendance", checkin.show_attendance, *_MANAGERS),
        command("markpresent", checkin.mark_present, *_MANAGERS),
        command("editevent", events.edit_event, *_MANAGERS),
        command("cancelevent", events.cancel_event, *_MANAGERS),
    ),
    buttons={
        EventDraftChoice: events.draft_chosen,
        EventManage: events.event_managed,
        EventCheckIn: checkin.checkin_button,
        EventLeaveAsk: leave.leave_button,
        LeaveDecide: leave.leave_decided,
        QrControl: checkin.qr_control,
        MarkPresentChoice: checkin.mark_present_chosen,
    },
    flows={
        events.KIND_NEW: events.on_new_event_step,
        events.KIND_EDIT: events.on_edit_step,
        checkin.KIND_LOCATION: checkin.on_location_step,
        leave.KIND: leave.on_reason,
    },
    deep_links={CHECKIN_PREFIX: checkin.checkin_link, leave.LEAVE_PREFIX: leave.leave_link},
    exports={"attendance": export.export_attendance},
    jobs=(events.schedule_announcer, checkin.schedule_qr_screens),
)
