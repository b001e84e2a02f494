"""/report, /drafts, /myreports: a member writes a public-opinion report (社情民意信息).

Steps: title → category (buttons) → text (several messages joined; 文字写完了) → photos and
documents (optional; an album is acknowledged once) → co-authors (optional) → preview with
提交 / 修改 / 保存草稿 / 取消 / 删除草稿. Every input is saved to the draft at once through
bot.reports.service.ReportService, and the step is kept in the conversations table (kind "report"),
so a restart, a lost signal or a week away loses nothing: /report resumes.
"""

from __future__ import annotations

import html
import logging
from enum import StrEnum
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import JobQueue

from bot.core.auth import Refused
from bot.core.texts import tr
from bot.reports.workflow import Refusal
from bot.reports.writing import MAX_ATTACHMENTS, MAX_BODY, MAX_TITLE
from handlers.reports.buttons import (
    ReportAction,
    ReportCategoryChoice,
    ReportChoice,
    ReportCoauthorChoice,
)
from handlers.reports.render import (
    TEXT_ROOM,
    answer,
    category_label,
    history_lines,
    last_note,
    local_time,
    refuse,
    report_status_detail,
    send,
    short,
    split_text,
    title_of,
)
from handlers.shared.common import (
    button_rows,
    current_conversation,
    edit_pressed_markup,
    edit_pressed_message,
    end_conversation,
    is_private,
    open_conversation,
    popup,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context
from storage.models import (
    AttachmentKind,
    Conversation,
    Member,
    Report,
    ReportCategory,
    ReportStatus,
)

log = logging.getLogger(__name__)

KIND = "report"
# An album arrives as one update per photo; they are acknowledged together once no more
# have come for this long.
ALBUM_QUIET_SECONDS = 1.0
_LIST_LIMIT = 20


class Step(StrEnum):
    TITLE = "title"
    CATEGORY = "category"
    BODY = "body"
    FILES = "files"
    PEOPLE = "people"
    PREVIEW = "preview"


_STEP_NUMBER = {Step.TITLE: 1, Step.CATEGORY: 2, Step.BODY: 3, Step.FILES: 4, Step.PEOPLE: 5}
_STEPS_IN_ALL = 5


# -- who may write ----------------------------------------------------------------------------
async def _tell(update: Update, context: Context, key: str, /, **values: object) -> None:
    """A popup for a button press, else a message."""
    if update.callback_query is not None:
        await popup(update, context, key, **values)
    else:
        await reply(update, context, key, **values)


async def _writer(update: Update, context: Context) -> Member | None:
    """The member writing, or None after telling why not."""
    if not await require_bound(update, context):
        return None
    member = context.actor.member
    if member is None:  # a bootstrap admin who is not on the roster
        await _tell(update, context, "report.roster_only")
        return None
    return member


async def _private_writer(update: Update, context: Context) -> Member | None:
    """_writer(), for the commands that work in private chat only."""
    if not is_private(update):
        await reply(update, context, "report.private_only")
        return None
    return await _writer(update, context)


def _button(
    context: Context, key: str, data: ReportChoice | ReportCategoryChoice | ReportCoauthorChoice
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text(context, key), callback_data=context.services.codec.encode(data)
    )


def _choice(context: Context, key: str, report_id: int, action: ReportAction
            ) -> InlineKeyboardButton:
    return _button(context, key, ReportChoice(report_id=report_id, action=action))


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


def _preview_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup:
    rid = report.id
    if report.status is ReportStatus.RETURNED:
        return InlineKeyboardMarkup([
            [_choice(context, "report.button_resubmit", rid, "submit"),
             _choice(context, "report.button_edit", rid, "edit")],
            [_choice(context, "report.button_later", rid, "leave")],
        ])
    return InlineKeyboardMarkup([
        [_choice(context, "report.button_submit", rid, "submit"),
         _choice(context, "report.button_edit", rid, "edit")],
        [_choice(context, "report.button_save", rid, "save"),
         _choice(context, "report.button_leave", rid, "leave")],
        [_choice(context, "report.button_delete", rid, "delete")],
    ])


def _edit_keyboard(context: Context, report_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [_choice(context, "report.part_title", report_id, "title"),
         _choice(context, "report.part_category", report_id, "category")],
        [_choice(context, "report.part_body", report_id, "body"),
         _choice(context, "report.part_files", report_id, "files")],
        [_choice(context, "report.part_people", report_id, "people"),
         _choice(context, "report.button_back", report_id, "preview")],
    ])


