"""Tests of the Bot API test server: it must refuse and answer calls the way Telegram does."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram import (
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TimedOut

from tests.botapi import BotApiServer, Limits, NoMessageError, load_spec
from tests.botapi.gen_spec import build
from tests.botapi.text import parse_html, parse_markdown_v2, u16len

TOKEN = "123456:TEST-token"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    + (64).to_bytes(4, "big")
    + (32).to_bytes(4, "big")
    + b"\x08\x02\x00\x00\x00"
)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations (avoids its deprecation warning)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    srv = BotApiServer(TOKEN, limits=Limits.off())
    await srv.start()
    yield srv
    await srv.stop()
    assert srv.spec_violations == []
    assert srv.internal_errors == []


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[telegram.Bot]:
    client = telegram.Bot(
        server.token, base_url=server.base_url, base_file_url=server.base_file_url
    )
    async with client:
        yield client


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession,
    server: BotApiServer,
    method: str,
    token: str = TOKEN,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{server.port}/bot{token}/{method}"
    async with http.post(url, json=params) as resp:
        return resp.status, await resp.json()


async def started(server: BotApiServer, name: str = "Alice", **kw: Any) -> Any:
    phone = server.add_user(name, **kw)
    await phone.send("/start")
    return phone


# ------------------------------------------------------------------------------------
# malformed calls
async def test_wrong_token_and_unknown_method(
    server: BotApiServer, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, server, "getMe", token="123456:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await call(http, server, "sendMessag")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await call(http, server, "GETME")  # method names are case-insensitive
    assert status == 200 and body["ok"] and body["result"]["username"] == "liaison_test_bot"
    with pytest.raises(InvalidToken):
        async with telegram.Bot("123456:WRONG", base_url=server.base_url):
            pass


async def test_missing_and_mistyped_parameters(
    server: BotApiServer, http: aiohttp.ClientSession
) -> None:
    alice = await started(server)
    assert await call(http, server, "sendMessage", text="hi") == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"},
    )
    status, body = await call(http, server, "sendMessage", chat_id=alice.id)
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await call(http, server, "sendMessage", chat_id=alice.id, text="  ")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await call(http, server, "sendMessage", chat_id=[alice.id], text="x")
    assert status == 400 and "chat_id" in body["description"]
    status, body = await call(http, server, "deleteMessage", chat_id=alice.id, message_id="abc")
    assert status == 400 and "message_id" in body["description"]
    status, body = await call(http, server, "getUpdates", limit={"a": 1})
    assert status == 400
    status, body = await call(http, server, "sendMessage", chat_id="nobody", text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    status, body = await call(
        http, server, "sendMessage", chat_id=alice.id, text="x", reply_markup="{not json"
    )
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"
    # the generic spec check covers methods the emulator does not implement
    status, body = await call(http, server, "sendPoll", chat_id=alice.id)
    assert (status, body["description"]) == (400, "Bad Request: question is empty")
    status, body = await call(
        http,
        server,
        "sendPoll",
        chat_id=alice.id,
        question="q",
        options=[{"text": "a"}, {"text": "b"}],
    )
    assert status == 501
    status, body = await call(http, server, "setChatTitle", chat_id=alice.id, title="t")
    assert (status, body) == (200, {"ok": True, "result": True})


async def test_form_and_query_encodings(server: BotApiServer, http: aiohttp.ClientSession) -> None:
    alice = await started(server)
    base = f"http://127.0.0.1:{server.port}/bot{TOKEN}"
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    async with http.post(
        f"{base}/sendMessage",
        data={"chat_id": str(alice.id), "text": "form", "reply_markup": markup},
    ) as resp:
        body = await resp.json()
    assert body["ok"] and body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    async with http.get(
        f"{base}/sendMessage", params={"chat_id": str(alice.id), "text": "query"}
    ) as resp:
        assert (await resp.json())["result"]["text"] == "query"
    assert [m.text for m in alice.messages] == ["form", "query"]


async def test_a_user_text_over_the_limit_arrives_as_the_apps_send_it(
    server: BotApiServer,
) -> None:
    alice = server.add_user("Alice")
    first = len(server.update_log)
    await alice.send("字" * 4096)
    await alice.send("😀" * 2049)  # 4,098 UTF-16 code units: one emoji goes on
    await alice.send("a" * 9000)
    texts = [u["message"]["text"] for u in server.update_log[first:]]
    assert texts == ["字" * 4096, "😀" * 2048, "😀", "a" * 4096, "a" * 4096, "a" * 808]


async def test_text_limits_and_html(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = await started(server)
    await bot.send_message(alice.id, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    # the limit applies after entity parsing: tags do not count
    msg = await bot.send_message(alice.id, "<b>" + "y" * 4096 + "</b>", parse_mode="HTML")
    assert msg.text is not None and len(msg.text) == 4096
    assert msg.entities[0].type == "bold"
    with pytest.raises(BadRequest, match=r"(?i)Can't parse entities: can't find end tag"):
        await bot.send_message(alice.id, "<b>bold", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "div"'):
        await bot.send_message(alice.id, "<div>x</div>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Unmatched end tag"):
        await bot.send_message(alice.id, "<b>x</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)unsupported parse_mode"):
        await bot.send_message(alice.id, "x", parse_mode="BBCode")
    html = (
        '<b>签到</b> <i>i</i> <a href="https://example.org">link</a> '
        '<span class="tg-spoiler">s</span> &lt;tag&gt; &amp; 😀<code>c</code>'
    )
    msg = await bot.send_message(alice.id, html, parse_mode="HTML")
    assert msg.text == "签到 i link s <tag> & 😀c"
    kinds = [(e.type, e.offset, e.length) for e in msg.entities]
    assert kinds == [
        ("bold", 0, 2),
        ("italic", 3, 1),
        ("text_link", 5, 4),
        ("spoiler", 10, 1),
        ("code", 22, 1),
    ]  # 😀 is two UTF-16 code units
    view = await alice.wait_for(lambda m: m.text is not None and m.text.startswith("签到"))
    assert view.html is not None and view.html.startswith("<b>签到</b>")
    with pytest.raises(BadRequest, match=r"(?i)Character '.' is reserved"):
        await bot.send_message(alice.id, "Hello.", parse_mode="MarkdownV2")
    msg = await bot.send_message(
        alice.id, r"*bold* \. [a](https://x.org)", parse_mode="MarkdownV2"
    )
    assert msg.text == "bold . a" and [e.type for e in msg.entities] == ["bold", "text_link"]


def test_parsers_directly() -> None:
    assert parse_html("a &amp;&#36;&#x41; &unknown;") == ("a &$A &unknown;", [])
    text, entities = parse_html('<pre><code class="language-python">x=1</code></pre>')
    assert text == "x=1" and entities == [
        {"type": "pre", "offset": 0, "length": 3, "language": "python"}
    ]
    text, entities = parse_markdown_v2("__u__ ||s|| ~st~ `c\\`` _i_")
    assert text == "u s st c` i"
    assert [e["type"] for e in entities] == [
        "underline",
        "spoiler",
        "strikethrough",
        "code",
        "italic",
    ]
    assert u16len("a😀") == 3


async def test_keyboards_and_callback_limits(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = await started(server)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(alice.id, "kb", reply_markup=too_long)
    multi = "签" * 21  # 63 bytes of UTF-8 - fine; 22 characters would be 66 bytes
    ok = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("x", callback_data=multi),
                InlineKeyboardButton("site", url="https://example.org"),
            ]
        ]
    )
    await bot.send_message(alice.id, "kb", reply_markup=ok)
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(
            alice.id,
            "kb",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="签" * 22)]]
            ),
        )
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await bot.send_message(
            alice.id,
            "kb",
            reply_markup={  # type: ignore[arg-type]
                "inline_keyboard": [[{"text": "plain"}]]
            },
        )
    msg = await alice.next_message()
    assert msg.buttons == [["x", "site"]]
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("分享手机号", request_contact=True)], ["位置"]], one_time_keyboard=True
    )
    sent = await bot.send_message(alice.id, "share please", reply_markup=keyboard)
    assert sent.reply_markup is None  # reply keyboards are not echoed in Message
    assert alice.keyboard == [["分享手机号"], ["位置"]]
    contact = await alice.tap("分享手机号")
    assert contact.contact == {
        "phone_number": alice.phone_number,
        "first_name": "Alice",
        "user_id": alice.id,
    }
    assert alice.keyboard is None  # one-time keyboard hidden after use
    # callback answers
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await bot.answer_callback_query("12345", text="x")
    press = asyncio.create_task(alice.press(msg, "x"))
    updates = await bot.get_updates(timeout=2)
    query = updates[-1].callback_query
    assert query is not None and query.data == multi and query.message is not None
    with pytest.raises(BadRequest, match=r"(?i)Message_too_long"):
        await query.answer("a" * 201)
    await query.answer("a" * 200, show_alert=True)
    answer = await press
    assert answer is not None and answer.show_alert and answer.text == "a" * 200
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await query.answer("again")
    with pytest.raises(NoMessageError):
        await alice.press(msg, "x", timeout=0.2)  # nobody answers this one
    with pytest.raises(LookupError):
        await alice.press(msg, "no such button")


async def test_edit_semantics(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = await started(server)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("刷新", callback_data="r")]])
    msg = await bot.send_message(
        alice.id, "<b>已签到 1</b>", parse_mode="HTML", reply_markup=markup
    )
    with pytest.raises(
        BadRequest,
        match=r"(?i)Message is not modified: specified new message "
        "content and reply markup are exactly the same",
    ):
        await bot.edit_message_text(
            "<b>已签到 1</b>", alice.id, msg.message_id, parse_mode="HTML", reply_markup=markup
        )
    # same text, different formatting is a modification
    await bot.edit_message_text("已签到 1", alice.id, msg.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await bot.edit_message_reply_markup(alice.id, msg.message_id, reply_markup=markup)
    edited = await bot.edit_message_text("已签到 2", alice.id, msg.message_id)
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    assert edited.reply_markup is None  # omitting reply_markup removes the keyboard
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", alice.id, 999)
    user_msg = await alice.send("mine")
    with pytest.raises(BadRequest, match=r"(?i)Message can't be edited"):
        await bot.edit_message_text("x", alice.id, user_msg.message_id)
    view = await alice.wait_for(lambda m: m.text == "已签到 2")
    assert view.edit_count == 2 and view.edits[0]["text"] == "已签到 1"
    assert await bot.delete_message(alice.id, msg.message_id)
    assert view.deleted
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(alice.id, msg.message_id)


async def test_edit_message_media_replaces_the_picture_in_place(
    server: BotApiServer, bot: telegram.Bot
) -> None:
    """editMessageMedia as Telegram does it: the same message gets the new picture and the
    caption the new media carries; the same file, caption and buttons is "not modified"."""
    alice = await started(server)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("刷新", callback_data="r")]])
    sent = await bot.send_photo(alice.id, PNG, caption="签到码：111111", reply_markup=markup)
    first = sent.photo[-1].file_id
    edited = await bot.edit_message_media(
        InputMediaPhoto(PNG, caption="签到码：222222"), alice.id, sent.message_id,
        reply_markup=markup,
    )
    assert isinstance(edited, telegram.Message) and edited.message_id == sent.message_id
    assert edited.caption == "签到码：222222" and edited.edit_date is not None
    again = edited.photo[-1].file_id
    assert again != first  # an upload is a new file
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified: specified new"):
        await bot.edit_message_media(InputMediaPhoto(again, caption="签到码：222222"),
                                     alice.id, sent.message_id, reply_markup=markup)
    bare = await bot.edit_message_media(InputMediaPhoto(again), alice.id, sent.message_id)
    assert isinstance(bare, telegram.Message)
    assert bare.caption is None and bare.reply_markup is None
    view = await alice.wait_for(lambda m: m.message_id == sent.message_id and m.edit_count == 2)
    assert view.photo and [m for m in alice.messages if m.photo] == [view]
    text = await bot.send_message(alice.id, "正文")
    became = await bot.edit_message_media(InputMediaPhoto(PNG), alice.id, text.message_id)
    assert isinstance(became, telegram.Message) and became.photo and became.text is None
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_media(InputMediaPhoto(PNG), alice.id, 999)


# ------------------------------------------------------------------------------------
# flood control
async def test_flood_control(
    server: BotApiServer, bot: telegram.Bot, http: aiohttp.ClientSession
) -> None:
    server.limits = Limits(group_per_minute=3, private_per_second=1.0, private_burst=2)
    alice = await started(server)
    bob = await started(server, "Bob")
    group = server.add_group("第一活动组", members=[alice], admins=[bob])
    await group.add_bot(by=bob)
    for i in range(3):
        await bot.send_message(group.id, f"g{i}")
    status, body = await call(
        http,
        server,
        "editMessageText",
        chat_id=group.id,
        message_id=group.messages[0].message_id,
        text="edited",
    )
    assert status == 429 and body["description"].startswith("Too Many Requests: retry after ")
    retry = body["parameters"]["retry_after"]
    assert 50 <= retry <= 60 and body["description"].endswith(str(retry))
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(group.id, "g3")
    assert 50 <= caught.value.retry_after.total_seconds() <= 60  # type: ignore[union-attr]
    # private chats tolerate a short burst, then about one per second
    await bot.send_message(alice.id, "p1")
    await bot.send_message(alice.id, "p2")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "p3")
    assert caught.value.retry_after.total_seconds() == 1  # type: ignore[union-attr]
    await bot.send_message(bob.id, "other chats are independent")
    # answering callbacks and getters are not limited
    for _ in range(5):
        await bot.get_chat(alice.id)
    assert server.max_calls_in_window(60, chat_id=group.id) == 3
    assert len(server.calls_for("sendMessage", chat_id=group.id, ok=False)) == 1


# ------------------------------------------------------------------------------------
# access errors
async def test_forbidden_and_membership(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = await started(server)
    stranger = server.add_user("Stranger")
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "hi")
    await alice.block_bot()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(alice.id, "hi")
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_photo(alice.id, PNG)
    await alice.unblock_bot()
    await bot.send_message(alice.id, "welcome back")
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(-1009999999999, "hi")
    group = server.add_group("活动组", members=[alice], supergroup=True)
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the supergroup chat"):
        await bot.send_message(group.id, "hi")
    basic = server.add_group("小组", members=[alice], supergroup=False)
    await basic.add_bot(by=alice)
    await basic.remove_bot(by=alice)
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the group chat"):
        await bot.send_message(basic.id, "hi")
    updates = await bot.get_updates()
    kinds = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert kinds == ["kicked", "member", "member", "kicked"]  # block, unblock, add, kick


async def test_group_members_and_admins(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = await started(server)
    bob = server.add_user("Bob")
    carol = server.add_user("Carol")
    group = server.add_group("第一活动组", members=[alice, carol], admins=[bob])
    await group.add_bot(by=bob, as_admin=True, rights={"can_pin_messages": False})
    assert group.bot_status == "administrator"
    member = await bot.get_chat_member(group.id, bob.id)
    assert member.status == "creator"
    me = await bot.get_chat_member(group.id, server.bot_id)
    assert isinstance(me, telegram.ChatMemberAdministrator) and me.can_delete_messages
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {bob.id, server.bot_id}
    await group.remove_member(carol, by=bob, ban=True)
    assert (await bot.get_chat_member(group.id, carol.id)).status == "kicked"
    assert (await bot.get_chat_member(group.id, alice.id)).status == "member"
    assert await bot.get_chat_member_count(group.id) == 3
    sent = await bot.send_message(group.id, "公告")
    with pytest.raises(BadRequest, match=r"(?i)Not enough rights to manage pinned messages"):
        await bot.pin_chat_message(group.id, sent.message_id)
    said = await alice.send("plain talk", chat=group)  # bot is admin: sees everything
    assert await bot.delete_message(group.id, said.message_id)
    chat = await bot.get_chat(group.id)
    assert chat.type == "supergroup" and chat.title == "第一活动组"
    assert await bot.leave_chat(group.id)
    assert group.bot_status == "left"
    updates = await bot.get_updates()
    statuses = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in updates
        if u.my_chat_member
    ]
    assert statuses == [("left", "administrator"), ("administrator", "left")]


async def test_pinned_messages_as_telegram_keeps_them(
    server: BotApiServer, bot: telegram.Bot
) -> None:
    """Several messages can be pinned; the chat shows the newest; unpinning one shows the one
    pinned before; each pin in a group leaves a service message; rights are needed."""
    bob = server.add_user("Bob")
    group = server.add_group("第一活动组", admins=[bob])
    await group.add_bot(by=bob, as_admin=True)
    first = await bot.send_message(group.id, "活动通知 1")
    second = await bot.send_message(group.id, "活动通知 2")
    assert await bot.pin_chat_message(group.id, first.message_id, disable_notification=True)
    assert await bot.pin_chat_message(group.id, second.message_id, disable_notification=True)
    chat = await bot.get_chat(group.id)
    assert chat.pinned_message is not None and chat.pinned_message.text == "活动通知 2"
    assert [m.raw["pinned_message"]["text"] for m in group.service_messages
            if "pinned_message" in m.raw] == ["活动通知 1", "活动通知 2"]
    assert [m.text for m in group.skip_pending()] == ["活动通知 1", "活动通知 2"]
    assert await bot.unpin_chat_message(group.id, second.message_id)
    pinned = group.pinned_message
    assert pinned is not None and pinned.text == "活动通知 1"
    assert await bot.unpin_chat_message(group.id, second.message_id)  # not pinned: still True
    assert await bot.unpin_chat_message(group.id)  # the newest
    assert group.pinned_message is None
    with pytest.raises(BadRequest, match=r"(?i)Message to pin not found"):
        await bot.pin_chat_message(group.id, 999)


# ------------------------------------------------------------------------------------
# getUpdates semantics
async def test_get_updates_offsets(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = server.add_user("Alice")
    for i in range(3):
        await alice.send(f"m{i}")
    first = await bot.get_updates()
    assert [u.message.text for u in first] == ["m0", "m1", "m2"]  # type: ignore[union-attr]
    again = await bot.get_updates()  # nothing confirmed yet: delivered again
    assert [u.update_id for u in again] == [u.update_id for u in first]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first[0].update_id]
    rest = await bot.get_updates(offset=first[1].update_id)  # confirms the first one
    assert [u.update_id for u in rest] == [first[1].update_id, first[2].update_id]
    assert first[0].update_id not in [u.update_id for u in await bot.get_updates()]
    assert await bot.get_updates(offset=first[2].update_id + 1) == ()
    assert await bot.get_updates() == ()  # confirmed updates never come back
    await alice.send("m3")
    await alice.send("m4")
    last = await bot.get_updates(offset=-1)  # negative offset: only the newest one
    assert [u.message.text for u in last] == ["m4"]  # type: ignore[union-attr]
    assert first[2].update_id < last[0].update_id
    assert [u["update_id"] for u in server.update_log] == sorted(
        u["update_id"] for u in server.update_log
    )


async def test_long_polling(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = server.add_user("Alice")
    started_at = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started_at < 2.0
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    started_at = time.monotonic()
    await alice.send("wake up")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started_at < 0.5
    assert updates[0].message is not None and updates[0].message.text == "wake up"
    await server.wait_until_delivered(timeout=1)
    # allowed_updates filters and is remembered
    await bot.get_updates(offset=updates[-1].update_id + 1, allowed_updates=["callback_query"])
    await alice.send("ignored")
    assert await bot.get_updates(timeout=0) == ()


async def test_webhook(server: BotApiServer, bot: telegram.Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    failures = {"left": 1}
    concurrent = {"now": 0, "max": 0}

    async def endpoint(request: web.Request) -> web.Response:
        if failures["left"]:
            failures["left"] -= 1
            return web.Response(status=500)
        concurrent["now"] += 1
        concurrent["max"] = max(concurrent["max"], concurrent["now"])
        await asyncio.sleep(0.05)  # the bot answers only after handling the update
        concurrent["now"] -= 1
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((await request.json(), secret))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/telegram", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        with pytest.raises(BadRequest, match=r"(?i)Https url must be provided"):
            await bot.set_webhook("http://example.org/telegram")
        # the bot registers its public https URL; the proxy in front of it is emulated
        server.webhook_proxy = f"http://127.0.0.1:{port}/telegram"
        assert await bot.set_webhook("https://bot.example.org/telegram", secret_token="s3cret")
        with pytest.raises(telegram.error.Conflict, match=r"(?i)while webhook is active"):
            await bot.get_updates()
        alice = server.add_user("Alice")
        bob = server.add_user("Bob")
        for i in range(3):
            await alice.send(f"a{i}")
            await bob.send(f"b{i}")
        await server.wait_until_confirmed(timeout=5)
        texts = [update["message"]["text"] for update, _ in received]
        assert [t for t in texts if t[0] == "a"] == ["a0", "a1", "a2"]  # per-chat order
        assert [t for t in texts if t[0] == "b"] == ["b0", "b1", "b2"]
        assert concurrent["max"] == 2  # chats are delivered in parallel
        assert {secret for _, secret in received} == {"s3cret"}
        info = await bot.get_webhook_info()
        assert info.url == "https://bot.example.org/telegram"
        assert info.pending_update_count == 0
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
        assert await bot.get_updates() == ()
    finally:
        await runner.cleanup()


async def test_webhook_delivers_callback_queries_by_user(
    server: BotApiServer, bot: telegram.Bot
) -> None:
    """As the Bot API server queues them: presses under one group message by different users
    go out in parallel (up to max_connections), one user's presses in order."""
    received: list[dict[str, Any]] = []
    concurrent = {"now": 0, "max": 0}

    async def endpoint(request: web.Request) -> web.Response:
        concurrent["now"] += 1
        concurrent["max"] = max(concurrent["max"], concurrent["now"])
        await asyncio.sleep(0.05)
        concurrent["now"] -= 1
        received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/telegram", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        people = [server.add_user(f"P{i}") for i in range(6)]
        admin = server.add_user("Admin")
        group = server.add_group("第一活动组", members=people, admins=[admin])
        await group.add_bot(by=admin, as_admin=True)
        markup = telegram.InlineKeyboardMarkup(
            [[telegram.InlineKeyboardButton("签到", callback_data="x")]]
        )
        await bot.send_message(group.id, "签到", reply_markup=markup)
        posted = group.last_message
        assert posted is not None
        server.webhook_proxy = f"http://127.0.0.1:{port}/telegram"
        assert await bot.set_webhook("https://bot.example.org/telegram", max_connections=4,
                                     drop_pending_updates=True)  # the bot's joining
        for round_ in range(2):
            for person in people:
                await person.press_data(posted, f"x{round_}", wait=False)
        await server.wait_until_confirmed(timeout=5)
        presses = [u["callback_query"] for u in received if "callback_query" in u]
        assert len(presses) == 12
        assert concurrent["max"] == 4  # one group, yet max_connections at once
        for person in people:
            mine = [q["data"] for q in presses if q["from"]["id"] == person.id]
            assert mine == ["x0", "x1"]  # one user's presses in order
    finally:
        await runner.cleanup()


