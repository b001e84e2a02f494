"""The test server's terminal chat (`python -m tests.botapi`): it saves what the bot sends, presses
buttons of earlier messages, shares live locations, has several group chats and gives each user
a phone a roster can name. Driven here without the bot: the test plays the bot over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from tests.botapi import BotApiServer
from tests.botapi.__main__ import TerminalChat

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
async def bot(server: BotApiServer) -> AsyncIterator[telegram.Bot]:
    """The test's stand-in for the bot: a PTB client of the test server."""
    client = telegram.Bot(
        server.token, base_url=server.base_url, base_file_url=server.base_file_url
    )
    async with client:
        yield client


def terminal(
    server: BotApiServer, tmp_path: Path, groups: tuple[str, ...] = ("第一活动组",)
) -> tuple[TerminalChat, list[str]]:
    screen: list[str] = []
    chat = TerminalChat(
        server, ["Alice", "Bob"], groups, files=tmp_path / "offline-files", out=screen.append
    )
    return chat, screen


def lines(screen: list[str]) -> list[str]:
    return "\n".join(screen).splitlines()


def updates(server: BotApiServer, kind: str) -> list[dict[str, Any]]:
    return [u[kind] for u in server.update_log if kind in u]


async def test_documents_and_photos_the_bot_sends_land_in_the_files_folder(
    server: BotApiServer, bot: telegram.Bot, tmp_path: Path
) -> None:
    chat, screen = terminal(server, tmp_path)
    await chat.handle("/start")
    alice = chat.me.id
    await bot.send_document(alice, b"first workbook", filename="履职登记表.xlsx")
    await bot.send_document(alice, b"second workbook", filename="履职登记表.xlsx", caption="再来")
    photo = await bot.send_photo(alice, PNG)
    chat.refresh()
    folder = tmp_path / "offline-files"
    assert (folder / "履职登记表.xlsx").read_bytes() == b"first workbook"
    assert (folder / "履职登记表-2.xlsx").read_bytes() == b"second workbook"  # not overwritten
    [photo_file] = folder.glob("photo-*")
    assert photo_file.suffix == ".png" and photo_file.read_bytes() == PNG
    shown = "\n".join(screen)
    assert f"[document 履职登记表.xlsx → {folder / '履职登记表.xlsx'}]" in shown
    assert f"→ {folder / '履职登记表-2.xlsx'}]" in shown
    assert f"[photo → {photo_file}]" in shown
    # an edit of the caption shows the message again, but writes no second copy
    await bot.edit_message_caption(alice, photo.message_id, caption="说明")
    chat.refresh()
    assert len(list(folder.iterdir())) == 3
    assert "(edited)" in screen[-1] and f"[photo → {photo_file}]" in screen[-1]


async def test_press_reaches_an_earlier_message_by_its_number(
    server: BotApiServer, bot: telegram.Bot, tmp_path: Path
) -> None:
    chat, screen = terminal(server, tmp_path)
    await chat.handle("/start")
    alice = chat.me.id
    first = await bot.send_message(alice, "第一条", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("签到", callback_data="a1"),
          InlineKeyboardButton("请假", callback_data="a2")]]))
    await bot.send_message(alice, "第二条", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("好", callback_data="b1")]]))
    chat.refresh()
    assert lines(screen) == [
        "#1 [bot → Alice] 第一条", "  [1] 签到   [2] 请假", "#2 [bot → Alice] 第二条", "  [1] 好"
    ]

    async def press(line: str) -> dict[str, Any]:
        before = len(server.callbacks)
        pressing = asyncio.create_task(chat.handle(line))
        await server._wait_for(lambda: len(server.callbacks) > before, 5, "no callback query")
        query = updates(server, "callback_query")[-1]
        await bot.answer_callback_query(query["id"], text=f"pressed {query['data']}")
        await pressing
        return query

    earlier = await press("/press 1 2")  # message #1, button 2
    assert earlier["message"]["message_id"] == first.message_id
    assert earlier["data"] == "a2"
    assert screen[-1] == "[toast] pressed a2"
    newest = await press("/press 1")  # the newest message with buttons
    assert newest["data"] == "b1"