def _delete_keyboard(context: Context, report_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _choice(context, "report.button_delete_yes", report_id, "delete_yes"),
        _choice(context, "report.button_back", report_id, "preview"),
    ]])


def _one(context: Context, key: str, report_id: int, action: ReportAction) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_choice(context, key, report_id, action)]])


def _people_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup:
    codec = context.services.codec
    removals = [
        InlineKeyboardButton(
            text(context, "report.button_remove_person", name=c.name),
            callback_data=codec.encode(
                ReportCoauthorChoice(report_id=report.id, member_id=c.member_id, change="remove")
            ),
        )
        for c in report.coauthors
    ]
    done = "report.button_people_done" if report.coauthors else "report.button_skip"
    return InlineKeyboardMarkup(
        [*button_rows(removals, 2), [_choice(context, done, report.id, "people_done")]]
    )


def _files_keyboard(context: Context, report: Report) -> InlineKeyboardMarkup:
    done = "report.button_files_done" if report.attachments else "report.button_skip"
    buttons = [[_choice(context, done, report.id, "files_done")]]
    if report.attachments:
        buttons.append([_choice(context, "report.button_files_clear", report.id, "files_clear")])
    return InlineKeyboardMarkup(buttons)


# -- the steps --------------------------------------------------------------------------------
def _step_prefix(context: Context, step: Step, editing: bool) -> str:
    if editing or step not in _STEP_NUMBER:
        return ""
    return text(context, "report.step", number=_STEP_NUMBER[step], total=_STEPS_IN_ALL) + " "


def _people_names(context: Context, report: Report) -> str:
    return "、".join(c.name for c in report.coauthors) or text(context, "report.none")


async def _ask(
    update: Update,
    context: Context,
    report: Report,
    step: Step,
    *,
    editing: bool = False,
    replace: bool = False,
) -> None:
    """Move the conversation to `step` and ask for its input."""
    if step is Step.PREVIEW:
        await _preview(update, context, report)
        return
    await open_conversation(
        update, context, KIND, step,
        {"report_id": report.id, "editing": editing, "replace": replace},
    )
    prefix = _step_prefix(context, step, editing)
    markup: InlineKeyboardMarkup | None = None
    if step is Step.TITLE:
        prompt = text(context, "report.ask_title", limit=MAX_TITLE)
        if report.title:
            prompt += "\n" + text(context, "report.current_title", title=report.title)
    elif step is Step.CATEGORY:
        prompt = text(context, "report.ask_category")
        markup = _category_keyboard(context, report.id)
    elif step is Step.BODY:
        if replace:
            prompt = text(context, "report.ask_body_replace", length=len(report.body),
                          limit=MAX_BODY)
        elif report.body:
            prompt = text(context, "report.ask_body_more", length=len(report.body),
                          limit=MAX_BODY)
        else:
            prompt = text(context, "report.ask_body", limit=MAX_BODY)
        markup = _one(context, "report.button_body_done", report.id, "body_done")
    elif step is Step.FILES:
        prompt = text(context, "report.ask_files", limit=MAX_ATTACHMENTS,
                      count=len(report.attachments))
        markup = _files_keyboard(context, report)
    else:
        prompt = text(context, "report.ask_people", people=_people_names(context, report))
        markup = _people_keyboard(context, report)
    await send(update, context, prefix + prompt, markup)


def _first_missing(report: Report) -> Step:
    if not report.title:
        return Step.TITLE
    if report.category is None:
        return Step.CATEGORY
    if not report.body:
        return Step.BODY
    return Step.PREVIEW