# ------------------------------------------------------------------------------------
# privacy mode
async def test_group_privacy_mode(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = server.add_user("Alice")
    bob = server.add_user("Bob")
    group = server.add_group("第一活动组", members=[alice], admins=[bob])
    await alice.send("before the bot joined", chat=group)
    await group.add_bot(by=bob)
    updates = await bot.get_updates()
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    assert updates[1].message is not None and updates[1].message.new_chat_members
    offset = updates[-1].update_id + 1
    await alice.send("hello everyone", chat=group)  # not delivered
    await alice.send("/bindgroup", chat=group)
    await alice.send("/bindgroup@liaison_test_bot", chat=group)
    await alice.send("/bindgroup@other_bot", chat=group)  # addressed to another bot
    await alice.send("see /help later", chat=group)  # command not at the start
    sent = await bot.send_message(group.id, "请回复")
    await bob.send("reply to the bot", chat=group, reply_to=sent.message_id)
    await bob.send("reply to alice", chat=group, reply_to=group.all_messages[2])
    await alice.send("private chats get everything")
    updates = await bot.get_updates(offset=offset)
    texts = [u.message.text for u in updates if u.message]
    assert texts == [
        "/bindgroup",
        "/bindgroup@liaison_test_bot",
        "reply to the bot",
        "private chats get everything",
    ]
    entity = updates[1].message.entities[0]  # type: ignore[union-attr]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 27)
    assert len(group.all_messages) == 10  # everything is still in the chat history
    await group.set_bot_admin(by=bob)  # administrators see every message
    await alice.send("now visible", chat=group)
    updates = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.message.text for u in updates if u.message] == ["now visible"]


