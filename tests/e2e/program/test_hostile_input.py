"""Hostile input, end to end, as members and staff type it: number arguments that are no
numbers ("²") or too large for SQLite, control characters in what members type (through to the
attendance sheet), and group messages sent on behalf of the group, with no sender.

Each is answered with a sentence (never "something went wrong") and nothing is logged as an
error (the e2e fixtures fail a test that logs one).
"""

from __future__ import annotations

import asyncio
import html
import io
import re
from collections.abc import AsyncIterator

import pytest
from openpyxl import load_workbook

from bot.core.cli import say
from bot.core.texts import tr
from tests.botapi import Limits
from tests.e2e.attendance_world import World, create_event, expect, make_world
from tests.e2e.harness import E2E, write_db
from tests.e2e.reports.test_reports import submit, write_report

ODD_NUMBERS = ["²", "99999999999999999999", "9223372036854775808", "#٣", "１²"]
GENERIC_ERROR = tr("zh", "error.generic")


def plain(key: str, **values: object) -> str:
    """A catalog text as the phone shows it (HTML tags gone, entities read)."""
    return html.unescape(re.sub(r"<[^>]+>", "", tr("zh", key, **values)))


@pytest.fixture
def limits() -> Limits:
    return Limits.off()


@pytest.fixture
async def world(e2e: E2E) -> AsyncIterator[World]:
    e2e.configure("limits", private_messages_per_second=100.0)
    made = await make_world(e2e, bind_chat2=False)
    try:
        yield made
    finally:
        await made.bot.stop()


@pytest.mark.parametrize("number", ODD_NUMBERS)
async def test_odd_event_numbers_are_no_such_event(world: World, number: str) -> None:
    """Item a: every command taking an event's number answers "no such event"."""
    await create_event(world.e2e)
    no_such = plain("event.no_such_event", number=number.lstrip("#")[:12])
    await world.zhang.send(f"/leave {number}")
    await expect(world.zhang, no_such)
    for command in ("editevent", "cancelevent", "qr", "attendance"):
        await world.staff.send(f"/{command} {number}")
        await expect(world.staff, no_such)
    await world.staff.send(f"/markpresent {number} 13800000011")
    await expect(world.staff, no_such)
    await world.staff.send(f"/export attendance {number}")
    await expect(world.staff, no_such)
    assert world.e2e.db("SELECT * FROM checkins") == []
    assert world.e2e.db("SELECT * FROM leave_requests") == []


async def test_leave_link_with_an_odd_number(world: World) -> None:
    """Item a: t.me/<bot>?start=lv_<a number too large for SQLite>."""
    await world.zhang.start("lv_99999999999999999999")
    await expect(world.zhang, plain("event.no_such_event", number="999999999999"))
    await world.zhang.start("lv_x1")
    await expect(world.zhang, plain("start.unknown_link"))


async def test_control_characters_are_cleaned_and_exported(world: World) -> None:
    """Item c: a leave reason with a vertical tab is stored without it, and the sheet with it
    is exported (in chat and at the command line)."""
    e2e = world.e2e
    event_id = await create_event(e2e)
    await world.zhang.send(f"/leave {event_id}")
    await world.zhang.next_message()
    await world.zhang.send("家中\u000b有事\u0007")
    await world.zhang.next_message()
    reasons = [r["reason"] for r in e2e.db("SELECT reason FROM leave_requests")]
    assert reasons == ["家中 有事"]
    # A reason stored before cleaning existed: the writer copes anyway.
    await asyncio.to_thread(write_db, e2e.db_path,  # off the bot's loop: see write_db
                            "UPDATE leave_requests SET reason = ?", ("家中\x1b有事",))
    await world.staff.send(f"/export attendance {event_id}")
    sent = await world.staff.next_message(timeout=10)
    assert sent.document is not None, sent.text
    rows = list(load_workbook(io.BytesIO(e2e.server.files[sent.document["file_id"]].data))
                .worksheets[0].iter_rows(values_only=True))
    assert "家中 有事" in {cell for row in rows for cell in row}
    target = e2e.folder / "sheet.xlsx"
    result = await e2e.cli("export", "attendance", "--event", str(event_id), "--out", target)
    assert result.returncode == 0, result.output
    rows = list(load_workbook(target).worksheets[0].iter_rows(values_only=True))
    assert "家中 有事" in {cell for row in rows for cell in row}


