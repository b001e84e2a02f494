"""Deputy leaders (副组长) among the people reminders and proposal windows reach: the leaders'
reminders reach them too, and they file proposals and are reminded like members."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.reminders.drafts import AudienceChoice, ReminderDraft
from bot.reminders.proposals import FilingOutcome
from bot.reminders.service import ReminderService
from domain.models import Role
from storage.members import MemberRepository
from storage.proposals import ProposalRepository
from storage.reminders import ReminderRepository
from tests.unit.attendance.test_attendance import ZONE, World, build_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async for built in build_world(tmp_path / "d.db"):
        async with built.db.transaction() as conn:  # 委员二 becomes 第一活动组's 副组长
            await conn.execute("UPDATE members SET role = 'deputy' WHERE name = '委员二'")
        built.people = {m.name: m for m in await MemberRepository(built.db).list_members()}
        assert built.people["委员二"].role is Role.DEPUTY
        yield built


async def test_the_leaders_reminders_reach_the_deputies(world: World) -> None:
    audience = ReminderDraft(audience=AudienceChoice.LEADERS).audience_of()
    reached = await ReminderRepository(world.db).reachable_members(roles=audience.roles)
    assert sorted(m.name for m, _ in reached) == ["委员二", "组长乙", "组长甲"]
    only_leaders = await ReminderRepository(world.db).reachable_members(roles=[Role.LEADER])
    assert sorted(m.name for m, _ in only_leaders) == ["组长乙", "组长甲"]


async def test_a_deputy_files_proposals_and_is_reminded_like_a_member(world: World) -> None:
    world.clock.now = datetime(2025, 11, 28, 10, 0, tzinfo=ZONE)
    service = ReminderService(world.db, ZONE, clock=world.clock)
    window = await service.proposals.open_window(None, "提案征集", date(2025, 11, 28),
                                                 date(2025, 12, 5))
    repo = ProposalRepository(world.db)
    filers = {m.name for m in await repo.filers()}
    assert "委员二" in filers and "工作人员" not in filers
    assert "委员二" in {m.name for m in await repo.not_filed(window.id)}
    deputy = world.people["委员二"]
    assert await service.proposals.report_filed(deputy, window.id, 2) is FilingOutcome.RECORDED
    assert "委员二" not in {m.name for m in await repo.not_filed(window.id)}
    assert (await repo.filing(window.id, deputy.id)).count == 2  # type: ignore[union-attr]