# ------------------------------------------------------------------------------------
# files
async def test_upload_get_file_download(
    server: BotApiServer, bot: telegram.Bot, http: aiohttp.ClientSession
) -> None:
    alice = await started(server)
    payload = bytes(range(256)) * 40
    msg = await bot.send_document(
        alice.id, payload, filename="名单.xlsx", caption="<b>名单</b>", parse_mode="HTML"
    )
    assert msg.document is not None and msg.document.file_name == "名单.xlsx"
    assert msg.caption == "名单" and msg.document.file_size == len(payload)
    file = await bot.get_file(msg.document.file_id)
    assert file.file_path is not None and file.file_path.endswith(".xlsx")
    assert bytes(await file.download_as_bytearray()) == payload
    again = await bot.send_document(alice.id, msg.document.file_id)  # reuse by file_id
    assert again.document is not None
    assert again.document.file_unique_id == msg.document.file_unique_id
    photo = await bot.send_photo(alice.id, PNG, caption="二维码")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (64, 32)
    with pytest.raises(BadRequest, match=r"(?i)Image_process_failed"):
        await bot.send_photo(alice.id, b"not an image")
    with pytest.raises(BadRequest, match=r"(?i)Wrong file identifier/http url specified"):
        await bot.send_photo(alice.id, "no-such-file-id")
    with pytest.raises(BadRequest, match=r"(?i)Message caption is too long"):
        await bot.send_photo(alice.id, PNG, caption="c" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)Invalid file_id"):
        await bot.get_file("nope")
    # a photo the user sends can be fetched by the bot
    sent = await alice.send_photo(b"\xff\xd8jpeg-bytes", caption="签到照片")
    assert sent.photo is not None
    user_file = await bot.get_file(sent.photo[-1]["file_id"])
    assert bytes(await user_file.download_as_bytearray()) == b"\xff\xd8jpeg-bytes"
    url = f"http://127.0.0.1:{server.port}/file/bot{TOKEN}/documents/missing.bin"
    async with http.get(url) as resp:
        assert resp.status == 404
    # size caps
    server.limits = Limits.off(max_upload_bytes=1000, max_download_bytes=100)
    with pytest.raises(telegram.error.NetworkError, match=r"(?i)Request Entity Too Large"):
        await bot.send_document(alice.id, b"x" * 2000, filename="big.bin")
    with pytest.raises(BadRequest, match=r"(?i)File is too big"):
        await bot.get_file(msg.document.file_id)
    assert [m.document["file_name"] for m in alice.messages if m.document] == [
        "名单.xlsx",
        "名单.xlsx",
    ]


