"""The duty record service over the seeded year: every member's figures, points and shortfall
against the hand-worked expectations, the committee's figures, who may see what, and grades."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.auth import Actor, Refused
from bot.core.config import DutyRecordConfig, LevelConfig
from bot.duty_record.rules import Item, Target
from bot.duty_record.service import DutyProblem, DutyRecordService
from domain.duty_models import Dimension, Outcome, Scope
from storage.db import Database
from storage.members import MemberRepository
from tests.duty_world import (
    ALICE,
    BOB,
    CHEN,
    DING,
    E_ER,
    EXPECTED,
    FENG,
    GROUPS,
    MONTHS,
    STAFF,
    YEAR,
    DutyWorld,
    seed_year,
)

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
async def world(db: Database) -> DutyWorld:
    return seed_year(db.path)


def service(db: Database, config: DutyRecordConfig | None = None,
            now: datetime = NOW) -> DutyRecordService:
    return DutyRecordService(db, MemberRepository(db), ZONE, config, clock=lambda: now)


async def actor(db: Database, phone: str) -> Actor:
    member = await MemberRepository(db).by_phone(phone)
    assert member is not None
    return Actor.resolve(1000 + member.id, member, set())


async def test_every_member_of_the_year_as_worked_out_by_hand(db: Database,
                                                              world: DutyWorld) -> None:
    records = await service(db).records(YEAR, Scope())
    by_id = {r.counts.member_id: r for r in records}
    assert set(by_id) == {world.members[p] for p in EXPECTED}  # staff have no record
    for phone, want in EXPECTED.items():
        record = by_id[world.members[phone]]
        c = record.counts
        got = (c.expected, c.attended, c.late, c.on_leave, c.absent, c.attended_expected,
               c.submitted, c.coauthored, c.adopted, c.instructed, c.not_adopted, c.proposals,
               c.reading_notes)
        assert got == (want.expected, want.attended, want.late, want.on_leave, want.absent,
                       want.attended_expected, want.submitted, want.coauthored, want.adopted,
                       want.instructed, want.not_adopted, want.proposals,
                       want.reading_notes), phone
        assert record.total == want.points, phone
        assert {k.value: v for k, v in record.shortfall.items()} == want.shortfall, phone


async def test_one_member_alone_matches_the_whole_committee(db: Database,
                                                            world: DutyWorld) -> None:
    everyone = {r.counts.member_id: r.counts for r in await service(db).records(YEAR, Scope())}
    for member_id in world.members.values():
        alone = await service(db).records(YEAR, Scope(member_id=member_id))
        assert [r.counts for r in alone] == ([everyone[member_id]] if member_id in everyone
                                             else [])


async def test_the_lists_behind_the_counts(db: Database, world: DutyWorld) -> None:
    lists = await service(db).lists(YEAR, Scope(member_id=world.members[BOB]))
    outcomes = [(e.title, e.outcome, e.expected) for e in lists.events]
    assert outcomes == [
        ("三月读书会", Outcome.PRESENT, True), ("五月建言日", Outcome.LATE, True),
        ("河道视察", Outcome.PRESENT, False), ("九月组会", Outcome.LEAVE, True),
        ("十一月学习", Outcome.ABSENT, True),
    ]
    assert [(r.title, r.status, r.coauthor) for r in lists.reports] == [
        ("报告R11", "submitted", False), ("报告R4", "submitted", False),
        ("报告R5", "adopted", False),
    ]
    assert [(p.title, p.count) for p in lists.proposals] == [("2025年提案征集", 1)]
    assert lists.notes == []  # 史记 was 2024's
    alice = await service(db).lists(YEAR, Scope(member_id=world.members[ALICE]))
    assert [(r.title, r.coauthor, r.instructed) for r in alice.reports] == [
        ("报告R1", False, True), ("报告R2", False, False), ("报告R3", False, False),
        ("报告R5", True, False),
    ]
    assert [n.book for n in alice.notes] == ["乡土中国", "论语"]


async def test_committee_figures_per_group_and_month(db: Database, world: DutyWorld) -> None:
    stats = await service(db).committee(await actor(db, STAFF), YEAR)
    got = {g.group.name: (g.members, g.expected, g.attended_expected, g.submitted, g.adopted,
                          g.proposals, g.behind) for g in stats.groups if g.group}
    assert got == GROUPS
    assert {m: (s, a) for m, s, a in stats.months if s or a} == MONTHS
    assert stats.total.members == 5


async def test_points_and_levels_come_from_the_config(db: Database, world: DutyWorld) -> None:
    county = DutyRecordConfig(levels=[
        LevelConfig(code="city", zh="县级", en="county", points=4),
        LevelConfig(code="province", zh="市级", en="city", points=6),
    ])
    records = {r.counts.member_id: r for r in await service(db, county).records(YEAR, Scope())}
    # Alice: 34.5 with 3 + 5 for her levels → 4 + 6; Bob's national level is worth nothing here
    assert records[world.members[ALICE]].total == 34.5 - 8 + 10
    assert records[world.members[BOB]].total == 21 - 10


def test_minimums_are_pro_rated_through_the_year() -> None:
    config = DutyRecordConfig()
    assert Target.on(config, 2026, date(2026, 3, 2)).due == {
        "activities": 1, "proposals": 1, "reports": 1}
    assert Target.on(config, 2026, date(2026, 1, 1)).due["activities"] == 1
    assert Target.on(config, 2026, date(2026, 9, 1)).due["activities"] == 3
    assert Target.on(config, 2026, date(2026, 6, 1)).due["activities"] == 2
    assert Target.on(config, 2027, date(2026, 12, 31)).due["activities"] == 0
    assert Target.on(config, 2025, date(2026, 1, 1)).due == Target.on(config, 2025,
                                                                      date(2025, 12, 31)).due


def test_the_readmes_pro_rating_example_is_what_the_code_computes() -> None:
    """The duty record section's "by 1 September, 3 × N/365 → K activities": N is the day of
    the year (the day itself counted) and K what Target.on gives for that day."""
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The duty record", 1)[1].split("\n## ", 1)[0]
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    examples = re.findall(rf"by (\d+) ({'|'.join(months)}),? (\d+) × (\d+)/(\d+) → (\d+)",
                          " ".join(section.split()))
    assert ("1", "September") in [example[:2] for example in examples]
    config = DutyRecordConfig()
    for day, month, minimum, passed, days, due in examples:
        year = 2025 if days == "365" else 2024
        on = date(year, months.index(month) + 1, int(day))
        assert int(minimum) == config.minimums.activities
        assert int(passed) == on.timetuple().tm_yday
        assert Target.on(config, year, on).due["activities"] == int(due), (day, month)


async def test_who_may_see_which_record(db: Database, world: DutyWorld) -> None:
    duty = service(db)
    bob, alice, ding, staff = [await actor(db, p) for p in (BOB, ALICE, DING, STAFF)]
    member, record = await duty.record(bob, None, YEAR)
    assert member.phone == BOB and record.total == 21
    with pytest.raises(Refused) as refused:
        await duty.record(bob, world.members[ALICE], YEAR)
    assert refused.value.reason is DutyProblem.OTHERS_RECORD
    assert (await duty.record(alice, world.members[CHEN], YEAR))[0].phone == CHEN
    with pytest.raises(Refused) as refused:
        await duty.record(ding, world.members[CHEN], YEAR)  # a leader, another group
    assert refused.value.reason is DutyProblem.OTHER_GROUP
    assert (await duty.record(staff, world.members[E_ER], YEAR))[0].phone == E_ER
    with pytest.raises(Refused) as refused:
        await duty.group_records(ding, world.groups["第一活动组"], YEAR)
    assert refused.value.reason is DutyProblem.OTHER_GROUP
    with pytest.raises(Refused) as refused:
        await duty.group_records(bob, None, YEAR)
    assert refused.value.reason is DutyProblem.LEADERS_ONLY
    group, records = await duty.group_records(alice, None, YEAR)
    assert group.name == "第一活动组"
    assert [r.counts.name for r in records] == ["爱丽丝", "鲍勃", "陈晨"]  # 冯离 left
    with pytest.raises(Refused) as refused:
        await duty.committee(bob, YEAR)
    assert refused.value.reason is DutyProblem.STAFF_ONLY
    for year in (1999, 2027):
        with pytest.raises(Refused) as refused:
            await duty.record(bob, None, year)
        assert refused.value.reason is DutyProblem.BAD_YEAR


async def test_grades_are_recorded_audited_and_shown(db: Database, world: DutyWorld) -> None:
    duty = service(db)
    staff, bob = await actor(db, STAFF), await actor(db, BOB)
    assert await duty.set_grade(staff, world.members[BOB], YEAR, Dimension.CONDUCT, "优秀",
                                "  积极  参加 ") is None
    old = await duty.set_grade(staff, world.members[BOB], YEAR, Dimension.CONDUCT, "良好")
    assert old is not None and old.grade == "优秀" and old.remarks == "积极 参加"
    await duty.set_grade(None, world.members[BOB], YEAR, Dimension.SATISFACTION, "满意")
    _, record = await duty.record(bob, None, YEAR)
    assert {d: g.grade for d, g in record.grades.items()} == {
        Dimension.CONDUCT: "良好", Dimension.SATISFACTION: "满意"}
    assert record.grades[Dimension.CONDUCT].remarks == "积极 参加"  # kept by the regrade
    audit = await db.fetch_all("SELECT actor_tg_id, detail FROM audit_log "
                               "WHERE action = 'duty.grade' ORDER BY id")
    assert len(audit) == 3 and audit[0]["actor_tg_id"] == staff.telegram_user_id
    assert audit[2]["actor_tg_id"] is None
    for problem, args in [
        (DutyProblem.BAD_GRADE, ("",)), (DutyProblem.BAD_GRADE, ("优" * 21,)),
        (DutyProblem.BAD_GRADE, ("96",)),  # not one of [duty_record.grades]
        (DutyProblem.REMARKS_TOO_LONG, ("优秀", "长" * 201)),
    ]:
        with pytest.raises(Refused) as refused:
            await duty.set_grade(staff, world.members[BOB], YEAR, Dimension.CONDUCT, *args)
        assert refused.value.reason is problem
    with pytest.raises(Refused) as refused:
        await duty.set_grade(staff, world.members[STAFF], YEAR, Dimension.CONDUCT, "优秀")
    assert refused.value.reason is DutyProblem.NO_SUCH_MEMBER
    with pytest.raises(Refused):
        await duty.set_grade(bob, world.members[BOB], YEAR, Dimension.CONDUCT, "优秀")
    assert FENG  # the member who left keeps a record (test_every_member_…)


async def test_a_check_in_counts_once_the_event_is_over(db: Database, world: DutyWorld) -> None:
    """At 09:30 on 20 November 十一月学习 is running and 爱丽丝 has checked in: it is neither
    attended nor filed under another group's events until it ends at 11:00."""
    alice = world.members[ALICE]
    during = service(db, now=datetime(2025, 11, 20, 1, 30, tzinfo=UTC))
    [record] = await during.records(YEAR, Scope(member_id=alice))
    assert (record.counts.expected, record.counts.attended, record.counts.attended_expected,
            record.counts.late) == (3, 3, 3, 1)
    lists = await during.lists(YEAR, Scope(member_id=alice))
    assert [(e.title, e.expected) for e in lists.events] == [
        ("三月读书会", True), ("五月建言日", True), ("九月组会", True)]
    after = service(db, now=datetime(2025, 11, 20, 3, 0, tzinfo=UTC))
    [record] = await after.records(YEAR, Scope(member_id=alice))
    assert (record.counts.expected, record.counts.attended) == (4, 4)
    assert [(e.title, e.expected) for e in (await after.lists(YEAR, Scope(
        member_id=alice))).events][-1] == ("十一月学习", True)