def _overview(context: Context, report: Report, heading: str) -> tuple[list[str], str]:
    """The report as its author sees it: pieces of a long text, then the summary."""
    summary = [heading]
    summary.append(text(context, "report.field_title", title=title_of(context.lang, report)))
    summary.append(text(context, "report.field_category",
                        category=category_label(context.lang, report.category)))
    summary.append(text(context, "report.field_files", count=len(report.attachments)))
    summary.append(text(context, "report.field_people", people=_people_names(context, report)))
    head = "\n".join(summary)
    if not report.body:
        return [], head + "\n" + text(context, "report.field_body_missing")
    body_head = text(context, "report.field_body", length=len(report.body))
    if len(head) + len(report.body) + len(body_head) < TEXT_ROOM:
        return [], f"{head}\n{body_head}\n{html.escape(report.body, quote=False)}"
    pieces = [html.escape(piece, quote=False) for piece in split_text(report.body)]
    return pieces, head + "\n" + text(context, "report.field_body_above", length=len(report.body))


async def _preview(update: Update, context: Context, report: Report) -> None:
    """The preview with 提交 / 修改 / 保存草稿 / 取消 / 删除草稿."""
    await open_conversation(update, context, KIND, Step.PREVIEW, {"report_id": report.id})
    heading = text(context, "report.preview_heading")
    if report.status is ReportStatus.RETURNED:
        history = await context.services.reports.history(report.id, context.actor)
        heading = text(context, "report.preview_returned", number=report.number or "",
                       note=last_note(history) or text(context, "report.none"))
    pieces, summary = _overview(context, report, heading)
    for piece in pieces:
        await send(update, context, piece)
    await send(update, context, summary, _preview_keyboard(context, report))


async def _resume(update: Update, context: Context, report: Report) -> None:
    """Continue a draft (or a returned report) where the member left it."""
    if report.status is ReportStatus.RETURNED:
        await _preview(update, context, report)
        return
    step = _first_missing(report)
    conversation = await current_conversation(update, context, KIND, report_id=report.id)
    editing = bool(conversation and conversation.data.get("editing"))
    if (
        step is Step.PREVIEW
        and conversation is not None
        and conversation.step in (Step.BODY, Step.FILES, Step.PEOPLE)
    ):
        step = Step(conversation.step)  # where the member was when they left off
    if step is Step.PREVIEW:
        await _preview(update, context, report)
        return
    if report.title or report.body:
        pieces, summary = _overview(context, report, text(context, "report.resume_heading"))
        for piece in pieces:
            await send(update, context, piece)
        await send(update, context, summary)
    await _ask(update, context, report, step, editing=editing)


async def _next_after(
    update: Update, context: Context, report: Report, step: Step, editing: bool
) -> None:
    """Go on after `step` is done: the next step, or back to the preview when editing."""
    if editing:
        await _preview(update, context, report)
        return
    following = {
        Step.TITLE: Step.CATEGORY, Step.CATEGORY: Step.BODY, Step.BODY: Step.FILES,
        Step.FILES: Step.PEOPLE, Step.PEOPLE: Step.PREVIEW,
    }[step]
    await _ask(update, context, report, following)


async def _editing(update: Update, context: Context, report_id: int) -> bool:
    conversation = await current_conversation(update, context, KIND, report_id=report_id)
    return bool(conversation and conversation.data.get("editing"))


# -- commands ---------------------------------------------------------------------------------
async def start_report(update: Update, context: Context) -> None:
    """/report: resume the current draft or start a new report."""
    member = await _private_writer(update, context)
    if member is None:
        return
    service = context.services.reports
    draft = await service.current_draft(member)
    if draft is None:
        await _ask(update, context, await service.start_draft(member), Step.TITLE)
        return
    drafts = await service.list_drafts(member)
    message = text(
        context, "report.draft_found", title=title_of(context.lang, draft),
        time=local_time(draft.updated_at, context.services.config.zone),
    )
    if len(drafts) > 1:
        message += "\n" + text(context, "report.more_drafts", count=len(drafts))
    await send(update, context, message, InlineKeyboardMarkup([
        [_choice(context, "report.button_resume", draft.id, "resume")],
        [_choice(context, "report.button_new", 0, "new")],
    ]))


async def list_drafts(update: Update, context: Context) -> None:
    """/drafts: the member's drafts, each a button to continue it."""
    member = await _private_writer(update, context)
    if member is None:
        return
    drafts = await context.services.reports.list_drafts(member, limit=_LIST_LIMIT)
    if not drafts:
        await reply(update, context, "report.no_drafts")
        return
    zone = context.services.config.zone
    buttons = [
        [InlineKeyboardButton(
            text(context, "report.draft_button", title=short(title_of(context.lang, d), 20),
                 time=local_time(d.updated_at, zone)[5:]),
            callback_data=context.services.codec.encode(
                ReportChoice(report_id=d.id, action="resume")
            ),
        )]
        for d in drafts
    ]
    buttons.append([_choice(context, "report.button_new", 0, "new")])
    await send(update, context, text(context, "report.drafts_list", count=len(drafts)),
               InlineKeyboardMarkup(buttons))


