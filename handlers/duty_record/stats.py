"""/stats [year] (staff): every group's attendance rate, reports and proposals and who is
behind, the committee's total, then a chart of the rates and of the reports per month."""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update
from telegram.error import TelegramError

from bot.core.auth import Refused
from bot.core.texts import plain
from handlers.duty_record import render
from handlers.duty_record.answers import NoYear, prologue, refuse, send, year_argument
from handlers.shared.common import reply, text
from handlers.shared.context import Context

log = logging.getLogger(__name__)


async def stats_command(update: Update, context: Context) -> None:
    """/stats [year]: the figures first, then the chart (the figures stand if it fails)."""
    if not await prologue(update, context, "stats"):
        return
    try:
        year = year_argument(context.args or [])
    except NoYear:
        await reply(update, context, "duty.stats_usage",
                    year=context.services.duty_record.today().year - 1)
        return
    try:
        stats = await context.services.duty_record.committee(context.actor, year)
    except Refused as exc:
        await refuse(update, context, exc, "stats")
        return
    for page in render.paginate(render.stats_text(context.lang, stats).split("\n")):
        await send(update, context, "\n".join(page))
    groups, months = render.chart_data(context.lang, stats)
    # imported here: matplotlib takes 0.3 s to load, which the bot's start need not wait for
    from bot.duty_record.chart import stats_chart

    try:
        png = await asyncio.to_thread(
            stats_chart, plain(context.lang, "duty.chart_title", year=stats.year), groups,
            months, render.chart_labels(context.lang),
            font=context.services.config.duty_record.chart_font)
    except Exception:  # a drawing library's failure must not hide the figures sent above
        log.exception("the /stats chart of %s could not be drawn", stats.year)
        await reply(update, context, "duty.chart_failed")
        return
    assert update.effective_chat is not None
    try:
        await context.bot.send_photo(
            update.effective_chat.id, InputFile(png, filename=f"stats-{stats.year}.png"),
            caption=text(context, "duty.chart_caption", year=stats.year))
    except TelegramError as exc:
        log.warning("the /stats chart could not be sent: %s", exc)
        await reply(update, context, "duty.chart_failed")