# ------------------------------------------------------------------------------------
# commands
async def test_commands_scopes_and_languages(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = await started(server, language_code="zh-hans")
    bob = await started(server, "Bob", language_code="en")
    group = server.add_group("第一活动组", members=[alice], admins=[bob])
    await group.add_bot(by=bob)
    assert await bot.set_my_commands([("start", "Start")])
    assert await bot.set_my_commands(
        [("start", "开始"), ("checkin", "签到")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="zh",
    )
    assert await bot.set_my_commands(
        [("bindgroup", "绑定本群")], scope=BotCommandScopeAllGroupChats()
    )
    assert await bot.set_my_commands([("report", "报表")], scope=BotCommandScopeChat(bob.id))
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="zh")
    assert [(c.command, c.description) for c in got] == [("start", "开始"), ("checkin", "签到")]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert [c["command"] for c in alice.visible_commands()] == ["start", "checkin"]
    assert [c["command"] for c in bob.visible_commands()] == ["report"]
    assert [c["command"] for c in alice.visible_commands(group)] == ["bindgroup"]
    with pytest.raises(BadRequest, match=r"(?i)Bot_command_invalid"):
        await bot.set_my_commands([("Bad-Command", "x")])
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.set_my_commands([("x", "y")], scope=BotCommandScopeChat(-1000))
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(bob.id))
    assert [c["command"] for c in bob.visible_commands()] == ["start"]


