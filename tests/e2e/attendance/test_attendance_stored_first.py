"""A check-in is on disk before the member is told it is recorded, shown at the moment the
confirmation goes out: the companion of the SIGKILL test in test_attendance_process.py, which
shows it only for the check-ins whose confirmation the kill happens to follow.

The test server answers the bot's confirming call (the 签到 popup, the message after a QR
scan) only after HOLD seconds. The member sees the confirmation at once; the bot is still
inside that call, so whatever it would do after it has not happened yet. The check-in must be
in the database then.
"""

from __future__ import annotations

import asyncio

from tests.botapi import Phone
from tests.e2e.attendance_world import (
    announcement,
    create_event,
    crowd,
    crowd_chat,
    link_payload,
)
from tests.e2e.harness import E2E

HOLD = 5.0  # seconds the bot waits for the answer of its confirming call


def stored(e2e: E2E, phone: Phone, event_id: int) -> list[str]:
    """How the member's check-in at the event is recorded (its method), if it is."""
    return [str(row["method"]) for row in e2e.db(
        "SELECT c.method FROM checkins c JOIN members m ON m.id = c.member_id "
        "WHERE m.telegram_user_id = ? AND c.event_id = ?", (phone.id, event_id))]


async def test_a_check_in_is_stored_when_its_confirmation_goes_out(e2e: E2E) -> None:
    server = e2e.server
    phones = await crowd(e2e, 2)
    by_button, by_qr = phones.values()
    bot = await e2e.start_bot()
    try:
        chat = await crowd_chat(e2e, phones)
        event_id = await create_event(e2e)
        posted = await announcement(chat, event_id)
        loop = asyncio.get_running_loop()

        server.inject_delay("answerCallbackQuery", HOLD)
        answer = await by_button.press(posted, "签到", timeout=HOLD + 10)
        seen = loop.time()
        assert answer is not None and "签到成功" in (answer.text or "")
        assert stored(e2e, by_button, event_id) == ["button"]
        assert loop.time() - seen < HOLD / 2, "looked too late: the bot may have gone on"
        server.clear_faults()

        server.inject_delay("sendMessage", HOLD)
        await by_qr.start(await link_payload(e2e, event_id))
        await by_qr.wait_for(lambda m: "签到成功" in (m.text or ""), timeout=HOLD + 10)
        seen = loop.time()
        assert stored(e2e, by_qr, event_id) == ["qr"]
        assert loop.time() - seen < HOLD / 2, "looked too late: the bot may have gone on"
        server.clear_faults()
    finally:
        await bot.stop()
