"""What the duty record's end-to-end tests share: a crowd with a leader and a staff member, the
supervision reminder due now (this month, at 00:00, the 1st made a working day), quiet hours
off, and what each chat received."""

# ruff: noqa: ASYNC109  (explicit timeouts, as in the harness)
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.botapi import Phone
from tests.e2e.harness import E2E

ZONE = ZoneInfo("Asia/Shanghai")
STAFF_PHONE = "13900000099"
LEADER_PHONE = "13700000001"


def today() -> datetime:
    return datetime.now(ZONE)


async def crowd(e2e: E2E, members: int) -> tuple[dict[str, Phone], Phone, Phone]:
    """`members` members and their leader in 第一活动组, a staff member; all linked (in the
    database) and having opened the bot; none has done anything this year."""
    width = max(3, len(str(members)))
    numbers = [f"138{i:08d}" for i in range(1, members + 1)]
    rows = [(f"委员{i:0{width}d}", n, "", "第一活动组", "member")
            for i, n in enumerate(numbers, 1)]
    await e2e.import_roster([("王强", LEADER_PHONE, "", "第一活动组", "leader"), *rows,
                             ("孙工", STAFF_PHONE, "", "", "staff")])
    phones = {n: e2e.user(f"M{n[-width:]}", n) for n in numbers}
    leader, staff = e2e.user("Wang", LEADER_PHONE), e2e.user("Sun", STAFF_PHONE)
    e2e.bind_in_db({**phones, LEADER_PHONE: leader, STAFF_PHONE: staff})
    for phone in [*phones.values(), leader, staff]:
        phone.user.started = True
    e2e.configure("reminders", check_every_seconds=0.5, quiet_start="00:00", quiet_end="00:00")
    return phones, leader, staff


async def supervision_due_now(e2e: E2E) -> str:
    """The clock at 10:00 on 1 December 2027 (a Wednesday; the minimums pro-rated to the
    year's end: 3 activities are due), the run of this month due at 00:00 of its 1st (made a
    working day by the office), up to 31 days late; the digest off. The period's key."""
    now = e2e.travel("2027-12-01 10:00")
    first = now.date().replace(day=1)
    result = await e2e.cli("calendar", "set", first.isoformat(), "workday")
    assert result.returncode == 0, result.output
    e2e.configure("duty_record.supervision", enabled=True, months=[now.month], at="00:00",
                  catch_up_days=31)
    return f"supervision:{now.year}-Q{(now.month - 1) // 3 + 1}"


def received(e2e: E2E, *marks: str) -> Counter[int]:
    """How many messages holding every one of `marks` each chat got (as the server sent)."""
    return Counter(
        int(c.chat_id) for c in e2e.server.calls_for("sendMessage", ok=True)
        if all(mark in str(c.params.get("text", "")) for mark in marks)
    )


async def wait_run_done(e2e: E2E, key: str, timeout: float = 120.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if e2e.db("SELECT 1 FROM duty_runs WHERE key = ? AND status = 'done'", (key,)):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"run {key} not done within {timeout}s")