# ------------------------------------------------------------------------------------
# phone driver, faults, latency
async def test_phone_driver(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = server.add_user("Alice", phone_number="+8613800000001")
    bob = server.add_user("Bob")
    with pytest.raises(ValueError, match=r"(?i)64"):
        await alice.start("x" * 65)
    with pytest.raises(ValueError, match=r"(?i)only contain"):
        await alice.start("bad payload!")
    first = await alice.start("invite-ABC_123")
    assert first.text == "/start invite-ABC_123"
    await alice.share_contact()
    await alice.share_contact("+8613900000002", first_name="Bob", user_id=bob.id)
    await alice.share_location(39.9, 116.4, live_period=600, horizontal_accuracy=15.0)
    await alice.send_document(b"%PDF-1.4", file_name="a.pdf", mime_type="application/pdf")
    await alice.send_sticker()
    edited_source = await alice.send("typo")
    await alice.edit(edited_source, "fixed")
    updates = await bot.get_updates()
    messages = [u.message or u.edited_message for u in updates]
    assert messages[1].contact.user_id == alice.id  # type: ignore[union-attr]
    assert messages[1].contact.phone_number == "+8613800000001"  # type: ignore[union-attr]
    assert messages[2].contact.user_id == bob.id  # type: ignore[union-attr]
    assert messages[3].location.live_period.total_seconds() == 600  # type: ignore[union-attr]
    assert messages[4].document.mime_type == "application/pdf"  # type: ignore[union-attr]
    assert messages[5].sticker is not None  # type: ignore[union-attr]
    assert updates[-1].edited_message is not None
    assert updates[-1].edited_message.text == "fixed"
    assert messages[0].from_user.language_code == "en"  # type: ignore[union-attr]
    # cursors: next_message returns sent messages in order, edits do not count
    m1 = await bot.send_message(alice.id, "one")
    await bot.send_message(alice.id, "two")
    await bot.edit_message_text("one!", alice.id, m1.message_id)
    assert (await alice.next_message()).text == "one!"
    assert (await alice.next_message()).text == "two"
    await alice.expect_no_message(within=0.1)
    with pytest.raises(NoMessageError):
        await alice.next_message(timeout=0.1)
    # deep-link URL button
    link = InlineKeyboardMarkup(
        [[InlineKeyboardButton("私聊绑定", url="https://t.me/liaison_test_bot?start=bind_42")]]
    )
    group = server.add_group("组", members=[alice, bob])
    await group.add_bot(by=bob)
    gmsg = await bot.send_message(group.id, "点击绑定", reply_markup=link)
    view = await group.next_message()
    assert view.message_id == gmsg.message_id
    assert await alice.press(view, "私聊绑定") is None
    assert alice.all_messages[-1].text == "/start bind_42"


async def test_faults_latency_and_timeouts(server: BotApiServer, bot: telegram.Bot) -> None:
    alice = await started(server)
    server.inject_failure("sendMessage", times=1)
    with pytest.raises(telegram.error.NetworkError, match=r"(?i)Internal Server Error"):
        await bot.send_message(alice.id, "lost")
    await bot.send_message(alice.id, "delivered")  # the fault fired only once
    server.inject_flood("sendMessage", retry_after=7, times=1)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "x")
    assert caught.value.retry_after.total_seconds() == 7  # type: ignore[union-attr]
    server.inject_delay("sendMessage", 1.0, times=1)
    with pytest.raises(TimedOut):
        await bot.send_message(alice.id, "slow", read_timeout=0.2)
    await asyncio.sleep(0.9)  # the call is executed even though the client gave up
    assert [m.text for m in alice.messages] == ["delivered", "slow"]
    server.latency = 0.2
    started_at = time.monotonic()
    await asyncio.gather(*(bot.get_me() for _ in range(5)))
    assert time.monotonic() - started_at < 0.6  # latency does not serialise calls
    server.latency = 0.0
    assert {c.error_code for c in server.calls_for("sendMessage", ok=False)} == {500, 429}


