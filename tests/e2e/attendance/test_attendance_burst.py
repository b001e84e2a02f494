"""Attendance under a crowd, end to end, with Telegram's flood limits on: 200 members press 签到
within one second. Every press is recorded once and answered with a popup; the announcement in
the group is edited a few times only (never over 20 messages a minute into the chat) and ends on
the final count.
"""

from __future__ import annotations

import asyncio

from tests.e2e.attendance_world import announcement, create_event, crowd, crowd_chat
from tests.e2e.harness import E2E

MEMBERS = 200


async def test_200_members_press_within_a_second(e2e: E2E) -> None:
    server = e2e.server
    phones = await crowd(e2e, MEMBERS)
    bot = await e2e.start_bot()
    try:
        chat = await crowd_chat(e2e, phones)
        event_id = await create_event(e2e)
        posted = await announcement(chat, event_id)
        assert f"已签到0 / 应到{MEMBERS}" in (posted.text or "")
        first_call = len(server.calls)

        loop = asyncio.get_running_loop()
        started = loop.time()
        presses = [asyncio.ensure_future(p.press(posted, "签到", timeout=30))
                   for p in phones.values()]
        await asyncio.sleep(0)  # every press is on its way: the callback queries exist
        pressed_within = loop.time() - started
        answers = await asyncio.gather(*presses)
        assert pressed_within < 1.0

        assert len(answers) == MEMBERS
        assert all(a is not None and "签到成功" in (a.text or "") for a in answers), {
            a.text if a else None for a in answers
        }
        final = await chat.wait_for(
            lambda m: m == posted and f"已签到{MEMBERS} / 应到{MEMBERS}" in (m.text or ""),
            timeout=20,
        )
        assert final.buttons == [["签到", "请假"]]
        rows = e2e.db("SELECT method, count(*) AS n FROM checkins WHERE event_id = ? "
                      "GROUP BY method", (event_id,))
        assert rows == [{"method": "button", "n": MEMBERS}]
        assert len(e2e.db("SELECT id FROM audit_log WHERE action = 'member_checkin'")) == MEMBERS

        await chat.expect_no_message(within=0.1)  # popups only: no new message in the group
        edits = [c for c in server.calls[first_call:]
                 if c.chat_id == chat.id and c.method == "editMessageText" and c.ok]
        assert 1 <= len(edits) <= 6, len(edits)  # coalesced: one edit every 3 s at most
        assert server.max_calls_in_window(60, chat_id=chat.id) <= 20
        refused = [c for c in server.calls[first_call:] if not c.ok]
        assert refused == []  # not one 429, not one stale answer
    finally:
        await bot.stop()
