"""Public-opinion reports (社情民意信息): writing on a phone, staff review, the register."""

from __future__ import annotations

from handlers.reports import review, write
from handlers.reports.buttons import (
    ReportCategoryChoice,
    ReportChoice,
    ReportCoauthorChoice,
    ReviewLevel,
    ReviewList,
    ReviewMove,
    ReviewOpen,
    ReviewStep,
)
from handlers.shared.capability import Capability, Menu, command

CAPABILITY = Capability(
    name="reports",
    commands=(
        command("report", write.start_report, Menu.MEMBER),
        command("drafts", write.list_drafts, Menu.MEMBER),
        command("myreports", write.my_reports, Menu.MEMBER),
        command("review", review.review, Menu.STAFF),
    ),
    buttons={
        ReportChoice: write.report_chosen,
        ReportCategoryChoice: write.category_chosen,
        ReportCoauthorChoice: write.coauthor_chosen,
        ReviewOpen: review.report_opened,
        ReviewList: review.list_chosen,
        ReviewMove: review.move_chosen,
        ReviewLevel: review.level_chosen,
        ReviewStep: review.step_chosen,
    },
    flows={write.KIND: write.on_step, review.KIND: review.on_step},
    exports={"reports": review.export_reports},
    jobs=(review.schedule_nudge,),
)
