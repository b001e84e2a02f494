"""The baseline of the reminder fan-out benchmark: the bot python-telegram-bot users write to
push one message to everyone, as the PTB wiki's "Avoiding flood limits" page suggests — an
Application with PTB's own AIORateLimiter (the bench extra: scripts/setup-venv bench)
and `asyncio.gather` over `bot.send_message`. Run by the benchmark in its own process:

    python -m benchmarks.reminder_fanout.baseline_bot --token T --base-url U --chats FILE
        --group CHAT_ID --done FILE [--max-retries 3]

At start it posts a message with a 签到 button in the group; every press is answered with
`query.answer()` (updates handled concurrently, the most favourable setting for the baseline).
`/notify` from the admin starts the fan-out to every chat id in FILE, one per line; when it
has ended, a JSON line {"sent": n, "failed": n} is written to the --done file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

TEXT = "【基准通知】请按时参加。"  # the benchmark finds the pushes by this text
BUTTON = "签到"


def build(args: argparse.Namespace) -> Application:
    chats = [int(line) for line in Path(args.chats).read_text().split()]

    async def post_button(application: Application) -> None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(BUTTON, callback_data="checkin")]])
        await application.bot.send_message(args.group, "活动签到", reply_markup=markup)

    async def fan_out(bot: Bot) -> None:
        send = bot.send_message
        results = await asyncio.gather(*(send(chat, TEXT) for chat in chats),
                                       return_exceptions=True)
        failed = sum(isinstance(r, BaseException) for r in results)
        summary = json.dumps({"sent": len(results) - failed, "failed": failed}) + "\n"
        await asyncio.to_thread(Path(args.done).write_text, summary)

    async def notify(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        context.application.create_task(fan_out(context.bot))

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("签到成功")

    application = (
        Application.builder()
        .token(args.token)
        .base_url(args.base_url)
        .base_file_url(args.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=args.max_retries))
        .concurrent_updates(True)
        .post_init(post_button)
        .build()
    )
    application.add_handler(CommandHandler("notify", notify))
    application.add_handler(CallbackQueryHandler(answer))
    return application


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--base-file-url", required=True)
    parser.add_argument("--chats", required=True, help="file of chat ids, one a line")
    parser.add_argument("--group", type=int, required=True, help="the group's chat id")
    parser.add_argument("--done", required=True, help="file written when the fan-out ended")
    parser.add_argument("--max-retries", type=int, default=3,
                        help="AIORateLimiter(max_retries=…): tries after a 429")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    build(args).run_polling(poll_interval=0.0, timeout=10, drop_pending_updates=False)


if __name__ == "__main__":
    main()