async def test_keyboard_buttons_are_shown_apart_from_inline_ones_and_tapped(
    server: BotApiServer, bot: telegram.Bot, tmp_path: Path
) -> None:
    chat, screen = terminal(server, tmp_path)
    await chat.handle("/start")
    await bot.send_message(chat.me.id, "请分享手机号", reply_markup=ReplyKeyboardMarkup(
        [[KeyboardButton("分享我的手机号", request_contact=True)]], one_time_keyboard=True))
    chat.refresh()
    assert lines(screen)[-1] == "  keyboard: <1> 分享我的手机号 (shares your contact)"
    await chat.handle("/tap 1")
    shared = updates(server, "message")[-1]
    assert shared["contact"]["phone_number"] == "+8613800000001"
    assert shared["contact"]["user_id"] == chat.me.id


async def test_a_live_location_goes_with_its_live_period_and_moves_as_edits(
    server: BotApiServer, tmp_path: Path
) -> None:
    chat, _ = terminal(server, tmp_path)
    await chat.handle("/location 39.9042 116.4074 live")
    sent = updates(server, "message")[-1]
    assert sent["location"] == {"latitude": 39.9042, "longitude": 116.4074, "live_period": 900}
    # as handlers/attendance/checkin.py reads it: a live location
    message = telegram.Message.de_json(sent, None)
    assert message.location is not None
    assert message.location.to_dict().get("live_period") is not None
    await chat.handle("/location 39.9 116.4 live 3600")
    assert updates(server, "message")[-1]["location"]["live_period"] == 3600
    await chat.handle("/move 39.9050 116.4080")  # the latest live location moves
    [moved] = updates(server, "edited_message")
    assert moved["message_id"] == updates(server, "message")[-1]["message_id"]
    assert moved["location"]["latitude"] == 39.9050
    assert moved["location"]["live_period"] == 3600
    await chat.handle("/location 39.9 116.4")  # a plain one stays plain
    assert "live_period" not in updates(server, "message")[-1]["location"]


async def test_several_group_chats_and_admin_make_the_bot_an_administrator(
    server: BotApiServer, bot: telegram.Bot, tmp_path: Path
) -> None:
    chat, screen = terminal(server, tmp_path, groups=("第一活动组", "第二活动组"))
    first, second = chat.groups
    assert [first.title, second.title] == ["第一活动组", "第二活动组"]
    await chat.handle("/group 第二活动组")
    assert chat.current is second and second.bot_status == "member"
    assert first.bot_status == "left"
    await chat.handle("/admin")
    assert second.bot_status == "administrator"
    promoted = updates(server, "my_chat_member")[-1]
    assert promoted["chat"]["id"] == second.id
    assert promoted["old_chat_member"]["status"] == "member"
    assert promoted["new_chat_member"]["status"] == "administrator"
    member = await bot.get_chat_member(second.id, server.bot_id)
    assert member.status == "administrator"
    admins = await bot.get_chat_administrators(second.id)
    assert server.bot_id in [a.user.id for a in admins]
    notice = await bot.send_message(second.id, "活动通知")
    await bot.pin_chat_message(second.id, notice.message_id)
    chat.refresh()
    assert lines(screen)[-2:] == [
        "#1 [bot → 第二活动组] 活动通知", "#2 [bot → 第二活动组] (pinned #1)"
    ]
    await chat.handle("/bindgroup")
    assert updates(server, "message")[-1]["chat"]["id"] == second.id
    await chat.handle("/group 1")
    assert chat.current is first and first.bot_status == "member"
    await chat.handle("/group")
    assert chat.current is None
    await chat.handle("hello")
    assert updates(server, "message")[-1]["chat"]["id"] == chat.me.id
    await chat.handle("/admin")
    assert "group chat" in screen[-1]


async def test_who_lists_each_user_with_a_phone_for_the_roster(
    server: BotApiServer, tmp_path: Path
) -> None:
    chat, screen = terminal(server, tmp_path)
    await chat.handle("/as Carol")
    await chat.handle("/who")
    listing = screen[-1]
    for name, phone in (("Alice", "13800000001"), ("Bob", "13800000002"),
                        ("Carol", "13800000003")):
        line = next(line for line in listing.splitlines() if name in line)
        assert phone in line, listing
    assert "← you" in next(line for line in listing.splitlines() if "Carol" in line)
    await chat.handle("/contact")
    assert updates(server, "message")[-1]["contact"]["phone_number"] == "+8613800000003"