async def my_reports(update: Update, context: Context) -> None:
    """/myreports: the member's submitted reports with their status and history."""
    member = await _private_writer(update, context)
    if member is None:
        return
    service = context.services.reports
    histories = await service.my_reports(member, limit=_LIST_LIMIT)
    drafts = await service.list_drafts(member)
    if not histories:
        key = "report.mine_only_drafts" if drafts else "report.mine_none"
        await reply(update, context, key, count=len(drafts))
        return
    zone = context.services.config.zone
    blocks = [text(context, "report.mine_heading", count=len(histories))]
    rework: list[Report] = []
    for history in histories:
        report = history.report
        lines = [text(context, "report.mine_item", number=report.number or "",
                      title=title_of(context.lang, report),
                      status=report_status_detail(context.lang, report))]
        if report.author_member_id != member.id:
            lines.append(text(context, "report.mine_coauthored", author=report.author_name))
        lines += history_lines(context.lang, history, zone, with_actor=False)
        blocks.append("\n".join(lines))
        if report.status is ReportStatus.RETURNED and report.author_member_id == member.id:
            rework.append(report)
    if drafts:
        blocks.append(text(context, "report.mine_drafts_hint", count=len(drafts)))
    pages: list[str] = []
    for block in blocks:
        if pages and len(pages[-1]) + len(block) + 2 <= TEXT_ROOM:
            pages[-1] += "\n\n" + block
        else:
            pages.extend(split_text(block))
    markup = None
    if rework:
        markup = InlineKeyboardMarkup([
            [InlineKeyboardButton(
                text(context, "report.button_rework_number", number=r.number or ""),
                callback_data=context.services.codec.encode(
                    ReportChoice(report_id=r.id, action="resume")
                ),
            )]
            for r in rework
        ])
    for index, page in enumerate(pages):
        await send(update, context, page, markup if index == len(pages) - 1 else None)


# -- buttons ----------------------------------------------------------------------------------
async def report_chosen(update: Update, context: Context, data: ReportChoice) -> None:
    """A button of the writing conversation (resume, done, submit, edit, save, delete…)."""
    member = await _writer(update, context)
    if member is None:
        return
    service = context.services.reports
    action = data.action
    try:
        if action == "new":
            await answer(update)
            await edit_pressed_markup(update, None)
            await _ask(update, context, await service.start_draft(member), Step.TITLE)
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
        await edit_pressed_markup(update, _edit_keyboard(context, report.id))
    elif action == "delete":
        await edit_pressed_markup(update, _delete_keyboard(context, report.id))
    elif action == "preview":
        await edit_pressed_markup(update, _preview_keyboard(context, report))
        await open_conversation(update, context, KIND, Step.PREVIEW, {"report_id": report.id})
    elif action in ("save", "leave"):
        await edit_pressed_markup(update, None)
        await end_conversation(update, context)
        if report.status is ReportStatus.RETURNED:
            await reply(update, context, "report.left_returned", number=report.number or "")
        else:
            await reply(update, context, "report.saved" if action == "save" else "report.left")
    elif action in ("body_done", "files_done", "people_done"):
        await edit_pressed_markup(update, None)
        step = {"body_done": Step.BODY, "files_done": Step.FILES, "people_done": Step.PEOPLE}
        done = step[action]
        editing = await _editing(update, context, report.id)
        await _next_after(update, context, report, done, editing)
    elif action == "files_clear":
        editing = await _editing(update, context, report.id)
        cleared = await service.clear_attachments(member, report.id)
        await edit_pressed_markup(update, None)
        await _ask(update, context, cleared, Step.FILES, editing=editing)
    else:  # edit one part
        await edit_pressed_markup(update, None)
        part = {"title": Step.TITLE, "category": Step.CATEGORY, "body": Step.BODY,
                "files": Step.FILES, "people": Step.PEOPLE}[action]
        await _ask(update, context, report, part, editing=True, replace=part is Step.BODY)


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


