"""/qr: the rotating QR code and 6-digit code for the screen at the venue, kept fresh by a job.

A screen kept fresh is saved (qr_screens), so a restart of the bot resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import cast

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import JobQueue

from bot.attendance import tokens as checkin_tokens
from bot.attendance.permissions import may_reach
from bot.attendance.qr import qr_png
from bot.core.auth import Action, Actor, NotAllowed
from bot.core.texts import tr
from bot.core.when import clock
from bot.telegram.links import deep_link
from domain.models import Event, QrScreen
from handlers.attendance.buttons import QrControl
from handlers.attendance.picker import pick_event
from handlers.shared.common import is_private, popup, reply, require_bound, text
from handlers.shared.context import Context, LiaisonApplication

log = logging.getLogger(__name__)


def _qr_job_name(chat_id: int) -> str:
    return f"qr:{chat_id}"


async def _render_qr(
    context: Context, actor: Actor, event: Event, language: str, *, until: datetime | None
) -> tuple[bytes, str, InlineKeyboardMarkup] | None:
    """The current QR code (PNG), its caption (code, link; "kept fresh until" while it is)
    and buttons; None when the event is over or cancelled."""
    token = await context.services.attendance.rotating_token(actor, event.id)
    if token is None:
        return None
    zone = context.services.config.zone
    link = deep_link(context.bot.username, token.payload)
    png = await asyncio.to_thread(qr_png, link)
    caption = tr(language, "qr.caption", title=event.title, code=token.code, link=link,
                 valid=clock(token.valid_until, zone),
                 seconds=checkin_tokens.STEP_SECONDS)
    if until is not None:
        caption += "\n" + tr(language, "qr.auto", until=clock(until, zone))
    codec = context.services.codec
    buttons = [InlineKeyboardButton(
        tr(language, "qr.refresh_button"),
        callback_data=codec.encode(QrControl(event_id=event.id, action="refresh")),
    )]
    if until is not None:
        buttons.append(InlineKeyboardButton(
            tr(language, "qr.stop_button"),
            callback_data=codec.encode(QrControl(event_id=event.id, action="stop")),
        ))
    return png, caption, InlineKeyboardMarkup([buttons])


async def _send_qr(
    context: Context, chat_id: int, actor: Actor, event: Event, language: str,
    *, until: datetime | None, message_id: int | None = None,
) -> int | None:
    """Show the current QR code (photo, code, link): in place of the picture of message
    `message_id` when given (editMessageMedia: no new message, no sound), else as a new
    message sent silently. Its message id, or None when the event is over or cancelled (after
    saying so)."""
    rendered = await _render_qr(context, actor, event, language, until=until)
    if rendered is None:
        await context.bot.send_message(chat_id, tr(language, "qr.over", title=event.title))
        return None
    png, caption, markup = rendered
    filename = f"checkin-{event.id}.png"
    if message_id is not None:
        try:
            await context.bot.edit_message_media(
                InputMediaPhoto(png, caption=caption, filename=filename),
                chat_id=chat_id, message_id=message_id, reply_markup=markup,
            )
            return message_id
        except BadRequest as exc:
            if "not modified" in exc.message:
                return message_id
            if "not found" not in exc.message:
                raise
            # deleted meanwhile (by the member): a new one takes its place
    message = await context.bot.send_photo(
        chat_id, InputFile(png, filename=filename), caption=caption, reply_markup=markup,
        disable_notification=True,
    )
    return message.message_id


def _jobs(context: Context) -> JobQueue[Context]:
    jobs = context.application.job_queue
    assert jobs is not None
    return cast("JobQueue[Context]", jobs)


async def _stop_refreshing(context: Context, chat_id: int) -> None:
    for job in _jobs(context).get_jobs_by_name(_qr_job_name(chat_id)):
        job.schedule_removal()
    await context.services.qr_screens.remove(chat_id)


def _keep_fresh(jobs: JobQueue[Context], screen: QrScreen, first: timedelta) -> None:
    """Replace the screen's code with the current one every step, from `first` on."""
    jobs.run_repeating(
        _refresh_qr, interval=checkin_tokens.STEP_SECONDS, first=first,
        name=_qr_job_name(screen.chat_id), chat_id=screen.chat_id,
        user_id=screen.telegram_user_id,
        data={"event_id": screen.event_id, "message_id": screen.message_id,
              "language": screen.language, "until": screen.until.timestamp()},
    )


