"""The check-in burst's peers: the bot python-telegram-bot users write for a 签到 button, run by
the benchmark in its own process, against the same test server as `liaison-bot run`.

    python -m benchmarks.checkin_burst.peer_bot --token T --base-url U --base-file-url F
        --group CHAT_ID --db FILE [--transport httpx|aiohttp] [--post]

Following PTB's documentation: an Application with `concurrent_updates(True)`, PTB's
`AIORateLimiter(max_retries=3)` (with the default of none, a message refused with 429 at 30
a second is given up: about a third of a crowd's QR confirmations), `run_polling`; every
press is written with aiosqlite and committed (one commit per press, the way its examples use
a database), then answered with `query.answer()`; `/start <payload>` (the QR deep link) is
written the same way and answered with a message.

* `--transport httpx` (the stock bot): PTB's default HTTP client.
* `--transport aiohttp` (the bare bot, the floor): the same bot on an aiohttp transport like
  the project's (bot/telegram/http.py), for calls and for getUpdates.

The database gets the pragmas the project's uses (WAL, synchronous=NORMAL), so the peers do not
lose on the disk. `--post` posts the message with the 签到 button at start (the first start
only: a restart after a kill must not post a second one). Updates are confirmed as PTB
confirms them: by the next getUpdates, before they are handled.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence

import aiosqlite
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.telegram.http import AiohttpRequest

BUTTON = "签到"
POSTED = "活动签到（基准）"  # the benchmark finds the button's message by this text
ANSWER = "签到成功"
SCHEMA = ("CREATE TABLE IF NOT EXISTS checkins (user_id INTEGER NOT NULL, "
          "update_id INTEGER NOT NULL, method TEXT NOT NULL, at REAL NOT NULL)")


def build(args: argparse.Namespace) -> Application:
    db: dict[str, aiosqlite.Connection] = {}

    async def post_init(application: Application) -> None:
        connection = await aiosqlite.connect(args.db)
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=NORMAL")
        await connection.execute(SCHEMA)
        await connection.commit()
        db["conn"] = connection
        if args.post:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(BUTTON,
                                                                 callback_data="checkin")]])
            await application.bot.send_message(args.group, POSTED, reply_markup=markup)

    async def post_shutdown(application: Application) -> None:
        if "conn" in db:
            await db["conn"].close()

    async def record(update: Update, method: str) -> None:
        assert update.effective_user is not None
        connection = db["conn"]
        await connection.execute(
            "INSERT INTO checkins(user_id, update_id, method, at) VALUES (?, ?, ?, ?)",
            (update.effective_user.id, update.update_id, method, time.time()),
        )
        await connection.commit()

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await record(update, "button")
        await update.callback_query.answer(ANSWER)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        if not context.args:
            await context.bot.send_message(update.effective_chat.id, "你好")
            return
        await record(update, "qr")
        await context.bot.send_message(update.effective_chat.id, ANSWER)

    builder = (
        ApplicationBuilder()
        .token(args.token)
        .base_url(args.base_url)
        .base_file_url(args.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if args.transport == "aiohttp":
        builder = (builder.request(AiohttpRequest(connections=256, timeout=10.0))
                   .get_updates_request(AiohttpRequest(connections=1, timeout=10.0)))
    application = builder.build()
    application.add_handler(CallbackQueryHandler(press))
    application.add_handler(CommandHandler("start", start))
    return application


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--base-file-url", required=True)
    parser.add_argument("--group", type=int, required=True, help="the group's chat id")
    parser.add_argument("--db", required=True, help="the SQLite file of check-ins")
    parser.add_argument("--transport", choices=("httpx", "aiohttp"), default="httpx")
    parser.add_argument("--post", action="store_true", help="post the 签到 button at start")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    build(args).run_polling(poll_interval=0.0, timeout=10, drop_pending_updates=False)


if __name__ == "__main__":
    main()