async def test_expected_events_follow_the_groups_a_member_was_in(db: Database,
                                                                 world: DutyWorld) -> None:
    """鲍勃 moves to 第二活动组 by the roster import of 1 July; 庚新 joins 第一活动组 by
    the import of 1 August. Each is expected at a group's events held while they were in it:
    鲍勃 at 第一活动组's 三月读书会 and 五月建言日, then at 十一月学习 (both groups'),
    not at 第二活动组's June 河道视察 (attended: one of the others) nor at 第一活动组's
    September meeting (his approved leave there no longer counts); 庚新 at the two events
    after 1 August."""
    from bot.members.roster import RosterRow, apply_import
    from domain.models import Role
    from tests.clock import FrozenClock

    def row(name: str, phone: str, group: str) -> RosterRow:
        return RosterRow(line=2, name=name, phone=phone, sector="", group=group,
                         role=Role.MEMBER)

    for moment, rows in (
        (datetime(2025, 6, 30, 16, 0, tzinfo=UTC), [row("鲍勃", BOB, "第二活动组")]),
        (datetime(2025, 7, 31, 16, 0, tzinfo=UTC), [row("庚新", "13800000008", "第一活动组")]),
    ):
        async with Database(db.path, FrozenClock(moment)) as at_the_time:
            await apply_import(at_the_time, rows, source="roster.xlsx")
    newcomer = (await MemberRepository(db).by_phone("13800000008"))
    assert newcomer is not None
    records = {r.counts.member_id: r.counts for r in await service(db).records(YEAR, Scope())}
    bob, geng = records[world.members[BOB]], records[newcomer.id]
    assert (bob.expected, bob.attended, bob.attended_expected, bob.on_leave, bob.absent) == (
        3, 3, 2, 0, 1)
    assert (geng.expected, geng.absent) == (2, 2)
    lists = await service(db).lists(YEAR, Scope(member_id=world.members[BOB]))
    assert [(e.title, e.outcome, e.expected) for e in lists.events] == [
        ("三月读书会", Outcome.PRESENT, True), ("五月建言日", Outcome.LATE, True),
        ("河道视察", Outcome.PRESENT, False), ("十一月学习", Outcome.ABSENT, True),
    ]
    # the others keep their figures: one group all along
    assert records[world.members[ALICE]].expected == EXPECTED[ALICE].expected
    assert records[world.members[E_ER]].expected == EXPECTED[E_ER].expected