async def category_chosen(update: Update, context: Context, data: ReportCategoryChoice) -> None:
    """A category button: store it, then the text (or back to the preview when editing)."""
    member = await _writer(update, context)
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
    await _next_after(update, context, report, Step.CATEGORY, editing)


async def coauthor_chosen(update: Update, context: Context, data: ReportCoauthorChoice) -> None:
    """A co-author found by name was picked, or one was removed."""
    member = await _writer(update, context)
    if member is None:
        return
    service = context.services.reports
    try:
        if data.change == "add":
            report = await service.add_coauthor(member, data.report_id, data.member_id)
        else:
            report = await service.remove_coauthor(member, data.report_id, data.member_id)
    except Refused as refused:
        await refuse(update, context, refused)
        return
    await answer(update)
    if data.change == "add":
        added = next((c.name for c in report.coauthors if c.member_id == data.member_id), "")
        message = text(context, "report.person_added", name=added,
                       people=_people_names(context, report))
    else:
        message = text(context, "report.ask_people", people=_people_names(context, report))
    await edit_pressed_message(update, message, _people_keyboard(context, report))


# -- messages while the conversation is open --------------------------------------------------
async def on_step(update: Update, context: Context, conversation: Conversation) -> None:
    """A private message while writing a report: the input of the current step."""
    member = await _writer(update, context)
    message = update.effective_message
    if member is None or message is None:
        await end_conversation(update, context)
        return
    try:
        step = Step(conversation.step)
        report_id = int(str(conversation.data.get("report_id", 0)))
    except ValueError:
        await end_conversation(update, context)
        await reply(update, context, "common.not_understood")
        return
    editing = bool(conversation.data.get("editing"))
    try:
        if step is Step.TITLE:
            await _on_title(update, context, member, report_id, message, editing)
        elif step is Step.CATEGORY:
            report = await context.services.reports.editable_report(member, report_id)
            await send(update, context, text(context, "report.need_category"),
                       _category_keyboard(context, report.id))
        elif step is Step.BODY:
            await _on_body(update, context, member, report_id, message, conversation)
        elif step is Step.FILES:
            await _on_files(update, context, member, report_id, message)
        elif step is Step.PEOPLE:
            await _on_people(update, context, member, report_id, message)
        else:
            report = await context.services.reports.editable_report(member, report_id)
            await send(update, context, text(context, "report.need_preview_button"),
                       _preview_keyboard(context, report))
    except Refused as refused:
        if refused.reason in (Refusal.NOT_FOUND, Refusal.NOT_EDITABLE):
            await end_conversation(update, context)
        await refuse(update, context, refused)


def _file_of(message: Message) -> tuple[AttachmentKind, str, str, str | None, str | None] | None:
    """kind, file_id, file_unique_id, file name, mime type of a photo or document."""
    if message.photo:
        largest = message.photo[-1]
        return AttachmentKind.PHOTO, largest.file_id, largest.file_unique_id, None, None
    if message.document is not None:
        doc = message.document
        return (AttachmentKind.DOCUMENT, doc.file_id, doc.file_unique_id, doc.file_name,
                doc.mime_type)
    return None


async def _on_title(
    update: Update, context: Context, member: Member, report_id: int, message: Message,
    editing: bool,
) -> None:
    if message.text is None:
        await reply(update, context, "report.need_title_text")
        return
    report = await context.services.reports.set_title(member, report_id, message.text)
    await _next_after(update, context, report, Step.TITLE, editing)


async def _on_body(
    update: Update, context: Context, member: Member, report_id: int, message: Message,
    conversation: Conversation,
) -> None:
    if _file_of(message) is not None:  # a photo sent while writing: keep it as an attachment
        await _on_files(update, context, member, report_id, message, after=Step.BODY)
        return
    if message.text is None:
        await reply(update, context, "report.need_body_text")
        return
    service = context.services.reports
    if conversation.data.get("replace"):
        if not message.text.strip():
            raise Refused(Refusal.TEXT_EMPTY)
        report = await service.set_body(
            member, report_id, message.text, message_id=message.message_id
        )
        await open_conversation(
            update, context, KIND, Step.BODY, {**conversation.data, "replace": False}
        )
    else:
        report = await service.append_body(
            member, report_id, message.text, message_id=message.message_id
        )
    await send(update, context, text(context, "report.body_saved", length=len(report.body),
                                     limit=MAX_BODY),
               _one(context, "report.button_body_done", report.id, "body_done"))


