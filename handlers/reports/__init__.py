"""Public-opinion reports (社情民意信息): writing on a phone, staff review, the register."""

from __future__ import annotations

from bot.reports.links import ADVICE_PREFIX
from handlers.reports import (
    coauthors,
    drafts,
    export,
    flows,
    notes,
    nudge,
    queue,
    review,
    staff_notice,
    write,
)
from handlers.reports.buttons import (
    ReportCategoryChoice,
    ReportChoice,
    ReportCoauthorChoice,
    ReviewLevel,
    ReviewList,
    ReviewMove,
    ReviewOpen,
    ReviewStep,
    ReviewUndo,
)
from handlers.shared.capability import Capability, Menu, command

CAPABILITY = Capability(
    name="reports",
    commands=(
        command("report", write.start_report, Menu.MEMBER),
        command("drafts", drafts.list_drafts, Menu.MEMBER),
        command("myreports", drafts.my_reports, Menu.MEMBER),
        command("review", queue.review, Menu.STAFF),
    ),
    buttons={
        ReportChoice: write.report_chosen,
        ReportCategoryChoice: write.category_chosen,
        ReportCoauthorChoice: coauthors.coauthor_chosen,
        ReviewOpen: review.report_opened,
        ReviewList: queue.list_chosen,
        ReviewMove: notes.move_chosen,
        ReviewLevel: notes.level_chosen,
        ReviewStep: notes.step_chosen,
        ReviewUndo: review.undo_chosen,
    },
    flows={flows.WRITE_KIND: write.on_step, flows.REVIEW_KIND: notes.on_step},
    exits={flows.WRITE_KIND: write.on_exit},
    deep_links={ADVICE_PREFIX: write.advice_link},
    exports={"reports": export.export_reports},
    jobs=(nudge.schedule_nudge, staff_notice.schedule_batches),
)