async def test_odd_event_number_at_the_command_line(world: World) -> None:
    """Item a: `events qr` and `export attendance --event` with a number SQLite cannot hold."""
    e2e = world.e2e
    huge = "99999999999999999999"
    qr = await e2e.cli("events", "qr", huge, "--out", e2e.folder / "qr.png")
    assert qr.returncode == 2 and "Traceback" not in qr.output, qr.output
    assert say("cli.not_a_number", text=huge) in qr.output
    sheet = await e2e.cli("export", "attendance", "--event", "²", "--out",
                          e2e.folder / "a.xlsx")
    assert sheet.returncode == 2 and "Traceback" not in sheet.output, sheet.output
    assert say("cli.not_a_number", text="²") in sheet.output


async def test_commands_sent_on_behalf_of_the_group(world: World) -> None:
    """Item d: /lang, /cancel and the others from an anonymous admin (sender_chat, no from)
    get a sentence saying to send them as oneself, and change nothing."""
    chat = world.chat1
    before = world.e2e.db("SELECT * FROM user_settings")
    for command in ("/lang en", "/cancel", "/start", "/help", "/bindgroup", "/events",
                    "/checkin 123456", "/leave 1", "/report"):
        await chat.post_as_chat(command)
        said = await chat.next_message()
        assert said.text == plain("common.no_sender"), (command, said.text)
    await chat.post_as_chat("你好")  # not a command: nothing to answer
    await chat.expect_no_message()
    assert world.e2e.db("SELECT * FROM user_settings") == before
    assert all(GENERIC_ERROR not in (m.text or "") for m in chat.all_messages)


# Every control character a spreadsheet cannot hold, and some it can but nobody means to type.
CONTROLS = "".join(
    chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c not in (9, 10, 13)
)


def cells(data: bytes) -> set[object]:
    return {cell for sheet in load_workbook(io.BytesIO(data)).worksheets
            for row in sheet.iter_rows(values_only=True) for cell in row}


async def test_control_characters_through_to_every_export(world: World) -> None:
    """Items c and the property test's "control characters through to every export": every
    control character typed into a leave reason, a report's title and its text reaches the
    attendance sheet and the reports register (in chat and at the command line) as spaces."""
    e2e = world.e2e
    event_id = await create_event(e2e)
    await world.zhang.send(f"/leave {event_id}")
    await world.zhang.next_message()
    await world.zhang.send(f"家中{CONTROLS}有事")
    await world.zhang.next_message()
    preview = await write_report(world.zhang, f"关于{CONTROLS}停车难", [f"正文{CONTROLS}一段"])
    await submit(world.zhang, preview)
    stored = [r["reason"] for r in e2e.db("SELECT reason FROM leave_requests")]
    stored += [r["title"] for r in e2e.db("SELECT title FROM reports")]
    assert stored[0] == "家中" + " " * len(CONTROLS) + "有事"
    assert re.fullmatch(r"关于 +停车难", stored[1])  # titles are one line, spaces collapsed
    for kind, expected in (("attendance", stored[0]), ("reports", stored[1])):
        await world.staff.send(f"/export {kind}")
        sent = await world.staff.next_message(timeout=10)
        assert sent.document is not None, sent.text
        assert expected in cells(e2e.server.files[sent.document["file_id"]].data)
        target = e2e.folder / f"{kind}.xlsx"
        result = await e2e.cli("export", kind, "--out", target)
        assert result.returncode == 0, result.output
        assert expected in cells(target.read_bytes())