async def _start_qr(context: Context, chat_id: int, actor: Actor, event: Event, language: str,
                    *, message_id: int | None = None) -> None:
    """Show the code (in message `message_id` when given) and keep it fresh: a new one every
    step, for a few hours at most (across restarts of the bot: the screen is saved)."""
    await _stop_refreshing(context, chat_id)
    hours = context.services.config.attendance.qr_refresh_hours
    until = min(context.services.clock() + timedelta(hours=hours), event.ends_at)
    message_id = await _send_qr(context, chat_id, actor, event, language, until=until,
                                message_id=message_id)
    if message_id is None or actor.telegram_user_id is None:
        return
    screen = QrScreen(chat_id=chat_id, event_id=event.id, telegram_user_id=actor.telegram_user_id,
                      message_id=message_id, language=language, until=until)
    await context.services.qr_screens.save(screen)
    first = checkin_tokens.delay_until_rotation(context.services.clock()) + timedelta(seconds=0.5)
    _keep_fresh(_jobs(context), screen, first)


async def _resume_qr_screens(context: Context) -> None:
    """At start-up: screens that were kept fresh before the restart get a current code now
    (the one shown may have expired meanwhile), and are kept fresh again."""
    screens = context.services.qr_screens
    for screen in await screens.all():
        if screen.until <= context.services.clock():
            await screens.remove(screen.chat_id)
            with contextlib.suppress(TelegramError):
                await context.bot.edit_message_reply_markup(screen.chat_id, screen.message_id,
                                                            reply_markup=None)
            continue
        _keep_fresh(_jobs(context), screen, timedelta(seconds=0.5))
    log.debug("QR screens resumed")


def schedule_qr_screens(application: LiaisonApplication) -> None:
    """Resume the saved QR screens once the bot has started."""
    jobs = application.job_queue
    assert jobs is not None
    jobs.run_once(_resume_qr_screens, 1.0, name="qr_resume")


async def _refresh_qr(context: Context) -> None:
    """The /qr job: replace the code on screen with the current one."""
    job = context.job
    assert job is not None and isinstance(job.data, dict)
    assert job.chat_id is not None and job.user_id is not None
    data = job.data
    services = context.services
    member = await services.members.by_telegram_id(job.user_id)
    actor = Actor.resolve(job.user_id, member, set(services.config.admins.telegram_user_ids))
    event = await services.attendance.event(int(data["event_id"]))
    old = int(data["message_id"])
    until = datetime.fromtimestamp(float(data["until"]), UTC)
    try:
        if event is None or services.clock() >= until or not may_reach(
            actor, Action.SHOW_CHECKIN_CODE, event
        ):
            job.schedule_removal()
            await services.qr_screens.remove(job.chat_id)
            with contextlib.suppress(TelegramError):
                await context.bot.edit_message_reply_markup(job.chat_id, old, reply_markup=None)
            return
        message_id = await _send_qr(context, job.chat_id, actor, event, str(data["language"]),
                                    until=until, message_id=old)
    except NotAllowed:
        message_id = None
    except TelegramError as exc:
        log.warning("QR code for chat %s not refreshed: %s", job.chat_id, exc)
        return
    if message_id is None:
        job.schedule_removal()
        await services.qr_screens.remove(job.chat_id)
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(job.chat_id, old, reply_markup=None)
    elif message_id != old:  # the old one had been deleted
        data["message_id"] = message_id
        await services.qr_screens.moved(job.chat_id, message_id)


async def show_qr(update: Update, context: Context) -> None:
    """/qr [EVENT]: the rotating QR code and 6-digit code, for the screen at the venue."""
    if not await require_bound(update, context):
        return
    if not is_private(update):
        await reply(update, context, "qr.private_only")
        return
    event = await pick_event(update, context, Action.SHOW_CHECKIN_CODE, "qr")
    if event is not None:
        await show_qr_for(update, context, event)


async def show_qr_for(update: Update, context: Context, event: Event) -> None:
    """The QR code of `event` (from /qr or a button under the event)."""
    if update.callback_query is not None:
        if not is_private(update):
            await popup(update, context, "qr.private_only")
            return
        await update.callback_query.answer()
    if not may_reach(context.actor, Action.SHOW_CHECKIN_CODE, event):
        await reply(update, context, "event.not_yours")
        return
    assert update.effective_chat is not None
    await _start_qr(context, update.effective_chat.id, context.actor, event, context.lang)


async def qr_control(update: Update, context: Context, choice: QrControl) -> None:
    """刷新 (a fresh code now, kept fresh again) or 停止 (stop replacing it: the message no
    longer says it is kept fresh) under a /qr message; both replace the picture in place."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    chat_id = update.effective_chat.id
    event = await context.services.attendance.event(choice.event_id)
    if event is None or not may_reach(context.actor, Action.SHOW_CHECKIN_CODE, event):
        await popup(update, context, "event.not_yours")
        return
    pressed = query.message.message_id if query.message is not None else None
    if choice.action == "stop":
        await _stop_refreshing(context, chat_id)
        await query.answer(text(context, "qr.stopped"))
        if pressed is not None:
            await _send_qr(context, chat_id, context.actor, event, context.lang, until=None,
                           message_id=pressed)
        return
    await query.answer()
    await _start_qr(context, chat_id, context.actor, event, context.lang, message_id=pressed)
