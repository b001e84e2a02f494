"""A notice pushed to a crowd through Telegram's faults: flood control (429 with retry_after),
server errors, slow answers and members who blocked the bot. Every reachable member gets it
exactly once, the unreachable ones are listed to staff, the bot keeps running and answers
people while it pushes."""

from __future__ import annotations

from tests.e2e.harness import E2E, wait_until
from tests.e2e.reminders.helpers import (
    crowd_with_staff,
    make_notice,
    received,
    wait_sent,
)

MEMBERS = 150
TITLE = "年终座谈会通知"


async def test_a_notice_reaches_every_reachable_member_once_through_faults(e2e: E2E) -> None:
    server = e2e.server
    phones, staff = await crowd_with_staff(e2e, MEMBERS)
    e2e.configure("telegram", request_timeout=2.0)  # a 3 s answer times out
    blocked = list(phones.values())[10:13]
    for phone in blocked:
        await phone.block_bot()
    bot = await e2e.start_bot()
    try:
        asker = list(phones.values())[-1]
        await asker.send("/start")
        await asker.next_message()
        # the first sends of the push meet each fault in turn
        server.inject_flood("sendMessage", retry_after=1, times=2)
        server.inject_failure("sendMessage", error_code=500, times=4)
        server.inject_failure("sendMessage", error_code=502, times=2)
        server.inject_delay("sendMessage", seconds=3.0, times=2)  # executed, answered late
        schedule_id = await make_notice(e2e, TITLE, ack=True)

        # people are answered while the push goes on
        await wait_until(server, lambda: sum(received(e2e, TITLE).values()) >= 20,
                         "20 members have the notice", timeout=30)
        await asker.send("/help")
        answer = await asker.next_message(timeout=10)
        assert "/report" in (answer.text or "")
        answered_at = max(c.time for c in server.calls_for("sendMessage", chat_id=asker.id))

        occurrence = await wait_sent(e2e, schedule_id, timeout=90)
        pushes = [c for c in server.calls_for("sendMessage", ok=True)
                  if TITLE in str(c.params.get("text", "")) and c.chat_id != asker.id]
        assert answered_at < max(c.time for c in pushes)  # the reply did not wait for the push

        counts = received(e2e, TITLE)
        reachable = [p for p in [*phones.values(), staff] if p not in blocked]
        assert {p.id: counts[p.id] for p in reachable} == {p.id: 1 for p in reachable}
        assert all(counts[p.id] == 0 for p in blocked)
        assert occurrence["recipients"] == MEMBERS + 1
        rows = e2e.db("SELECT status, count(*) AS n FROM deliveries WHERE key = ? "
                      "GROUP BY status", (f"occ:{occurrence['id']}",))
        statuses = {r["status"]: r["n"] for r in rows}
        # the two slow answers timed out: recorded as unconfirmed, not sent again
        assert statuses == {"sent": MEMBERS + 1 - 3 - 2, "failed": 2, "blocked": 3}
        unreachable = e2e.db("SELECT telegram_user_id FROM members "
                             "WHERE unreachable_since IS NOT NULL")
        assert {r["telegram_user_id"] for r in unreachable} == {p.id for p in blocked}

        # staff are told who could not be reached, once
        told = await staff.wait_for(lambda m: "未能送达" in (m.text or ""), timeout=10)
        names = [e2e.db("SELECT name FROM members WHERE telegram_user_id = ?", (p.id,))[0]
                 ["name"] for p in blocked]
        assert all(name in (told.text or "") for name in names)
        log = await e2e.cli("reminders", "log")
        assert log.returncode == 0
        assert f"schedule:{schedule_id}:" in log.stdout
        assert all(name in log.stdout for name in names)

        # 收到: recorded once; pressing again says so
        member = next(iter(phones.values()))
        notice = await member.wait_for(lambda m: TITLE in (m.text or ""), timeout=5)
        first = await member.press(notice, "收到")
        again = await member.press(notice, "收到")
        assert first is not None and "已确认收到" in (first.text or "")
        assert again is not None and "已确认过" in (again.text or "")
        acks = e2e.db("SELECT count(*) AS n FROM reminder_acks")
        assert acks == [{"n": 1}]

        # the bot is still running and answering
        await member.send("/help")
        await member.wait_for(lambda m: "/report" in (m.text or ""), timeout=10)
    finally:
        server.clear_faults()
        await bot.stop()

