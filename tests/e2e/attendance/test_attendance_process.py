"""Attendance across a crash, end to end, with the real `liaison-bot run` in a subprocess.

Members keep checking in (group button and QR deep link) while the bot is killed with SIGKILL
and started again. Every check-in acknowledged before the kill is stored; the updates that were
received (stored in the bot's inbox) but not handled are handled after the restart, those not
yet fetched are delivered again by Telegram and recorded; nobody is recorded twice.
"""

from __future__ import annotations

import asyncio
import signal

from tests.botapi import Phone
from tests.botapi.model import ApiCall
from tests.e2e.attendance_world import (
    announcement,
    bind_chat,
    create_event,
    crowd,
    link_payload,
)
from tests.e2e.harness import E2E, wait_until

MEMBERS = 80
ACKS_BEFORE_KILL = 15


async def test_sigkill_in_a_burst_loses_and_repeats_nothing(e2e: E2E) -> None:
    server = e2e.server
    phones = await crowd(e2e, MEMBERS)
    process = e2e.bot_process()
    await process.start()
    chat = server.add_group("第一活动组委员群", members=list(phones.values()),
                            admins=[e2e.admin])
    await chat.add_bot(by=e2e.admin, as_admin=True)
    await bind_chat(chat, e2e.admin, "第一活动组")
    event_id = await create_event(e2e)
    posted = await announcement(chat, event_id)
    members = list(phones.values())
    by_button, by_qr = members[::2], members[1::2]

    def acknowledged() -> set[int]:
        """Members who saw their check-in confirmed: a popup, or a message saying so."""
        pressed = {r.user_id for r in server.callbacks.values()
                   if r.answer.done() and "签到成功" in (r.answer.result().text or "")}
        scanned = {p.id for p in by_qr if any("签到成功" in (m.text or "") for m in p.messages)}
        return pressed | scanned

    async def arrive(phone: Phone, delay: float, qr: bool) -> None:
        """One member at the venue, `delay` seconds into the burst."""
        await asyncio.sleep(delay)
        if qr:
            await phone.start(await link_payload(e2e, event_id))
        else:
            await phone.press_data(posted, posted.inline_keyboard[0][0]["callback_data"],
                                   wait=False)

    server.latency = 0.15  # every Bot API call takes a while: handlers are mid-way at the kill
    arrivals = asyncio.gather(*(
        arrive(p, i * 0.03, p in by_qr) for i, p in enumerate(members)
    ))
    await wait_until(server, lambda: len(acknowledged()) >= ACKS_BEFORE_KILL,
                     "some check-ins are confirmed", timeout=20)
    assert await process.kill() == -signal.SIGKILL
    acked_at_kill = acknowledged()
    unconfirmed_at_kill = len(server.pending_updates)
    stored_at_kill = {r["telegram_user_id"] for r in e2e.db(
        "SELECT m.telegram_user_id FROM checkins c JOIN members m ON m.id = c.member_id")}
    received_unhandled = e2e.db("SELECT update_id FROM update_inbox WHERE handled_at IS NULL")
    assert acked_at_kill <= stored_at_kill  # what was confirmed is on disk
    await arrivals  # the rest of the crowd arrives while the bot is down
    assert len(stored_at_kill) < MEMBERS  # it died mid-burst,
    assert unconfirmed_at_kill > 0 and received_unhandled  # with updates at both stages

    server.latency = 0.0
    await process.start()
    await wait_until(
        server,
        lambda: len(e2e.db("SELECT member_id FROM checkins")) == MEMBERS,
        "every member is recorded", timeout=30,
    )
    await chat.wait_for(
        lambda m: m == posted and f"已签到{MEMBERS} / 应到{MEMBERS}" in (m.text or ""),
        timeout=20,
    )
    audit = e2e.db("SELECT subject, detail FROM audit_log WHERE action = 'member_checkin'")
    assert len(audit) == MEMBERS  # each recorded once, though some updates came twice
    methods = e2e.db("SELECT method, count(*) AS n FROM checkins GROUP BY method ORDER BY 1")
    assert methods == [{"method": "button", "n": len(by_button)},
                       {"method": "qr", "n": len(by_qr)}]
    assert await process.terminate() == 0
    assert not e2e.db("SELECT update_id FROM update_inbox WHERE handled_at IS NULL")
    await server.wait_until_confirmed()
    assert process.log_problems() == []


async def test_the_count_held_back_at_a_sigkill_is_shown_after_the_restart(e2e: E2E) -> None:
    """Three check-ins are stored and answered while Telegram holds the group's edits back
    (flood control), and the bot is killed with the edit still waiting: after the restart the
    announcement shows the true count soon, though nobody checks in again."""
    server = e2e.server
    phones = await crowd(e2e, 4)
    process = e2e.bot_process()
    await process.start()
    members = list(phones.values())
    chat = server.add_group("第一活动组委员群", members=members, admins=[e2e.admin])
    await chat.add_bot(by=e2e.admin, as_admin=True)
    await bind_chat(chat, e2e.admin, "第一活动组")
    event_id = await create_event(e2e)
    posted = await announcement(chat, event_id)
    assert "已签到0 / 应到4" in (posted.text or "")

    server.inject_flood("editMessageText", retry_after=120)  # the edit waits two minutes
    first_call = len(server.calls)

    def edits(*, ok: bool | None = None) -> list[ApiCall]:
        return [c for c in server.calls[first_call:] if c.method == "editMessageText"
                and c.chat_id == chat.id and (ok is None or c.ok == ok)]

    for phone in members[:3]:
        answer = await phone.press(posted, "签到")
        assert answer is not None and "签到成功" in (answer.text or "")
    await wait_until(server, lambda: bool(edits()), "the edit is tried (and held back)")
    assert await process.kill() == -signal.SIGKILL
    assert len(e2e.db("SELECT member_id FROM checkins WHERE event_id = ?", (event_id,))) == 3
    assert "已签到0 / 应到4" in (posted.text or "")  # the edit never went out
    assert not edits(ok=True)

    server.clear_faults()
    presses = len(server.callbacks)
    await process.start()
    await chat.wait_for(lambda m: m == posted and "已签到3 / 应到4" in (m.text or ""),
                        timeout=10)
    assert len(server.callbacks) == presses  # nobody checked in again
    assert await process.terminate() == 0
    assert process.log_problems() == []
