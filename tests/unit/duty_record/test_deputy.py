"""A deputy leader (副组长) in the seeded year: assessed like any member, sees the records and
the attendance of their own group and no other, and has none of the leader's other powers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.attendance.outcomes import DecisionOutcome
from bot.attendance.service import AttendanceService
from bot.core.auth import Action, Actor, NotAllowed, Refused
from bot.duty_record.service import DutyProblem, DutyRecordService
from domain.duty_models import Dimension, Scope
from storage.db import Database
from storage.members import MemberRepository
from tests.duty_world import ALICE, BOB, CHEN, DING, E_ER, EXPECTED, YEAR, DutyWorld, seed_year

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
async def world(db: Database) -> DutyWorld:
    world = seed_year(db.path)
    async with db.transaction() as conn:  # 鲍勃 becomes 第一活动组's 副组长
        await conn.execute("UPDATE members SET role = 'deputy' WHERE id = ?",
                           (world.members[BOB],))
    return world


async def actor(db: Database, phone: str) -> Actor:
    member = await MemberRepository(db).by_phone(phone)
    assert member is not None
    return Actor.resolve(1000 + member.id, member, set())


def duty_service(db: Database) -> DutyRecordService:
    return DutyRecordService(db, MemberRepository(db), ZONE, None, clock=lambda: NOW)


async def test_a_deputy_is_assessed_and_sees_their_own_group(db: Database,
                                                              world: DutyWorld) -> None:
    duty = duty_service(db)
    bob = await actor(db, BOB)
    assert bob.is_deputy and not bob.is_leader
    records = {r.counts.member_id: r for r in await duty.records(YEAR, Scope())}
    assert records[world.members[BOB]].total == EXPECTED[BOB].points  # as worked out by hand
    member, own = await duty.record(bob, None, YEAR)
    assert member.phone == BOB and own.total == EXPECTED[BOB].points
    member, other = await duty.record(bob, world.members[CHEN], YEAR)
    assert member.phone == CHEN and other.total == EXPECTED[CHEN].points
    group, group_records = await duty.group_records(bob, None, YEAR)
    assert group.name == "第一活动组"
    assert [r.counts.name for r in group_records] == ["爱丽丝", "鲍勃", "陈晨"]
    assert [r.total for r in group_records] == [EXPECTED[p].points for p in (ALICE, BOB, CHEN)]

    for ask in (duty.record(bob, world.members[DING], YEAR),
                duty.group_records(bob, world.groups["第二活动组"], YEAR)):
        with pytest.raises(Refused) as refused:
            await ask
        assert refused.value.reason is DutyProblem.OTHER_GROUP
    with pytest.raises(Refused) as refused:
        await duty.committee(bob, YEAR)
    assert refused.value.reason is DutyProblem.STAFF_ONLY
    with pytest.raises(NotAllowed):
        await duty.set_grade(bob, world.members[CHEN], YEAR, Dimension.CONDUCT, "优秀")
    assert await db.fetch_all("SELECT * FROM duty_grades") == []


async def test_a_deputy_without_a_group_is_told_so(db: Database, world: DutyWorld) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE members SET role = 'deputy', group_id = NULL WHERE id = ?",
                           (world.members[E_ER],))
    with pytest.raises(Refused) as refused:
        await duty_service(db).group_records(await actor(db, E_ER), None, YEAR)
    assert refused.value.reason is DutyProblem.NO_GROUP  # not "leaders only"


async def test_a_deputy_sees_attendance_but_runs_nothing(db: Database,
                                                         world: DutyWorld) -> None:
    attendance = AttendanceService(db, MemberRepository(db), ZONE, clock=lambda: NOW)
    bob, alice = await actor(db, BOB), await actor(db, ALICE)
    view = await attendance.attendance_view(bob, world.events["E1"])
    assert view is not None
    assert {r.member.name for r in view.present} == {"爱丽丝", "鲍勃", "冯离"}  # left in July
    assert {r.member.name for r in view.pending_leave} == {"陈晨"}
    with pytest.raises(NotAllowed):  # 河道视察 is 第二活动组's
        await attendance.attendance_view(bob, world.events["E3"])

    chen_leave = await db.fetch_one("SELECT id FROM leave_requests WHERE member_id = ?",
                                    (world.members[CHEN],))
    assert chen_leave is not None
    with pytest.raises(NotAllowed):
        await attendance.decide_leave(bob, chen_leave["id"], approve=True)
    with pytest.raises(NotAllowed):
        await attendance.mark_present_by_staff(bob, world.events["E4"], world.members[CHEN])
    assert await attendance.events_run_by(bob, Action.MANAGE_EVENTS, at=datetime(
        2025, 1, 1, tzinfo=UTC)) == []
    assert await attendance.events_run_by(bob, Action.SHOW_CHECKIN_CODE, at=datetime(
        2025, 1, 1, tzinfo=UTC)) == []
    assert [e.title for e in await attendance.events_run_by(
        bob, Action.VIEW_ATTENDANCE, at=datetime(2025, 1, 1, tzinfo=UTC))] == [
        "三月读书会", "五月建言日", "九月组会", "十一月学习"]
    assert (await db.fetch_one("SELECT status FROM leave_requests WHERE id = ?",
                               (chen_leave["id"],)))["status"] == "pending"  # type: ignore[index]
    # the leader of the same group may decide it
    decided = await attendance.decide_leave(alice, chen_leave["id"], approve=True)
    assert decided.outcome is DecisionOutcome.APPROVED
