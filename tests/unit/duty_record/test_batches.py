"""The export's bulk path over the seeded year: the lines `lines_of` gives a batch of members
(event lines joined in Python, one object per event and outcome) are exactly the lines
`lists` gives each of them, whatever the batch, before and after the year is over; and the
figures of some members (`Scope(member_ids=…)`) are theirs in the whole committee's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.duty_record.service import DutyRecordService
from domain.duty_models import EventLine, Scope
from storage.db import Database
from storage.members import MemberRepository
from tests.duty_world import ALICE, FENG, STAFF, YEAR, DutyWorld, seed_year

ZONE = ZoneInfo("Asia/Shanghai")
AFTER = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DURING = datetime(2025, 9, 1, 4, 0, tzinfo=UTC)  # some events over, some not


@pytest.fixture
async def world(db: Database) -> DutyWorld:
    return seed_year(db.path)


def service(db: Database, now: datetime) -> DutyRecordService:
    return DutyRecordService(db, MemberRepository(db), ZONE, clock=lambda: now)


@pytest.mark.parametrize("now", [AFTER, DURING], ids=["after", "during"])
async def test_a_batch_has_the_lines_of_each_member(db: Database, world: DutyWorld,
                                                    now: datetime) -> None:
    duty = service(db, now)
    records = await duty.records(YEAR, Scope())
    ids = [r.counts.member_id for r in records]
    assert world.members[FENG] in ids  # left in July: expected only before
    events = await duty.year_events(YEAR)
    for batch in (ids, ids[:2], ids[2:], [world.members[FENG]]):
        found = await duty.lines_of(YEAR, batch, events)
        assert list(found) == batch
        for member_id in batch:
            lists = await duty.lists(YEAR, Scope(member_id=member_id))
            lines = found[member_id]
            assert [
                EventLine(member_id=member_id, event_id=line.event.event_id,
                          title=line.event.title, type=line.event.type,
                          starts_at=line.event.starts_at, outcome=line.outcome,
                          expected=line.expected)
                for line in lines.events
            ] == lists.events
            assert (lines.reports, lines.proposals, lines.notes) == (
                lists.reports, lists.proposals, lists.notes)
    alice = (await duty.lines_of(YEAR, [world.members[ALICE]], events))[world.members[ALICE]]
    assert alice.events and alice.reports  # the comparison above compared something


async def test_some_members_figures_are_theirs_among_everyone(db: Database,
                                                              world: DutyWorld) -> None:
    duty = service(db, AFTER)
    everyone = {r.counts.member_id: r for r in await duty.records(YEAR, Scope())}
    chosen = (world.members[ALICE], world.members[FENG], world.members[STAFF])
    some = await duty.records(YEAR, Scope(member_ids=chosen))
    # staff have no record, even named
    assert [r.counts.member_id for r in some] == sorted(
        chosen[:2], key=list(everyone).index)
    for record in some:
        assert record == everyone[record.counts.member_id]
    assert await duty.records(YEAR, Scope(member_ids=())) == []
