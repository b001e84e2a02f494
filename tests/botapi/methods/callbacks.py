"""Callback queries: the phone's button press and answerCallbackQuery.

A press waits on a future that answerCallbackQuery resolves, so a test can assert the
toast or alert the user saw; an answer after ``callback_answer_timeout`` (15 s) or a second
answer is "query is too old", as on Telegram.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any

from ..model import CallbackAnswer, CallbackRecord, StoredMessage, User
from ..spec import bad_request
from .updates import emit

if TYPE_CHECKING:
    from ..server import BotApiServer


QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def callback_query(
    server: BotApiServer, user: User, stored: StoredMessage, data: str
) -> CallbackRecord:
    query_id = str(server._rng.randrange(10**17, 10**19))
    future: asyncio.Future[CallbackAnswer] = asyncio.get_running_loop().create_future()
    record = CallbackRecord(
        id=query_id,
        user_id=user.id,
        chat_id=stored.chat.id,
        message_id=stored.message_id,
        data=data,
        created=time.monotonic(),
        answer=future,
    )
    server.callbacks[query_id] = record
    chat_instance = str((stored.chat.id * 2654435761) & 0xFFFFFFFFFFFFF)
    emit(
        server,
        "callback_query",
        {
            "id": query_id,
            "from": user.to_api(),
            "message": stored.data,
            "chat_instance": chat_instance,
            "data": data,
        },
    )
    return record


async def answer_callback_query(server: BotApiServer, params: dict[str, Any]) -> bool:
    record = server.callbacks.get(params["callback_query_id"])
    age = time.monotonic() - record.created if record else 0.0
    if record is None or record.answer.done() or age > server._limits.callback_answer_timeout:
        raise bad_request(QUERY_TOO_OLD)
    text = params.get("text")
    if text is not None and len(text) > server._limits.max_callback_answer:
        raise bad_request("MESSAGE_TOO_LONG")
    url = params.get("url")
    if url is not None and not re.match(
        rf"^https?://t\.me/{re.escape(server.bot_username)}\?start=", url, re.IGNORECASE
    ):
        raise bad_request("URL_INVALID")
    record.answer.set_result(
        CallbackAnswer(
            text=text,
            show_alert=bool(params.get("show_alert")),
            url=url,
            cache_time=params.get("cache_time", 0),
        )
    )
    server._notify()
    return True