async def test_the_minimums_of_a_member_who_joined_are_pro_rated_from_that_day(
    db: Database, world: DutyWorld
) -> None:
    """庚新 joins 第一活动组 by the roster import of 1 July 2025: by 1 September, 63 of the 365
    days are hers (3 × 63/365 → 1 activity due, 1 × 63/365 → 1 proposal and 1 report), and her
    year asks 3 × 184/365 → 2 activities; the others' targets stay those of the whole year."""
    from bot.members.roster import RosterRow, apply_import
    from domain.models import Role
    from tests.clock import FrozenClock

    joined = datetime(2025, 6, 30, 16, 0, tzinfo=UTC)  # 1 July 00:00 in Shanghai
    async with Database(db.path, FrozenClock(joined)) as at_the_time:
        await apply_import(at_the_time, [RosterRow(
            line=2, name="庚新", phone="13800000008", sector="", group="第一活动组",
            role=Role.MEMBER)], source="roster.xlsx")
    newcomer = await MemberRepository(db).by_phone("13800000008")
    assert newcomer is not None
    records = {r.counts.member_id: r for r in await service(db).records(
        YEAR, Scope(), on=date(2025, 9, 1))}
    geng = records[newcomer.id]
    assert {k.value: v for k, v in geng.target.due.items()} == {
        "activities": 1, "proposals": 1, "reports": 1}
    assert geng.target.yearly[Item.ACTIVITIES] == 2
    alice = records[world.members[ALICE]]
    assert {k.value: v for k, v in alice.target.due.items()} == {
        "activities": 3, "proposals": 1, "reports": 1}
