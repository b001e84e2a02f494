"""The duty record in chat: /me, /group (where staff also grade a member), /stats, the
supervision reminder and the weekly digest (and /digest, its switch per group)."""

from __future__ import annotations

from handlers.duty_record import digest_switch, export, grading, group, jobs, me, stats
from handlers.duty_record.buttons import (
    DigestSwitchPress,
    GradeChoice,
    GradeMenu,
    GroupMemberRecord,
    GroupPick,
    RecordView,
)
from handlers.shared.capability import Capability, Menu, command

CAPABILITY = Capability(
    name="duty_record",
    commands=(
        command("me", me.me_command, Menu.MEMBER),
        command("group", group.group_command, Menu.LEADER, Menu.DEPUTY, Menu.STAFF),
        command("stats", stats.stats_command, Menu.STAFF),
        command("digest", digest_switch.digest_command, Menu.STAFF),
    ),
    buttons={
        RecordView: me.record_view_pressed,
        GroupMemberRecord: me.group_member_pressed,
        GroupPick: group.group_picked,
        GradeMenu: grading.grade_menu_pressed,
        GradeChoice: grading.grade_chosen,
        DigestSwitchPress: digest_switch.digest_switch_pressed,
    },
    exports={"duty": export.export_duty},
    jobs=(jobs.schedule_duty_jobs,),
    stops=(jobs.stop_duty_sending,),
)
