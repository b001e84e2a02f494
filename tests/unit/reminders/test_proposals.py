"""Proposal windows with an injected clock: the countdown across the National Day week, the
reminders reaching only members who have not filed, members' own counts and their limits, and
the proposal office's export imported by name and by phone with the bad rows reported."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.core.auth import NotAllowed, Refused
from bot.core.cli import speaking
from bot.reminders.proposal_import import import_filings
from bot.reminders.proposals import FilingOutcome, ProposalProblem
from bot.reminders.service import ReminderService
from domain.proposal_models import WindowStatus
from storage.db import to_db_time
from tests.unit.attendance.test_attendance import ZONE, World, build_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async for built in build_world(tmp_path / "p.db"):
        yield built


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE)


def reminders(world: World) -> ReminderService:
    return ReminderService(world.db, ZONE, clock=world.clock)


async def planned(service: ReminderService, window_id: int) -> dict[str, datetime]:
    found = await service.repo.pending_keys(f"proposal:{window_id}:")
    return {k.rsplit(":", 1)[1]: o.due_at.astimezone(ZONE) for k, o in found.items()
            if o.status.value == "due"}


async def recipients(service: ReminderService, key: str) -> list[str]:
    occurrence = await service.repo.by_key(key)
    assert occurrence is not None
    return sorted(r.member.name for r in await service.recipients(occurrence))


async def test_the_countdown_moves_earlier_off_the_national_day_week(world: World) -> None:
    world.clock.now = local(2025, 8, 29, 16, 0)
    service = reminders(world)
    with pytest.raises(NotAllowed):
        await service.proposals.open_window(world.actor("委员一"), "提案征集",
                                            date(2025, 9, 1), date(2025, 10, 9))
    for opens, deadline, problem in (
        (date(2025, 8, 1), date(2025, 8, 28), ProposalProblem.DEADLINE_PAST),
        (date(2025, 9, 10), date(2025, 9, 9), ProposalProblem.DEADLINE_BEFORE_OPENING),
    ):
        with pytest.raises(Refused) as refused:
            await service.proposals.open_window(world.actor("工作人员"), "提案征集", opens,
                                                deadline)
        assert refused.value.reason is problem
    # the deadline is the Thursday right after the National Day week (1–8 October 2025)
    window = await service.proposals.open_window(
        world.actor("工作人员"), "十四届五次会议提案征集", date(2025, 9, 1), date(2025, 10, 9)
    )
    assert await service.plan() == 1
    assert await planned(service, window.id) == {"open": local(2025, 9, 1, 9, 0)}
    for day in (local(2025, 9, 20, 8, 0), local(2025, 9, 25, 8, 0), local(2025, 10, 2, 8, 0)):
        world.clock.now = day
        await service.plan()
    # T-7 (2 October), T-3 (6 October) and T-1 (8 October) fall in the holiday: moved to the
    # last working day before it, 30 September, where one reminder is enough
    assert await planned(service, window.id) == {
        "open": local(2025, 9, 1, 9, 0),
        "T-14": local(2025, 9, 25, 9, 0),
        "T-7": local(2025, 9, 30, 9, 0),
        "T-0": local(2025, 10, 9, 9, 0),
    }
    # a window opened late: the reminders before its opening day are left out
    late = await service.proposals.open_window(None, "补充征集", date(2025, 10, 3),
                                               date(2025, 10, 13))
    times = service.proposals.wanted(late, await service.calendar())
    assert {k.value: v for k, v in times.items() if v is not None} == {
        "open": local(2025, 10, 3, 9, 0),
        "T-3": local(2025, 10, 10, 9, 0),
        "T-1": local(2025, 10, 12, 9, 0),
        "T-0": local(2025, 10, 13, 9, 0),
    }


async def test_a_reminder_reaches_only_members_who_have_not_filed(world: World) -> None:
    world.clock.now = local(2025, 11, 28, 10, 0)
    service = reminders(world)
    proposals = service.proposals
    window = await proposals.open_window(world.actor("工作人员"), "提案征集",
                                         date(2025, 11, 28), date(2025, 12, 5))
    await service.plan()
    people = world.people
    # the announcement goes out at once (opened after 09:00 on the opening day), to everyone
    # who files proposals and has an account: not to staff, not to 无手机
    key = f"proposal:{window.id}:"
    assert (await planned(service, window.id))["open"] == world.clock.now
    assert await recipients(service, key + "open") == [
        "委员一", "委员三", "委员二", "委员四", "组长乙", "组长甲"]
    assert await proposals.report_filed(people["委员一"], window.id, 2) is FilingOutcome.RECORDED
    assert await proposals.report_filed(people["委员一"], window.id, 2) is FilingOutcome.UNCHANGED
    await proposals.correct_count(world.actor("工作人员"), window.id, people["委员四"], 1)
    await proposals.correct_count(None, window.id, people["委员二"], 0)  # said so, but none
    with pytest.raises(Refused) as refused:
        await proposals.report_filed(people["委员四"], window.id, 3)
    assert refused.value.reason is ProposalProblem.CONFIRMED
    assert refused.value.length == 1
    for count in (0, 21):
        with pytest.raises(Refused) as refused:
            await proposals.report_filed(people["委员三"], window.id, count)
        assert refused.value.reason is ProposalProblem.BAD_COUNT
    with pytest.raises(NotAllowed):
        await proposals.correct_count(world.actor("委员三"), window.id, people["委员三"], 5)

    assert await recipients(service, key + "T-3") == ["委员三", "委员二", "组长乙", "组长甲"]
    missing = await proposals.not_filed_by_group(world.actor("工作人员"), window.id)
    assert {g: [m.name for m in ms] for g, ms in missing.items()} == {
        "第一活动组": ["委员三", "委员二", "无手机", "组长甲"], "第二活动组": ["组长乙"],
    }
    assert await proposals.tally(window.id) == (2, 3, 7)
    rows = await world.db.fetch_all(
        "SELECT m.name, f.count, f.source, f.audited FROM proposal_filings f "
        "JOIN members m ON m.id = f.member_id ORDER BY m.name")
    assert [tuple(r) for r in rows] == [
        ("委员一", 2, "chat", 0), ("委员二", 0, "staff", 1), ("委员四", 1, "staff", 1)]

    # the day after the deadline: the window closes, what it had pending is withdrawn
    world.clock.now = local(2025, 12, 6, 8, 0)
    await service.plan()
    assert (await proposals.window(window.id)).status is WindowStatus.CLOSED
    assert await planned(service, window.id) == {}
    with pytest.raises(Refused) as refused:
        await proposals.report_filed(people["委员三"], window.id, 1)
    assert refused.value.reason is ProposalProblem.CLOSED


async def test_the_office_export_is_matched_by_phone_and_by_name(
    world: World, tmp_path: Path
) -> None:
    world.clock.now = local(2025, 11, 28, 10, 0)
    async with world.db.transaction() as conn:  # a second 委员三, in the other group
        await conn.execute(
            "INSERT INTO members(name, phone, sector, group_id, role, created_at, updated_at) "
            "VALUES ('委员三', '13800000023', '经济界', ?, 'member', ?, ?)",
            (world.group2, to_db_time(world.clock.now), to_db_time(world.clock.now)))
    service = reminders(world)
    window = await service.proposals.open_window(None, "提案征集", date(2025, 11, 28),
                                                 date(2025, 12, 5))
    export = tmp_path / "提案办导出.csv"
    export.write_text(
        "提案人,手机号,件数\n"
        "委员一,138-0000-0011,2\n"  # by phone
        "委员二,,1\n"  # by name
        "委员二,,1\n"  # the same member again: counts add up
        "委员三,,1\n"  # two members of that name
        "张某某,,1\n"  # nobody
        ",13800000023,3\n"  # by phone: the second 委员三
        "委员四,,很多\n",  # no count
        encoding="utf-8")
    dry = await import_filings(service.proposals, None, window.id, export, dry_run=True)
    second = await world.db.fetch_one("SELECT id FROM members WHERE phone = '13800000023'")
    assert second is not None
    assert dry.counts == {world.people["委员一"].id: 2, world.people["委员二"].id: 2,
                          second["id"]: 3}
    assert [(p.line, p.reason) for p in dry.problems] == [
        (5, "several"), (6, "nobody"), (8, "bad_count")]
    assert [str(p) for p in dry.problems] == [
        "第5行：名册中有多位委员名为“委员三”，请改填手机号", "第6行：名册中没有“张某某”",
        "第8行：“委员四”的件数须为0至99"]
    with speaking("en"):
        assert [str(p) for p in dry.problems] == [
            "row 5: 委员三 matches several members", "row 6: 张某某 matches no member",
            "row 8: 委员四 has a count that is not 0–99"]
    assert await world.db.fetch_all("SELECT * FROM proposal_filings") == []

    await import_filings(service.proposals, world.actor("工作人员"), window.id, export)
    rows = await world.db.fetch_all(
        "SELECT m.phone, f.count, f.source, f.audited FROM proposal_filings f "
        "JOIN members m ON m.id = f.member_id ORDER BY m.phone")
    assert [tuple(r) for r in rows] == [
        ("13800000011", 2, "import", 1), ("13800000012", 2, "import", 1),
        ("13800000023", 3, "import", 1)]

    # an .xlsx with a name column only: each row is one proposal
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (("序号", "第一提案人", "案由"), (1, "组长甲", "关于……"), (2, "组长甲", "关于……")):
        sheet.append(row)
    book.save(tmp_path / "list.xlsx")
    found = await import_filings(service.proposals, None, window.id, tmp_path / "list.xlsx")
    assert found.counts == {world.people["组长甲"].id: 2}
    assert found.problems == []
