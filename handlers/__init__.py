"""Telegram glue: every handler, registered in one place (order and groups matter, see below)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import Context, LiaisonApplication
from bot.callbacks import CallbackData, InvalidCallback
from bot.checkin_tokens import LINK_PREFIX as CHECKIN_PREFIX
from bot.registration import INVITE_PREFIX
from handlers import (
    admin,
    attendance_export,
    checkin,
    events,
    groups,
    leave,
    reports_review,
    reports_write,
    settings,
    start,
)
from handlers.buttons import (
    BindGroupChoice,
    EventCheckIn,
    EventDraftChoice,
    EventLeaveAsk,
    EventManage,
    LanguageChoice,
    LeaveDecide,
    MarkPresentChoice,
    QrControl,
    ReportCategoryChoice,
    ReportChoice,
    ReportCoauthorChoice,
    ReviewLevel,
    ReviewList,
    ReviewMove,
    ReviewOpen,
    ReviewStep,
)
from handlers.common import reply, require_bound, resolve_actor
from handlers.errors import on_error
from storage.models import Conversation

ButtonHandler = Callable[[Update, Context, Any], Awaitable[None]]
StepHandler = Callable[[Update, Context, Conversation], Awaitable[None]]
ExportHandler = Callable[[Update, Context, list[str]], Awaitable[None]]

# Each kind of button and the handler that serves it.
BUTTONS: dict[type[CallbackData], ButtonHandler] = {
    BindGroupChoice: groups.bind_group_chosen,
    LanguageChoice: settings.language_chosen,
    ReportChoice: reports_write.report_chosen,
    ReportCategoryChoice: reports_write.category_chosen,
    ReportCoauthorChoice: reports_write.coauthor_chosen,
    ReviewOpen: reports_review.report_opened,
    ReviewList: reports_review.list_chosen,
    ReviewMove: reports_review.move_chosen,
    ReviewLevel: reports_review.level_chosen,
    ReviewStep: reports_review.step_chosen,
    EventDraftChoice: events.draft_chosen,
    EventManage: events.event_managed,
    EventCheckIn: checkin.checkin_button,
    EventLeaveAsk: leave.leave_button,
    LeaveDecide: leave.leave_decided,
    QrControl: checkin.qr_control,
    MarkPresentChoice: checkin.mark_present_chosen,
}


# Deep-link payloads: /start <prefix>… (see handlers.start.DEEP_LINKS).
start.DEEP_LINKS.update({
    INVITE_PREFIX: start.invite_link,
    CHECKIN_PREFIX: checkin.checkin_link,
    leave.LEAVE_PREFIX: leave.leave_link,
})

# Each guided conversation (its `kind` in the conversations table) and the handler of its
# steps: private messages (text, photos, documents, locations…) go there while it is open.
FLOWS: dict[str, StepHandler] = {
    reports_write.KIND: reports_write.on_step,
    reports_review.KIND: reports_review.on_step,
    events.KIND_NEW: events.on_new_event_step,
    events.KIND_EDIT: events.on_edit_step,
    checkin.KIND_LOCATION: checkin.on_location_step,
    leave.KIND: leave.on_reason,
}

# /export <what> [arguments…]: each kind of export and its handler (which checks rights).
EXPORTS: dict[str, ExportHandler] = {
    "reports": reports_review.export_reports,
    "attendance": attendance_export.export_attendance,
}


async def route_export(update: Update, context: Context) -> None:
    """/export <what> …: pass the rest of the arguments to that export."""
    if not await require_bound(update, context):
        return
    args = context.args or []
    export = EXPORTS.get(args[0].lower()) if args else None
    if export is None:
        await reply(update, context, "export.usage", kinds=" | ".join(EXPORTS))
        return
    await export(update, context, args[1:])


async def route_private_message(update: Update, context: Context) -> None:
    """A private message that is not a command: the next step of an open conversation, if any."""
    assert update.effective_user is not None and update.effective_chat is not None
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    flow = FLOWS.get(conversation.kind) if conversation is not None else None
    if conversation is None or flow is None:
        await start.private_fallback(update, context)
        return
    await flow(update, context, conversation)


async def route_button(update: Update, context: Context) -> None:
    """Decode callback data (refusing forged or stale data) and pass it to its handler."""
    query = update.callback_query
    assert query is not None
    try:
        data = context.services.codec.decode(query.data)
    except InvalidCallback:
        await settings.invalid_button(update, context)
        return
    await BUTTONS[type(data)](update, context, data)


def register_handlers(application: LiaisonApplication) -> None:
    """All handlers. Group -1 runs first for every update and finds who is acting."""
    application.add_handler(TypeHandler(Update, resolve_actor), group=-1)

    private = filters.ChatType.PRIVATE
    new = filters.UpdateType.MESSAGE  # edits of earlier messages are not acted on again
    application.add_handler(CommandHandler("start", start.start, filters=new))
    application.add_handler(CommandHandler("help", settings.show_help, filters=new))
    application.add_handler(CommandHandler("lang", settings.choose_language, filters=new))
    application.add_handler(CommandHandler("cancel", settings.cancel, filters=new))
    application.add_handler(CommandHandler("bindgroup", groups.bind_group, filters=new))
    application.add_handler(CommandHandler("invite", admin.invite, filters=new))
    application.add_handler(CommandHandler("unbind", admin.unbind, filters=new))
    application.add_handler(CommandHandler("report", reports_write.start_report, filters=new))
    application.add_handler(CommandHandler("drafts", reports_write.list_drafts, filters=new))
    application.add_handler(CommandHandler("myreports", reports_write.my_reports, filters=new))
    application.add_handler(CommandHandler("review", reports_review.review, filters=new))
    application.add_handler(CommandHandler("export", route_export, filters=new))
    application.add_handler(CommandHandler("newevent", events.new_event, filters=new))
    application.add_handler(CommandHandler("editevent", events.edit_event, filters=new))
    application.add_handler(CommandHandler("cancelevent", events.cancel_event, filters=new))
    application.add_handler(CommandHandler("events", events.list_events, filters=new))
    application.add_handler(CommandHandler("checkin", checkin.checkin_command, filters=new))
    application.add_handler(CommandHandler("qr", checkin.show_qr, filters=new))
    application.add_handler(CommandHandler("attendance", checkin.show_attendance, filters=new))
    application.add_handler(CommandHandler("markpresent", checkin.mark_present, filters=new))
    application.add_handler(CommandHandler("leave", leave.leave_command, filters=new))
    application.add_handler(CallbackQueryHandler(route_button))
    application.add_handler(
        ChatMemberHandler(groups.bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(new & private & filters.CONTACT, start.contact_shared))
    # Last: whatever else arrives in private chat goes to the open conversation, if any, or
    # gets a pointer to what the bot understands.
    application.add_handler(
        MessageHandler(
            new & private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, route_private_message
        )
    )
    application.add_handler(
        MessageHandler(new & private & filters.COMMAND, start.unknown_command)
    )
    application.add_error_handler(on_error)
    reports_review.schedule_nudge(application)
    events.schedule_announcer(application)
    checkin.schedule_qr_screens(application)
