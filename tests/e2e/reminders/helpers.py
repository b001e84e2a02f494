"""What the reminder tests share: a crowd on the roster with a staff member, a notice made
through the reminders service (as /reminders and the CLI make it) and waiting for its end."""

# ruff: noqa: ASYNC109  (explicit timeouts, as in the harness)
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, timedelta

from bot.reminders.audience import Audience
from bot.reminders.service import ReminderService
from bot.reminders.timing import OneOff
from domain.reminder_models import ReminderKind
from storage.db import Database
from tests.botapi import Phone
from tests.e2e.harness import E2E

STAFF_PHONE = "13900000099"


async def crowd_with_staff(e2e: E2E, members: int) -> tuple[dict[str, Phone], Phone]:
    """`members` members of 第一活动组 and one staff member, all linked (in the database);
    the reminders loop looks every half second, at any hour."""
    width = max(3, len(str(members)))
    numbers = [f"138{i:08d}" for i in range(1, members + 1)]
    rows = [(f"委员{i:0{width}d}", n, "", "第一活动组", "member")
            for i, n in enumerate(numbers, 1)]
    await e2e.import_roster([*rows, ("孙工", STAFF_PHONE, "", "", "staff")])
    # quiet hours off: the tests run at any hour of the committee's day
    e2e.configure("reminders", check_every_seconds=0.5, quiet_start="00:00", quiet_end="00:00")
    phones = {n: e2e.user(f"M{n[-width:]}", n) for n in numbers}
    staff = e2e.user("Sun", STAFF_PHONE)
    e2e.bind_in_db({**phones, STAFF_PHONE: staff})
    for phone in [*phones.values(), staff]:  # each has opened the bot before (as /start does)
        phone.user.started = True
    return phones, staff


async def make_notice(
    e2e: E2E, title: str, *, due_in: timedelta = timedelta(seconds=1), ack: bool = False,
    kind: ReminderKind = ReminderKind.NOTICE,
) -> int:
    """A notice (or a themed day's reminder) to everyone, due in `due_in`; its schedule's id."""
    config = e2e.config()
    async with Database(e2e.db_path, e2e.clock) as db:
        service = ReminderService(db, config.zone, config.reminders)
        schedule = await service.create(
            None, title=title, body=BODY, ack=ack, audience=Audience.all_members(), kind=kind,
            rule=OneOff(at_utc=(e2e.now() + due_in).astimezone(UTC)),
        )
    return schedule.id


def occurrence_of(e2e: E2E, schedule_id: int) -> dict[str, object]:
    rows = e2e.db("SELECT * FROM reminder_occurrences WHERE schedule_id = ?", (schedule_id,))
    assert len(rows) == 1, rows
    return rows[0]


async def wait_sent(e2e: E2E, schedule_id: int, timeout: float = 60.0) -> dict[str, object]:
    """Until the notice's occurrence is sent to everyone (every recipient tried)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        rows = e2e.db("SELECT * FROM reminder_occurrences WHERE schedule_id = ?", (schedule_id,))
        if rows and rows[0]["status"] == "sent":
            return rows[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"notice {schedule_id} not sent within {timeout}s: {rows}")


BODY = "请按时参加。"


def received(e2e: E2E, title: str) -> Counter[int]:
    """How many copies of the notice `title` each chat got (as the server delivered them)."""
    return Counter(
        int(c.chat_id) for c in e2e.server.calls_for("sendMessage", ok=True)
        if title in str(c.params.get("text", "")) and BODY in str(c.params.get("text", ""))
    )