# ------------------------------------------------------------------------------------
# conformance with the reference
async def test_returned_objects_match_spec(server: BotApiServer, bot: telegram.Bot) -> None:
    spec = load_spec()
    server.validate_responses = False  # check explicitly below
    alice = await started(server)
    bob = server.add_user("Bob")
    group = server.add_group("第一活动组", members=[alice], admins=[bob])
    await group.add_bot(by=bob, as_admin=True)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("签到", callback_data="c")]])
    msg = await bot.send_message(group.id, "<b>签到</b>", parse_mode="HTML", reply_markup=markup)
    await alice.send("/checkin", chat=group, reply_to=msg.message_id)
    press = asyncio.create_task(alice.press(group.messages[0], "签到"))
    updates = await bot.get_updates(timeout=1)
    await updates[-1].callback_query.answer("ok")  # type: ignore[union-attr]
    await press
    await bot.edit_message_text("已签到 1", group.id, msg.message_id, reply_markup=markup)
    await bot.send_photo(alice.id, PNG)
    await bot.send_location(alice.id, 39.9, 116.4)
    await bot.get_chat(group.id)
    await bot.get_chat(alice.id)
    await bot.get_chat_member(group.id, alice.id)
    await bot.get_chat_administrators(group.id)
    await bot.get_webhook_info()
    await bot.set_my_commands([("start", "开始")])
    await bot.get_my_commands()
    await bot.send_chat_action(alice.id, "typing")
    await bot.get_updates()
    checked = 0
    for recorded in server.calls:
        if recorded.ok:
            problems = spec.check_object(recorded.result, spec.returns(recorded.method))
            assert problems == [], (recorded.method, problems)
            checked += 1
    for update in server.update_log:
        assert spec.check_object(update, ["Update"]) == []
    assert checked >= 15
    # the checker really detects missing required fields
    assert spec.check_object({"message_id": 1, "date": 0}, ["Message"]) == [
        "$: Message.chat is required"
    ]
    assert spec.check_object({"status": "administrator", "user": {"id": 1}}, ["ChatMember"]) != []