async def _on_files(
    update: Update, context: Context, member: Member, report_id: int, message: Message,
    *, after: Step = Step.FILES,
) -> None:
    found = _file_of(message)
    if found is None:
        report = await context.services.reports.editable_report(member, report_id)
        await send(update, context, text(context, "report.need_file", limit=MAX_ATTACHMENTS),
                   _files_keyboard(context, report))
        return
    kind, file_id, unique_id, file_name, mime = found
    refused = 0
    try:
        await context.services.reports.add_attachment(
            member, report_id, kind, file_id, unique_id, file_name=file_name, mime=mime
        )
    except Refused as exc:
        if exc.reason is not Refusal.TOO_MANY_ATTACHMENTS:
            raise
        refused = 1
    _acknowledge_files_later(context, message.chat_id, report_id, member.id, refused, after)


async def _on_people(
    update: Update, context: Context, member: Member, report_id: int, message: Message
) -> None:
    if message.text is None or not message.text.strip():
        await reply(update, context, "report.need_people_text")
        return
    report = await context.services.reports.editable_report(member, report_id)
    query = short(message.text, 20)
    found = await context.services.reports.coauthor_candidates(member, query)
    if not found:
        await reply(update, context, "report.people_none", query=query)
        return
    codec = context.services.codec
    buttons = [
        InlineKeyboardButton(
            text(context, "report.person_button", name=m.name,
                 group=m.group_name or text(context, "common.no_group")),
            callback_data=codec.encode(
                ReportCoauthorChoice(report_id=report.id, member_id=m.id, change="add")
            ),
        )
        for m in found
    ]
    done = "report.button_people_done" if report.coauthors else "report.button_skip"
    await send(update, context, text(context, "report.people_pick", count=len(found)),
               InlineKeyboardMarkup(
                   [*button_rows(buttons, 2), [_choice(context, done, report.id, "people_done")]]
               ))


# -- photos and documents: one answer per album -----------------------------------------------
def _acknowledge_files_later(
    context: Context, chat_id: int, report_id: int, member_id: int, refused: int, step: Step
) -> None:
    """Answer once the album (or single file) is complete: restart a short timer per chat."""
    jobs = cast("JobQueue[Context] | None", context.application.job_queue)
    assert jobs is not None
    name = f"report_files:{chat_id}"
    for pending in jobs.get_jobs_by_name(name):
        data = pending.data if isinstance(pending.data, dict) else {}
        refused += int(data.get("refused", 0))
        pending.schedule_removal()
    jobs.run_once(
        _acknowledge_files, ALBUM_QUIET_SECONDS, name=name, chat_id=chat_id,
        data={"report_id": report_id, "member_id": member_id, "refused": refused,
              "lang": context.lang, "step": str(step)},
    )


async def _acknowledge_files(context: Context) -> None:
    """How many attachments the report has now, and how many did not fit."""
    job = context.job
    assert job is not None and isinstance(job.data, dict) and job.chat_id is not None
    language = str(job.data["lang"])
    member = await context.services.members.by_id(int(job.data["member_id"]))
    if member is None:
        return
    try:
        report = await context.services.reports.editable_report(
            member, int(job.data["report_id"])
        )
    except Refused:
        return  # submitted or deleted meanwhile
    lines = [tr(language, "report.files_saved", count=len(report.attachments),
                limit=MAX_ATTACHMENTS)]
    if job.data["refused"]:
        lines.append(tr(language, "report.files_refused", refused=job.data["refused"],
                        limit=MAX_ATTACHMENTS))
    codec = context.services.codec
    writing = job.data.get("step") == Step.BODY  # photos sent between pieces of text
    action: ReportAction = "body_done" if writing else "files_done"
    done = InlineKeyboardMarkup([[InlineKeyboardButton(
        tr(language, "report.button_body_done" if writing else "report.button_files_done"),
        callback_data=codec.encode(ReportChoice(report_id=report.id, action=action)),
    )]])
    await context.bot.send_message(job.chat_id, "\n".join(lines), reply_markup=done)
