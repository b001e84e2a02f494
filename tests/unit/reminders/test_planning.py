"""Planning reminders with an injected clock: event reminders follow edits and cancellations,
members on approved leave get none, schedules go to their audience, a restart far past the due
time records the occurrence as missed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.auth import NotAllowed, Refused
from bot.reminders.audience import Audience
from bot.reminders.service import ReminderProblem, ReminderService
from bot.reminders.timing import OneOff, Recurring
from domain.models import CheckInMethod
from domain.reminder_models import OccurrenceStatus, ScheduleStatus
from storage.reminders import ReminderRepository
from tests.unit.attendance.test_attendance import START, ZONE, World, build_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async for built in build_world(tmp_path / "r.db"):
        yield built


def reminders(world: World) -> ReminderService:
    return ReminderService(world.db, ZONE, clock=world.clock)


async def planned(service: ReminderService, prefix: str) -> dict[str, tuple[str, datetime]]:
    found = await service.repo.pending_keys(prefix)
    return {k.rsplit(":", 1)[1]: (o.status.value, o.due_at.astimezone(ZONE))
            for k, o in found.items()}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE)


async def names(service: ReminderService, world: World, key: str) -> list[str]:
    occurrence = await service.repo.by_key(key)
    assert occurrence is not None
    return sorted(r.member.name for r in await service.recipients(occurrence))


async def test_event_reminders_follow_the_event(world: World) -> None:
    event_id = await world.event()  # Saturday 1 March 2025, 09:00–11:00
    world.clock.now = START - timedelta(days=3)
    service = reminders(world)
    await service.plan()
    assert await planned(service, f"event:{event_id}:") == {
        "evening": ("due", local(2025, 2, 28, 18, 0)),
        "soon": ("due", local(2025, 3, 1, 8, 0)),
        "not_checked_in": ("due", local(2025, 3, 1, 9, 30)),
        "leave_undecided": ("due", local(2025, 2, 28, 18, 0)),
    }
    later = world.draft(starts_at=local(2025, 3, 4, 14, 0), ends_at=local(2025, 3, 4, 16, 0))
    await world.service.edit_event(None, event_id, later)
    await service.plan()
    assert await planned(service, f"event:{event_id}:") == {
        "evening": ("due", local(2025, 3, 3, 18, 0)),
        "soon": ("due", local(2025, 3, 4, 13, 0)),
        "not_checked_in": ("due", local(2025, 3, 4, 14, 30)),
        "leave_undecided": ("due", local(2025, 3, 3, 18, 0)),
    }
    await world.service.cancel_event(None, event_id)
    await service.plan()
    assert {s for s, _ in (await planned(service, f"event:{event_id}:")).values()} == {
        "withdrawn"
    }
    world.clock.now = local(2025, 3, 4, 15, 0)
    assert (await service.due()).send == []  # nothing withdrawn goes out


async def test_members_on_approved_leave_get_no_event_reminder(world: World) -> None:
    event_id = await world.event()
    world.clock.now = START - timedelta(days=3)
    people = world.people
    approved = await world.service.ask_leave(people["委员一"], event_id, "出差")
    assert approved.request is not None
    await world.service.decide_leave(world.actor("组长甲"), approved.request.id, True)
    await world.service.ask_leave(people["委员二"], event_id, "家中有事")  # left undecided
    service = reminders(world)
    await service.plan()
    key = f"event:{event_id}:"
    # 委员一 is excused; 无手机 has no account; the leader is expected too (group 1)
    assert await names(service, world, key + "evening") == ["委员三", "委员二", "组长甲"]
    assert await names(service, world, key + "soon") == ["委员三", "委员二", "组长甲"]
    assert await names(service, world, key + "leave_undecided") == ["组长甲"]
    world.clock.now = START + timedelta(minutes=5)
    await world.service.check_in(people["委员三"], event_id, CheckInMethod.BUTTON)
    # after the start: only those with neither a check-in nor a leave request
    assert await names(service, world, key + "not_checked_in") == ["组长甲"]


async def test_a_notice_goes_to_its_audience_once_and_is_missed_after_the_grace(
    world: World,
) -> None:
    world.clock.now = local(2025, 3, 1, 8, 0)
    service = reminders(world)
    with pytest.raises(NotAllowed):
        await service.create(world.actor("委员一"), title="t", body="b",
                             rule=OneOff(at_utc=local(2025, 3, 2, 9, 0).astimezone(UTC)),
                             audience=Audience.all_members())
    with pytest.raises(Refused) as refused:
        await service.create(None, title="t", body="b",
                             rule=OneOff(at_utc=local(2025, 3, 1, 7, 0).astimezone(UTC)),
                             audience=Audience.all_members())
    assert refused.value.reason is ReminderProblem.IN_THE_PAST
    notice = await service.create(
        None, title="开会", body="周一开会", ack=True,
        rule=OneOff(at_utc=local(2025, 3, 2, 9, 0).astimezone(UTC)),
        audience=Audience(group_ids=(world.group2,)),
    )
    key = f"schedule:{notice.id}:2025-03-02"
    assert await names(service, world, key) == ["委员四", "组长乙"]
    world.clock.now = local(2025, 3, 2, 8, 59)
    assert [d.occurrence.key for d in (await service.due()).send] == []
    world.clock.now = local(2025, 3, 2, 14, 0)  # 5 h late: within the 6 h grace, still sent
    (due,) = (await service.due()).send
    assert due.occurrence.key == key  # with what rendering it needs: its schedule
    assert due.schedule is not None and due.schedule.id == notice.id
    assert due.event is None and due.window is None
    world.clock.now = local(2025, 3, 2, 15, 1)  # the bot was down past the grace
    work = await service.due()
    assert ([d.occurrence.key for d in work.send], [d.occurrence.key for d in work.missed]) == (
        [], [key])
    occurrence = await service.repo.by_key(key)
    assert occurrence is not None and occurrence.status is OccurrenceStatus.MISSED
    assert await service.claim_staff_notice(occurrence)
    assert not await service.claim_staff_notice(occurrence)  # staff are told once
    assert (await service.due()).missed == []


async def test_paused_schedules_send_nothing_until_resumed(world: World) -> None:
    world.clock.now = local(2025, 2, 25, 8, 0)
    service = reminders(world)
    monthly = await service.create(
        None, title="月报", body="请报送", audience=Audience.all_members(),
        rule=Recurring(day="1st mon", at="09:00"),
    )
    assert list(await planned(service, f"schedule:{monthly.id}:")) == ["2025-03-03"]
    await service.set_status(None, monthly.id, ScheduleStatus.PAUSED)
    assert await planned(service, f"schedule:{monthly.id}:") == {
        "2025-03-03": ("withdrawn", local(2025, 3, 3, 9, 0))
    }
    with pytest.raises(Refused):
        await service.set_status(None, monthly.id, ScheduleStatus.PAUSED)
    await service.set_status(None, monthly.id, ScheduleStatus.ACTIVE)  # resumed in time
    world.clock.now = local(2025, 3, 3, 9, 0)
    due = (await service.due()).send
    assert [d.occurrence.key for d in due] == [f"schedule:{monthly.id}:2025-03-03"]
    await service.set_status(None, monthly.id, ScheduleStatus.REMOVED)
    with pytest.raises(Refused) as gone:
        await service.set_status(None, monthly.id, ScheduleStatus.ACTIVE)
    assert gone.value.reason is ReminderProblem.NO_SUCH_SCHEDULE


async def test_staff_are_told_in_december_when_next_years_swaps_are_unknown(
    world: World,
) -> None:
    service = reminders(world)
    world.clock.now = local(2026, 11, 30, 9, 0)
    assert await service.unknown_swaps_ahead() is None  # not December yet
    world.clock.now = local(2026, 12, 1, 9, 0)
    assert await service.unknown_swaps_ahead() == 2027  # the library does not know 2027
    world.clock.now = local(2025, 12, 1, 9, 0)
    assert await service.unknown_swaps_ahead() is None  # 2026's were published in time
    async with world.db.transaction() as conn:
        await ReminderRepository.set_calendar_day(
            conn, date(2027, 2, 7), "workday", None, world.clock()
        )
    world.clock.now = local(2026, 12, 1, 9, 0)
    assert await service.unknown_swaps_ahead() is None  # the office entered them
