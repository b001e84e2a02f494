"""Reminders across the bot's stops: killed (SIGKILL) in the middle of a 1,000-member fan-out
and started again, every member has the notice and duplicates are bounded by the sends that
were in flight; stopped across a due time, a notice is delivered once within the grace period
and recorded as missed after it, with staff told once."""

from __future__ import annotations

from tests.e2e.harness import E2E, local, wait_until
from tests.e2e.reminders.helpers import (
    crowd_with_staff,
    make_notice,
    occurrence_of,
    received,
    wait_sent,
)

PARALLEL_PUSHES = 10  # bot.telegram.fanout.PARALLEL


async def test_sigkill_in_the_middle_of_a_fan_out(e2e: E2E) -> None:
    members = 1000
    phones, staff = await crowd_with_staff(e2e, members)
    everyone = [*phones.values(), staff]
    title = "全会筹备通知"
    bot = e2e.bot_process()
    await bot.start()
    schedule_id = await make_notice(e2e, title)
    await wait_until(e2e.server, lambda: sum(received(e2e, title).values()) >= 300,
                     "300 members have the notice", timeout=60)
    await bot.kill()
    at_kill = received(e2e, title)
    occurrence = occurrence_of(e2e, schedule_id)
    in_flight = e2e.db("SELECT count(*) AS n FROM deliveries WHERE key = ? AND status = 'pending'",
                       (f"occ:{occurrence['id']}",))[0]["n"]
    assert occurrence["status"] == "sending"
    assert 300 <= sum(at_kill.values()) < members + 1

    await bot.start()
    await wait_sent(e2e, schedule_id, timeout=120)
    counts = received(e2e, title)
    assert all(counts[p.id] >= 1 for p in everyone), "someone never got the notice"
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    # only sends in flight at the kill (claimed, not yet recorded as sent) can go out twice
    assert duplicates <= in_flight <= PARALLEL_PUSHES, (duplicates, in_flight)
    print(f"SIGKILL after {sum(at_kill.values())} of {members + 1}: {in_flight} in flight, "
          f"{duplicates} delivered twice")
    await bot.terminate()
    assert bot.log_problems() == []


async def test_down_at_the_due_time(e2e: E2E) -> None:
    e2e.travel("2027-03-09 08:00")  # a Tuesday
    phones, staff = await crowd_with_staff(e2e, 20)
    everyone = [*phones.values(), staff]
    within, past = "年度述职通知", "座谈会改期通知"
    first = await make_notice(e2e, within, due_in=local("2027-03-09 14:05") - e2e.now())
    second = await make_notice(e2e, past, due_in=local("2027-03-09 08:05") - e2e.now())
    # the bot was down across both due times: it starts an hour after the first fell due
    # and seven hours after the second (the grace period is six)
    e2e.travel("2027-03-09 15:05")

    bot = e2e.bot_process()
    await bot.start()
    await wait_sent(e2e, first, timeout=30)
    missed = occurrence_of(e2e, second)
    assert missed["status"] == "missed" and missed["staff_told"] == 1
    told = await staff.wait_for(lambda m: "未能按时发出" in (m.text or ""), timeout=10)
    assert past in (told.text or "")
    await bot.terminate()

    staff.skip_pending()
    await bot.start()  # started again: nothing is sent twice, staff are not told again
    await staff.expect_no_message(within=3.0)
    counts = received(e2e, within)
    assert {p.id: counts[p.id] for p in everyone} == {p.id: 1 for p in everyone}
    assert received(e2e, past) == {}
    await bot.terminate()
    assert bot.log_problems() == []
