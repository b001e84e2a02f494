"""/report: a member writes a public-opinion report (社情民意信息), step by step.

Steps: title → category (buttons) → text (several messages joined; 文字写完了) → photos and
documents (optional; an album is acknowledged once: handlers.reports.attachments) →
co-authors (optional) → the preview (handlers.reports.preview) with 提交 / 修改 / 暂存退出 /
删除. Every input is saved to the draft at once through bot.reports (ReportService),
and the step is kept in the conversations table (kind "report"), so a restart, a lost signal
or a week away loses nothing: /report resumes.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.core.auth import Refused
from bot.reports.links import category_of_payload
from bot.reports.workflow import Refusal
from bot.reports.writing import MAX_ATTACHMENTS, MAX_BODY, MAX_TITLE
from domain.models import Conversation, Member, Report, ReportCategory, ReportStatus
from handlers.reports.access import private_writer, writer
from handlers.reports.attachments import file_of, files_keyboard, on_files
from handlers.reports.buttons import ReportAction, ReportCategoryChoice, ReportChoice
from handlers.reports.coauthors import on_people, people_keyboard
from handlers.reports.flows import WRITE_KIND, WriteFlow, WriteStep, save_flow
from handlers.reports.preview import (
    delete_keyboard,
    edit_keyboard,
    overview,
    people_names,
    preview_keyboard,
    show_preview,
)
from handlers.reports.render import (
    answer,
    category_label,
    choice_button,
    local_time,
    refuse,
    send,
    title_of,
)
from handlers.reports.staff_notice import tell_staff_of_submission
from handlers.shared.common import (
    button_rows,
    current_conversation,
    edit_pressed_markup,
    edit_pressed_message,
    end_conversation,
    flow_data,
    reply,
    text,
)
from handlers.shared.context import Context

_STEP_NUMBER = {
    WriteStep.TITLE: 1, WriteStep.CATEGORY: 2, WriteStep.BODY: 3, WriteStep.FILES: 4,
    WriteStep.PEOPLE: 5,
}
_STEPS_IN_ALL = 5


# -- keyboards --------------------------------------------------------------------------------
def _category_keyboard(context: Context, report_id: int) -> InlineKeyboardMarkup:
    codec = context.services.codec
    buttons = [
        InlineKeyboardButton(
            category_label(context.lang, category),
            callback_data=codec.encode(
                ReportCategoryChoice(report_id=report_id, category=category)
            ),
        )
        for category in ReportCategory
    ]
    return InlineKeyboardMarkup(button_rows(buttons, 2))


def _one(context: Context, key: str, report_id: int, action: ReportAction) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[choice_button(context, key, report_id, action)]])


# -- the steps --------------------------------------------------------------------------------
def _step_prefix(context: Context, step: WriteStep, editing: bool) -> str:
    if editing or step not in _STEP_NUMBER:
        return ""
    return text(context, "report.step", number=_STEP_NUMBER[step], total=_STEPS_IN_ALL) + " "


async def _ask(
    update: Update,
    context: Context,
    report: Report,
    step: WriteStep,
    *,
    editing: bool = False,
    replace: bool = False,
) -> None:
    """Move the conversation to `step` and ask for its input."""
    if step is WriteStep.PREVIEW:
        await show_preview(update, context, report)
        return
    await save_flow(
        update, context, step, WriteFlow(report_id=report.id, editing=editing, replace=replace)
    )
    prefix = _step_prefix(context, step, editing)
    markup: InlineKeyboardMarkup | None = None
    if step is WriteStep.TITLE:
        prompt = text(context, "report.ask_title", limit=MAX_TITLE)
        if report.title:
            prompt += "\n" + text(context, "report.current_title", title=report.title)
    elif step is WriteStep.CATEGORY:
        prompt = text(context, "report.ask_category")
        markup = _category_keyboard(context, report.id)
    elif step is WriteStep.BODY:
        if replace:
            prompt = text(context, "report.ask_body_replace", length=len(report.body),
                          limit=MAX_BODY)
        elif report.body:
            prompt = text(context, "report.ask_body_more", length=len(report.body),
                          limit=MAX_BODY)
        else:
            prompt = text(context, "report.ask_body", limit=MAX_BODY)
        markup = _one(context, "report.button_body_done", report.id, "body_done")
    elif step is WriteStep.FILES:
        prompt = text(context, "report.ask_files", limit=MAX_ATTACHMENTS,
                      count=len(report.attachments))
        markup = files_keyboard(context, report)
    else:
        prompt = text(context, "report.ask_people", people=people_names(context, report))
        markup = people_keyboard(context, report)
    await send(update, context, prefix + prompt, markup)


def _first_missing(report: Report) -> WriteStep:
    if not report.title:
        return WriteStep.TITLE
    if report.category is None:
        return WriteStep.CATEGORY
    if not report.body:
        return WriteStep.BODY
    return WriteStep.PREVIEW


async def _resume(update: Update, context: Context, report: Report) -> None:
    """Continue a draft (or a returned report) where the member left it."""
    if report.status is ReportStatus.RETURNED:
        await show_preview(update, context, report)
        return
    step = _first_missing(report)
    conversation = await current_conversation(update, context, WRITE_KIND, report_id=report.id)
    editing = conversation is not None and flow_data(conversation, WriteFlow).editing
    if (
        step is WriteStep.PREVIEW
        and conversation is not None
        and conversation.step in (WriteStep.BODY, WriteStep.FILES, WriteStep.PEOPLE)
    ):
        step = WriteStep(conversation.step)  # where the member was when they left off
    if step is WriteStep.PREVIEW:
        await show_preview(update, context, report)
        return
    if report.title or report.body:
        pieces, summary = overview(context, report, text(context, "report.resume_heading"))
        for piece in pieces:
            await send(update, context, piece)
        await send(update, context, summary)
    await _ask(update, context, report, step, editing=editing)


async def _next_after(
    update: Update, context: Context, report: Report, step: WriteStep, editing: bool
) -> None:
    """Go on after `step` is done: the next step, or back to the preview when editing."""
    if editing:
        await show_preview(update, context, report)
        return
    following = {
        WriteStep.TITLE: WriteStep.CATEGORY, WriteStep.CATEGORY: WriteStep.BODY,
        WriteStep.BODY: WriteStep.FILES, WriteStep.FILES: WriteStep.PEOPLE,
        WriteStep.PEOPLE: WriteStep.PREVIEW,
    }[step]
    if following is WriteStep.CATEGORY and report.category is not None:
        following = WriteStep.BODY  # suggested by the link that opened the report
    await _ask(update, context, report, following)


async def _editing(update: Update, context: Context, report_id: int) -> bool:
    conversation = await current_conversation(update, context, WRITE_KIND, report_id=report_id)
    return conversation is not None and flow_data(conversation, WriteFlow).editing


# -- commands ---------------------------------------------------------------------------------
async def start_report(update: Update, context: Context) -> None:
    """/report: resume the current draft or start a new report."""
    member = await private_writer(update, context)
    if member is None:
        return
    service = context.services.reports
    draft = await service.current_draft(member)
    if draft is None:
        await _ask(update, context, await service.start_draft(member), WriteStep.TITLE)
        return
    drafts = await service.list_drafts(member)
    message = text(
        context, "report.draft_found", title=title_of(context.lang, draft),
        time=local_time(context.lang, draft.updated_at, context.services.config.zone,
                        context.services.today()),
    )
    if len(drafts) > 1:
        message += "\n" + text(context, "report.more_drafts", count=len(drafts))
    await send(update, context, message, InlineKeyboardMarkup([
        [choice_button(context, "report.button_resume", draft.id, "resume")],
        [choice_button(context, "report.button_new", 0, "new")],
    ]))


async def advice_link(update: Update, context: Context, payload: str) -> None:
    """t.me/<bot>?start=rpt_<category> (the 建言日 reminder): a new report in that category."""
    category = category_of_payload(payload)
    if category is None:
        await reply(update, context, "start.unknown_link")
        return
    member = await private_writer(update, context)
    if member is None:
        return
    service = context.services.reports
    report = await service.set_category(member, (await service.start_draft(member)).id, category)
    await reply(update, context, "report.advice_started",
                category=category_label(context.lang, category))
    await _ask(update, context, report, WriteStep.TITLE)


# -- buttons ----------------------------------------------------------------------------------
async def report_chosen(update: Update, context: Context, data: ReportChoice) -> None:
    """A button of the writing conversation (resume, done, submit, edit, save, delete…)."""
    member = await writer(update, context)
    if member is None:
        return
    service = context.services.reports
    action = data.action
    try:
        if action == "new":
            await answer(update)
            await edit_pressed_markup(update, None)
            await _ask(update, context, await service.start_draft(member), WriteStep.TITLE)
            return
        if action == "submit":
            await _submit(update, context, member, data.report_id)
            return
        if action == "delete_yes":
            await service.discard_draft(member, data.report_id)
            await answer(update)
            await end_conversation(update, context)
            await edit_pressed_markup(update, None)
            await reply(update, context, "report.deleted")
            return
        report = await service.editable_report(member, data.report_id)
        await _act(update, context, member, report, action)
    except Refused as refused:
        if action == "submit" and refused.reason is Refusal.ALREADY_HANDLED:
            refused = Refused(Refusal.NOT_EDITABLE, status=refused.status)  # tapped twice
        await refuse(update, context, refused)


async def _act(
    update: Update, context: Context, member: Member, report: Report, action: ReportAction
) -> None:
    service = context.services.reports
    if action == "body_done" and not report.body:
        await refuse(update, context, Refused(Refusal.BODY_EMPTY))
        return
    await answer(update)
    if action == "resume":
        await edit_pressed_markup(update, None)
        await _resume(update, context, report)
    elif action == "edit":
        await edit_pressed_markup(update, edit_keyboard(context, report.id))
    elif action == "delete":
        await edit_pressed_markup(update, delete_keyboard(context, report.id))
    elif action == "preview":
        await edit_pressed_markup(update, preview_keyboard(context, report))
        await save_flow(update, context, WriteStep.PREVIEW, WriteFlow(report_id=report.id))
    elif action in ("save", "leave"):
        await edit_pressed_markup(update, None)
        await end_conversation(update, context)
        if report.status is ReportStatus.RETURNED:
            await reply(update, context, "report.left_returned", number=report.number or "")
        else:
            await reply(update, context, "report.saved")
    elif action in ("body_done", "files_done", "people_done"):
        await edit_pressed_markup(update, None)
        step = {"body_done": WriteStep.BODY, "files_done": WriteStep.FILES,
                "people_done": WriteStep.PEOPLE}
        done = step[action]
        editing = await _editing(update, context, report.id)
        await _next_after(update, context, report, done, editing)
    elif action == "files_clear":
        editing = await _editing(update, context, report.id)
        cleared = await service.clear_attachments(member, report.id)
        await edit_pressed_markup(update, None)
        await _ask(update, context, cleared, WriteStep.FILES, editing=editing)
    else:  # edit one part
        await edit_pressed_markup(update, None)
        part = {"title": WriteStep.TITLE, "category": WriteStep.CATEGORY, "body": WriteStep.BODY,
                "files": WriteStep.FILES, "people": WriteStep.PEOPLE}[action]
        await _ask(update, context, report, part, editing=True, replace=part is WriteStep.BODY)


async def _submit(update: Update, context: Context, member: Member, report_id: int) -> None:
    result = await context.services.reports.submit(member, report_id)
    await answer(update)
    await end_conversation(update, context)
    await edit_pressed_markup(update, None)
    report = result.report
    if result.resubmitted:
        await reply(update, context, "report.resubmitted", number=report.number or "",
                    version=report.version)
    else:
        await reply(update, context, "report.submitted", number=report.number or "")
    await tell_staff_of_submission(context, result)


async def category_chosen(update: Update, context: Context, data: ReportCategoryChoice) -> None:
    """A category button: store it, then the text (or back to the preview when editing)."""
    member = await writer(update, context)
    if member is None:
        return
    try:
        report = await context.services.reports.set_category(
            member, data.report_id, data.category
        )
    except Refused as refused:
        await refuse(update, context, refused)
        return
    await answer(update)
    await edit_pressed_message(update, text(context, "report.category_set",
                                 category=category_label(context.lang, data.category)))
    editing = await _editing(update, context, report.id)
    if not editing and report.body:  # a category changed on a draft that has its text
        editing = True
    await _next_after(update, context, report, WriteStep.CATEGORY, editing)


async def on_exit(update: Update, context: Context, conversation: Conversation) -> None:
    """/cancel while writing (the conversation is over): the report keeps what was typed, so
    say so and how to go on, as ⏸ 暂存退出 does."""
    member = context.actor.member
    report: Report | None = None
    if member is not None:
        try:
            report = await context.services.reports.editable_report(
                member, flow_data(conversation, WriteFlow).report_id
            )
        except Refused:  # submitted or deleted meanwhile: nothing is kept here
            report = None
    if report is None or not (report.title or report.body or report.attachments):
        await reply(update, context, "common.cancelled")
    elif report.status is ReportStatus.RETURNED:
        await reply(update, context, "report.left_returned", number=report.number or "")
    else:
        await reply(update, context, "report.exited_saved")


# -- messages while the conversation is open --------------------------------------------------
async def on_step(update: Update, context: Context, conversation: Conversation) -> None:
    """A private message while writing a report: the input of the current step."""
    member = await writer(update, context)
    message = update.effective_message
    if member is None or message is None:
        await end_conversation(update, context)
        return
    try:
        step = WriteStep(conversation.step)
        flow = flow_data(conversation, WriteFlow)
    except ValueError:  # a step or data this version does not know (pydantic's errors too)
        await end_conversation(update, context)
        await reply(update, context, "common.not_understood")
        return
    report_id, editing = flow.report_id, flow.editing
    try:
        if step is WriteStep.TITLE:
            await _on_title(update, context, member, report_id, message, editing)
        elif step is WriteStep.CATEGORY:
            report = await context.services.reports.editable_report(member, report_id)
            await send(update, context, text(context, "report.need_category"),
                       _category_keyboard(context, report.id))
        elif step is WriteStep.BODY:
            await _on_body(update, context, member, message, flow)
        elif step is WriteStep.FILES:
            await on_files(update, context, member, report_id, message)
        elif step is WriteStep.PEOPLE:
            await on_people(update, context, member, report_id, message)
        else:
            report = await context.services.reports.editable_report(member, report_id)
            await send(update, context, text(context, "report.need_preview_button"),
                       preview_keyboard(context, report))
    except Refused as refused:
        if refused.reason in (Refusal.NOT_FOUND, Refusal.NOT_EDITABLE):
            await end_conversation(update, context)
        await refuse(update, context, refused)


async def _on_title(
    update: Update, context: Context, member: Member, report_id: int, message: Message,
    editing: bool,
) -> None:
    if message.text is None:
        await reply(update, context, "report.need_title_text")
        return
    report = await context.services.reports.set_title(member, report_id, message.text)
    await _next_after(update, context, report, WriteStep.TITLE, editing)


async def _on_body(
    update: Update, context: Context, member: Member, message: Message, flow: WriteFlow
) -> None:
    report_id = flow.report_id
    if file_of(message) is not None:  # a photo sent while writing: keep it as an attachment
        await on_files(update, context, member, report_id, message, after=WriteStep.BODY)
        return
    if message.text is None:
        await reply(update, context, "report.need_body_text")
        return
    service = context.services.reports
    if flow.replace:
        if not message.text.strip():
            raise Refused(Refusal.TEXT_EMPTY)
        report = await service.set_body(
            member, report_id, message.text, message_id=message.message_id
        )
        await save_flow(
            update, context, WriteStep.BODY, flow.model_copy(update={"replace": False})
        )
    else:
        report = await service.append_body(
            member, report_id, message.text, message_id=message.message_id
        )
    await send(update, context, text(context, "report.body_saved", length=len(report.body),
                                     limit=MAX_BODY),
               _one(context, "report.button_body_done", report.id, "body_done"))