def test_spec_generator_keeps_facts_only() -> None:
    api = {
        "version": "Bot API 0.1",
        "methods": {
            "getMe": {"description": ["Returns the bot."], "returns": ["User"], "fields": []}
        },
        "types": {
            "User": {
                "description": ["A user."],
                "fields": [
                    {"name": "id", "types": ["Integer"], "required": True, "description": "Id"}
                ],
            }
        },
    }
    assert build(api) == {
        "version": "Bot API 0.1",
        "methods": {"getMe": {"params": [], "returns": ["User"]}},
        "types": {"User": {"fields": [["id", ["Integer"], True]]}},
    }
    spec = load_spec()
    assert all(set(m) == {"params", "returns"} for m in spec.methods.values())
    assert all(set(t) <= {"fields", "subtypes", "const"} for t in spec.types.values())
    assert spec.required_fields("User") == ["id", "is_bot", "first_name"]
    assert spec.required_fields("Message") == ["message_id", "date", "chat"]
    assert len(spec.methods) >= 150


# ------------------------------------------------------------------------------------
# a real python-telegram-bot Application end to end
async def test_ptb_application_polling(server: BotApiServer) -> None:
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        CommandHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        payload = " ".join(context.args or [])
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("签到", callback_data="in")]])
        await update.effective_message.reply_html(
            f"<b>欢迎</b> {payload}".strip(), reply_markup=keyboard
        )

    async def pressed(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("已签到")
        await query.edit_message_text("已签到 1")

    async def contact(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        assert update.effective_message.contact is not None
        await update.effective_message.reply_text(
            f"绑定 {update.effective_message.contact.phone_number}",
            reply_markup=telegram.ReplyKeyboardRemove(),
        )

    app = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.CONTACT, contact))
    alice = server.add_user("Alice", phone_number="+8613800000001")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await alice.start("group-7")
            welcome = await alice.next_message(timeout=3)
            assert welcome.text == "欢迎 group-7" and welcome.html == "<b>欢迎</b> group-7"
            answer = await alice.press(welcome, "签到", timeout=3)
            assert answer is not None and answer.text == "已签到"
            await alice.wait_for(lambda m: m.text == "已签到 1" and not m.buttons, timeout=3)
            await alice.share_contact()
            assert (await alice.next_message(timeout=3)).text == "绑定 +8613800000001"
        finally:
            started_at = time.monotonic()
            await app.updater.stop()
            await app.stop()
    assert time.monotonic() - started_at < 3


async def test_second_long_poll_terminates_the_first(
    server: BotApiServer, bot: telegram.Bot, http: aiohttp.ClientSession
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert await call(http, server, "getUpdates", timeout=0) == (200, {"ok": True, "result": []})
    with pytest.raises(telegram.error.Conflict, match=r"(?i)terminated by other getUpdates"):
        await first


async def test_client_gone_mid_request_is_no_emulator_error(server: BotApiServer) -> None:
    """A bot killed while sending a request (SIGKILL) leaves a half-sent body behind."""
    _reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        f"POST /bot{TOKEN}/sendMessage HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"chat_id\": 1".encode()
    )
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    for _ in range(20):  # nothing to wait on: the handler learns of the loss by itself
        await asyncio.sleep(0.01)
    assert server.internal_errors == []
    assert server.calls == []
