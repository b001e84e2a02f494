"""Attendance service: events, every check-in outcome, staff marking, leave, views, bursts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.attendance import tokens as checkin_tokens
from bot.attendance.outcomes import (
    CheckInOutcome,
    DecisionOutcome,
    EventChangeOutcome,
    LeaveOutcome,
)
from bot.attendance.rules import EventProblem, GeoPoint, InvalidEvent, draft_of
from bot.attendance.service import AttendanceService
from bot.core.auth import Actor, NotAllowed
from domain.models import (
    AttendanceStatus,
    CheckInMethod,
    EventDraft,
    EventPolicy,
    EventType,
    LeaveStatus,
    Member,
    Venue,
)
from storage.db import Database, to_db_time
from storage.deliveries import DeliveryRepository
from storage.members import MemberRepository
from tests.clock import SYSTEM

ZONE = ZoneInfo("Asia/Shanghai")
# The event of most tests: 2025-03-01 09:00–11:00 in Shanghai (01:00–03:00 UTC).
START = datetime(2025, 3, 1, 9, 0, tzinfo=ZONE)
END = START + timedelta(hours=2)
VENUE = Venue(lat=31.2304, lon=121.4737, radius_m=200)

# name, phone, group (1 or 2 or None), role, telegram id
PEOPLE = [
    ("组长甲", "13800000001", 1, "leader", 1001),
    ("委员一", "13800000011", 1, "member", 1011),
    ("委员二", "13800000012", 1, "member", 1012),
    ("委员三", "13800000013", 1, "member", 1013),
    ("无手机", "13800000014", 1, "member", None),
    ("组长乙", "13800000002", 2, "leader", 1002),
    ("委员四", "13800000021", 2, "member", 1021),
    ("工作人员", "13800000099", None, "staff", 9001),
]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@dataclass
class World:
    db: Database
    service: AttendanceService
    clock: Clock
    people: dict[str, Member]
    group1: int
    group2: int

    def actor(self, name: str) -> Actor:
        person = self.people[name]
        assert person.telegram_user_id is not None
        return Actor.resolve(person.telegram_user_id, person, set())

    def draft(self, **changes: object) -> EventDraft:
        values: dict[str, object] = {
            "type": EventType.READING,
            "title": "委员阅读日",
            "starts_at": START,
            "ends_at": END,
            "place": "市政协三楼",
            "group_ids": (self.group1,),
        }
        values.update(changes)
        return EventDraft.model_validate(values)

    async def event(self, **changes: object) -> int:
        change = await self.service.create_event(None, self.draft(**changes))
        assert change.event is not None
        return change.event.id

    async def count(self, sql: str, *params: object) -> int:
        row = await self.db.fetch_one(sql, params)
        assert row is not None
        return int(row[0])

    async def checkin_rows(self, event_id: int) -> int:
        return await self.count("SELECT count(*) FROM checkins WHERE event_id = ?", event_id)


async def build_world(path: Path) -> AsyncIterator[World]:
    async with Database(path, SYSTEM) as db:
        async with db.transaction() as conn:
            group1 = await MemberRepository.ensure_group(conn, "第一活动组", now=SYSTEM())
            group2 = await MemberRepository.ensure_group(conn, "第二活动组", now=SYSTEM())
            now = to_db_time(datetime(2025, 1, 1, tzinfo=UTC))
            for name, phone, group, role, tg_id in PEOPLE:
                await conn.execute(
                    "INSERT INTO members(name, phone, sector, group_id, role, telegram_user_id, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        name, phone, "经济界", {1: group1, 2: group2}.get(group or 0), role,
                        tg_id, now, now,
                    ),
                )
        members = MemberRepository(db)
        people = {m.name: m for m in await members.list_members()}
        clock = Clock(START - timedelta(days=1))
        service = AttendanceService(db, members, ZONE, clock=clock)
        yield World(db, service, clock, people, group1, group2)
        await service.close()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async for built in build_world(tmp_path / "t.db"):
        yield built


# -- events -----------------------------------------------------------------------------------
async def test_staff_and_leaders_create_events_where_they_may(world: World) -> None:
    change = await world.service.create_event(world.actor("工作人员"), world.draft())
    assert change.outcome is EventChangeOutcome.CREATED
    assert change.event is not None
    assert change.event.starts_at == START
    assert change.event.group_ids == (world.group1,)
    assert [g.name for g in change.groups] == ["第一活动组"]
    audit = await world.db.fetch_one("SELECT * FROM audit_log WHERE action = 'event_create'")
    assert audit is not None
    assert audit["actor_tg_id"] == 9001
    assert audit["subject"] == f"event:{change.event.id}"

    led = await world.service.create_event(world.actor("组长甲"), world.draft(title="小组学习"))
    assert led.outcome is EventChangeOutcome.CREATED
    with pytest.raises(NotAllowed):
        await world.service.create_event(
            world.actor("组长甲"), world.draft(group_ids=(world.group1, world.group2))
        )
    with pytest.raises(NotAllowed):
        await world.service.create_event(world.actor("委员一"), world.draft())
    assert await world.count("SELECT count(*) FROM events") == 2


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"title": "  "}, EventProblem.EMPTY_TITLE),
        ({"ends_at": START}, EventProblem.ENDS_BEFORE_START),
        ({"group_ids": ()}, EventProblem.NO_GROUPS),
        ({"group_ids": (999,)}, EventProblem.UNKNOWN_GROUP),
        ({"venue": Venue(lat=95, lon=0, radius_m=100)}, EventProblem.BAD_VENUE),
        ({"venue": Venue(lat=30, lon=120, radius_m=1)}, EventProblem.BAD_VENUE),
        ({"starts_at": datetime(2025, 3, 1, 9, 0)}, EventProblem.NAIVE_TIME),
    ],
)
async def test_invalid_drafts_are_refused(
    world: World, changes: dict[str, object], problem: EventProblem
) -> None:
    with pytest.raises(InvalidEvent) as caught:
        await world.service.create_event(None, world.draft(**changes))
    assert caught.value.problem is problem
    assert await world.count("SELECT count(*) FROM events") == 0


async def test_edit_tells_everyone_concerned(world: World) -> None:
    event_id = await world.event()
    await world.service.save_announcement(event_id, -100, 55)
    event = await world.service.event(event_id)
    assert event is not None
    later = draft_of(event).model_copy(
        update={"starts_at": START + timedelta(hours=1), "group_ids": (world.group2,)}
    )
    change = await world.service.edit_event(world.actor("工作人员"), event_id, later)
    assert change.outcome is EventChangeOutcome.EDITED
    assert change.changed == {"starts_at", "group_ids"}
    assert change.event is not None and change.previous is not None
    assert change.event.starts_at == START + timedelta(hours=1)
    assert change.previous.starts_at == START
    # the members of the group no longer expected and those of the new one; not the unbound
    assert {m.name for m in change.notify} == {
        "组长甲", "委员一", "委员二", "委员三", "组长乙", "委员四",
    }
    assert [(a.chat_id, a.message_id) for a in change.announcements] == [(-100, 55)]
    audit = await world.db.fetch_one("SELECT detail FROM audit_log WHERE action = 'event_edit'")
    assert audit is not None
    assert set(json.loads(audit["detail"])) == {"starts_at", "group_ids"}

    same = await world.service.edit_event(None, event_id, later)
    assert same.outcome is EventChangeOutcome.UNCHANGED
    with pytest.raises(NotAllowed):
        await world.service.edit_event(world.actor("组长甲"), event_id, later)


async def _announce_in_group_chat(world: World, event_id: int, group_id: int) -> None:
    """The group's chat bound, and the event's announcement posted there."""
    chat_id = -100 - group_id
    async with world.db.transaction() as conn:
        await conn.execute("UPDATE activity_groups SET chat_id = ? WHERE id = ?",
                           (chat_id, group_id))
    await world.service.save_announcement(event_id, chat_id, 55)


async def test_cancel_tells_members_and_stops_check_in(world: World) -> None:
    event_id = await world.event()
    await _announce_in_group_chat(world, event_id, world.group1)
    with pytest.raises(NotAllowed):
        await world.service.cancel_event(world.actor("组长乙"), event_id)
    change = await world.service.cancel_event(world.actor("组长甲"), event_id, "下雨")
    assert change.outcome is EventChangeOutcome.CANCELLED
    assert {m.name for m in change.notify} == {"组长甲", "委员一", "委员二", "委员三"}
    again = await world.service.cancel_event(None, event_id)
    assert again.outcome is EventChangeOutcome.ALREADY_CANCELLED
    assert await world.count("SELECT count(*) FROM audit_log WHERE action = 'event_cancel'") == 1

    world.clock.now = START
    result = await world.service.check_in(world.people["委员一"], event_id, CheckInMethod.BUTTON)
    assert result.outcome is CheckInOutcome.CANCELLED
    edited = await world.service.edit_event(None, event_id, world.draft(title="x"))
    assert edited.outcome is EventChangeOutcome.ALREADY_CANCELLED
    assert await world.service.events_for_member(world.people["委员一"]) == []


async def test_cancel_tells_only_the_members_who_were_told_of_the_event(world: World) -> None:
    """Made by mistake and cancelled before anyone was told: nobody is told. Otherwise those
    whose group's chat had the announcement, those a reminder or notice of it reached, and
    those who asked for leave from it; not those a reminder did not reach."""
    mistake = await world.event(group_ids=(world.group1, world.group2))
    change = await world.service.cancel_event(world.actor("工作人员"), mistake)
    assert change.outcome is EventChangeOutcome.CANCELLED
    assert change.notify == ()

    event_id = await world.event(group_ids=(world.group1, world.group2))
    await world.service.ask_leave(world.people["委员一"], event_id, "出差")
    async with world.db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO reminder_occurrences(key, kind, event_id, due_at, created_at) "
            "VALUES (?, 'event_evening', ?, ?, ?)",
            (f"event:{event_id}:evening", event_id, to_db_time(START), to_db_time(START)),
        )
        occurrence = cursor.lastrowid
    deliveries = DeliveryRepository(world.db)
    for key, chat_id, status in (
        (f"occ:{occurrence}", 1021, "sent"),  # 委员四: the evening reminder reached them
        (f"occ:{occurrence}", 1002, "failed"),  # 组长乙: it did not
        (f"event:{event_id}:edit:1.0", 1012, "sent"),  # 委员二: a notice of a change
    ):
        await deliveries.claim(key, chat_id, 3)
        await deliveries.finish(key, chat_id, status)
    change = await world.service.cancel_event(world.actor("工作人员"), event_id)
    assert {m.name for m in change.notify} == {"委员一", "委员二", "委员四"}

    announced = await world.event(group_ids=(world.group1, world.group2))
    await _announce_in_group_chat(world, announced, world.group2)
    change = await world.service.cancel_event(world.actor("工作人员"), announced)
    assert {m.name for m in change.notify} == {"组长乙", "委员四"}


async def test_ended_events_are_neither_edited_nor_cancelled(world: World) -> None:
    event_id = await world.event()
    world.clock.now = END
    assert (await world.service.cancel_event(None, event_id)).outcome is EventChangeOutcome.ENDED
    edited = await world.service.edit_event(None, event_id, world.draft(title="改"))
    assert edited.outcome is EventChangeOutcome.ENDED


# -- check-in outcomes ------------------------------------------------------------------------
async def test_recorded_on_time_then_already_with_the_earlier_time(world: World) -> None:
    event_id = await world.event()
    member = world.people["委员一"]
    first_at = START - timedelta(minutes=10)
    world.clock.now = first_at
    result = await world.service.check_in(member, event_id, CheckInMethod.BUTTON)
    assert result.outcome is CheckInOutcome.RECORDED
    assert result.checkin is not None
    assert result.checkin.at == first_at
    assert not result.checkin.late

    world.clock.now = START + timedelta(minutes=30)
    again = await world.service.check_in(member, event_id, CheckInMethod.BUTTON)
    assert again.outcome is CheckInOutcome.ALREADY
    assert again.checkin is not None
    assert again.checkin.at == first_at
    assert again.checkin.method is CheckInMethod.BUTTON
    assert await world.checkin_rows(event_id) == 1
    audit = await world.db.fetch_one(
        "SELECT actor_tg_id, actor_member_id, detail FROM audit_log "
        "WHERE action = 'member_checkin'"
    )
    assert audit is not None
    assert (audit["actor_tg_id"], audit["actor_member_id"]) == (1011, member.id)
    assert json.loads(audit["detail"]) == {
        "member_id": member.id, "method": "button", "late": False,
    }


async def test_window_edges_and_lateness(world: World) -> None:
    event_id = await world.event()
    service, people = world.service, world.people
    cases = [
        ("委员一", START - timedelta(minutes=60, seconds=1), CheckInOutcome.TOO_EARLY),
        ("委员一", START - timedelta(minutes=60), CheckInOutcome.RECORDED),
        ("委员二", START + timedelta(minutes=15), CheckInOutcome.RECORDED),
        ("委员三", START + timedelta(minutes=15, seconds=1), CheckInOutcome.LATE),
        ("组长甲", END, CheckInOutcome.TOO_LATE),
    ]
    for name, at, expected in cases:
        result = await service.check_in(people[name], event_id, CheckInMethod.BUTTON, at=at)
        assert result.outcome is expected, (name, at)
    early = await service.check_in(
        people["组长甲"], event_id, CheckInMethod.BUTTON, at=START - timedelta(hours=3)
    )
    assert early.opens_at == START - timedelta(minutes=60)
    rows = await world.db.fetch_all(
        "SELECT m.name, c.late FROM checkins c JOIN members m ON m.id = c.member_id"
    )
    assert {(r["name"], r["late"]) for r in rows} == {("委员一", 0), ("委员二", 0), ("委员三", 1)}


async def test_refusals_record_nothing(world: World) -> None:
    event_id = await world.event()
    world.clock.now = START
    service = world.service
    other = await service.check_in(world.people["委员四"], event_id, CheckInMethod.BUTTON)
    assert other.outcome is CheckInOutcome.NOT_EXPECTED
    staff_outside = await service.check_in(
        world.people["工作人员"], event_id, CheckInMethod.BUTTON
    )
    assert staff_outside.outcome is CheckInOutcome.NOT_EXPECTED
    missing = await service.check_in(world.people["委员一"], 12345, CheckInMethod.BUTTON)
    assert missing.outcome is CheckInOutcome.NO_SUCH_EVENT
    assert await world.checkin_rows(event_id) == 0
    assert await world.count("SELECT count(*) FROM audit_log WHERE action LIKE 'member_%'") == 0
    with pytest.raises(ValueError, match="mark_present_by_staff"):
        await service.check_in(world.people["委员一"], event_id, CheckInMethod.STAFF)


async def test_venue_policy_and_location(world: World) -> None:
    event_id = await world.event(policy=EventPolicy.VENUE, venue=VENUE)
    world.clock.now = START
    service, member = world.service, world.people["委员一"]
    button = await service.check_in(member, event_id, CheckInMethod.BUTTON)
    assert button.outcome is CheckInOutcome.VENUE_ONLY
    bare_location = await service.check_in(
        member, event_id, CheckInMethod.LOCATION, location=GeoPoint(VENUE.lat, VENUE.lon)
    )
    assert bare_location.outcome is CheckInOutcome.VENUE_ONLY

    payload = checkin_tokens.link_payload(
        await service.token_secret(), event_id, checkin_tokens.step_at(START)
    )
    asked = await service.check_in_by_link(member, payload)
    assert asked.outcome is CheckInOutcome.NEED_LOCATION
    static = await service.check_in_by_link(
        member, payload, location=GeoPoint(VENUE.lat, VENUE.lon, live=False)
    )
    assert static.outcome is CheckInOutcome.LOCATION_NOT_LIVE
    # about 1.1 km north of the venue
    far = await service.check_in(
        member, event_id, CheckInMethod.QR, location=GeoPoint(VENUE.lat + 0.01, VENUE.lon)
    )
    assert far.outcome is CheckInOutcome.OUTSIDE_VENUE
    assert far.distance_m is not None
    assert 1100 < far.distance_m < 1125
    assert await world.checkin_rows(event_id) == 0
    # about 110 m away: inside the 200 m radius
    near = await service.check_in(
        member, event_id, CheckInMethod.QR, location=GeoPoint(VENUE.lat + 0.001, VENUE.lon)
    )
    assert near.outcome is CheckInOutcome.RECORDED
    assert near.checkin is not None
    assert near.checkin.method is CheckInMethod.QR


async def test_open_event_with_venue_point_takes_button_without_location(world: World) -> None:
    event_id = await world.event(venue=VENUE)
    world.clock.now = START
    result = await world.service.check_in(world.people["委员一"], event_id, CheckInMethod.BUTTON)
    assert result.outcome is CheckInOutcome.RECORDED


async def test_deep_link_tokens(world: World) -> None:
    event_id = await world.event()
    other_event = await world.event(group_ids=(world.group2,), title="第二组协商")
    secret = await world.service.token_secret()
    now = START + timedelta(minutes=5)
    world.clock.now = now
    member = world.people["委员一"]
    step = checkin_tokens.step_at(now)

    expired = checkin_tokens.link_payload(secret, event_id, step - checkin_tokens.GRACE_STEPS - 1)
    result = await world.service.check_in_by_link(member, expired)
    assert result.outcome is CheckInOutcome.TOKEN_EXPIRED
    assert result.event is not None and result.event.id == event_id

    good = checkin_tokens.link_payload(secret, event_id, step)
    forged = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert (await world.service.check_in_by_link(member, forged)).outcome is (
        CheckInOutcome.TOKEN_INVALID
    )
    retargeted = good.replace(f"ci_{event_id}_", f"ci_{other_event}_")
    assert (await world.service.check_in_by_link(member, retargeted)).outcome is (
        CheckInOutcome.TOKEN_INVALID
    )
    their_event = checkin_tokens.link_payload(secret, other_event, step)
    assert (await world.service.check_in_by_link(member, their_event)).outcome is (
        CheckInOutcome.NOT_EXPECTED
    )
    assert await world.count("SELECT count(*) FROM checkins") == 0

    previous = checkin_tokens.link_payload(secret, event_id, step - checkin_tokens.GRACE_STEPS)
    recorded = await world.service.check_in_by_link(member, previous)
    assert recorded.outcome is CheckInOutcome.RECORDED
    assert recorded.checkin is not None
    assert recorded.checkin.method is CheckInMethod.QR


async def test_typed_codes(world: World) -> None:
    event_id = await world.event()
    other_event = await world.event(group_ids=(world.group2,), title="第二组协商")
    secret = await world.service.token_secret()
    now = START + timedelta(minutes=5)
    world.clock.now = now
    step = checkin_tokens.step_at(now)
    member = world.people["委员一"]
    service = world.service

    theirs = checkin_tokens.code_for(secret, other_event, step)
    mine_now = checkin_tokens.code_for(secret, event_id, step)
    assert theirs != mine_now
    other = await service.check_in_by_code(member, theirs)
    assert other.outcome is CheckInOutcome.NOT_EXPECTED
    assert other.event is not None and other.event.id == other_event
    stale = checkin_tokens.code_for(secret, event_id, step - checkin_tokens.GRACE_STEPS - 3)
    assert (await service.check_in_by_code(member, stale)).outcome is (
        CheckInOutcome.TOKEN_EXPIRED
    )
    assert await world.count("SELECT count(*) FROM checkins") == 0

    result = await service.check_in_by_code(member, f" {mine_now} ")
    assert result.outcome is CheckInOutcome.RECORDED
    assert result.checkin is not None
    assert result.checkin.method is CheckInMethod.CODE
    assert result.event is not None and result.event.id == event_id


async def test_a_code_in_full_width_digits_checks_in(world: World) -> None:
    """/checkin １２３４５６ (a Chinese keyboard's digits) records as /checkin 123456 does."""
    event_id = await world.event()
    secret = await world.service.token_secret()
    world.clock.now = START + timedelta(minutes=5)
    typed = checkin_tokens.code_for(secret, event_id, checkin_tokens.step_at(world.clock.now))
    full_width = typed.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    result = await world.service.check_in_by_code(world.people["委员一"], full_width)
    assert result.outcome is CheckInOutcome.RECORDED
    assert result.event is not None and result.event.id == event_id


async def test_wrong_codes_are_throttled(world: World) -> None:
    event_id = await world.event()
    secret = await world.service.token_secret()
    world.clock.now = START
    member, service = world.people["委员一"], world.service
    valid = {
        checkin_tokens.code_for(secret, event_id, checkin_tokens.step_at(START) + d)
        for d in range(-30, 3)
    }
    wrong = [f"{n:06d}" for n in range(1000) if f"{n:06d}" not in valid][:6]
    for code in wrong[:5]:
        assert (await service.check_in_by_code(member, code)).outcome is (
            CheckInOutcome.TOKEN_INVALID
        )
    right = checkin_tokens.code_for(secret, event_id, checkin_tokens.step_at(START))
    blocked = await service.check_in_by_code(member, right)
    assert blocked.outcome is CheckInOutcome.TOO_MANY_ATTEMPTS
    assert blocked.retry_after == timedelta(minutes=10)
    # another member is not affected
    other = await service.check_in_by_code(world.people["委员二"], right)
    assert other.outcome is CheckInOutcome.RECORDED
    world.clock.now = START + timedelta(minutes=10)
    code = checkin_tokens.code_for(secret, event_id, checkin_tokens.step_at(world.clock.now))
    assert (await service.check_in_by_code(member, code)).outcome is CheckInOutcome.RECORDED


async def test_staff_marks_present_with_audit(world: World) -> None:
    event_id = await world.event()
    world.clock.now = START + timedelta(minutes=20)
    service, nophone = world.service, world.people["无手机"]
    with pytest.raises(NotAllowed):
        await service.mark_present_by_staff(world.actor("组长乙"), event_id, nophone.id)
    with pytest.raises(NotAllowed):
        await service.mark_present_by_staff(world.actor("委员一"), event_id, nophone.id)
    result = await service.mark_present_by_staff(world.actor("工作人员"), event_id, nophone.id)
    assert result.outcome is CheckInOutcome.LATE
    assert result.checkin is not None
    assert result.checkin.method is CheckInMethod.STAFF
    assert result.checkin.marked_by == world.people["工作人员"].id
    audit = await world.db.fetch_one(
        "SELECT * FROM audit_log WHERE action = 'member_marked_present'"
    )
    assert audit is not None
    assert audit["actor_tg_id"] == 9001
    assert audit["actor_member_id"] == world.people["工作人员"].id
    assert json.loads(audit["detail"])["member_id"] == nophone.id

    by_leader = await service.mark_present_by_staff(
        world.actor("组长甲"), event_id, world.people["委员一"].id
    )
    assert by_leader.outcome is CheckInOutcome.LATE
    twice = await service.mark_present_by_staff(world.actor("组长甲"), event_id, nophone.id)
    assert twice.outcome is CheckInOutcome.ALREADY
    outsider = await service.mark_present_by_staff(
        world.actor("工作人员"), event_id, world.people["委员四"].id
    )
    assert outsider.outcome is CheckInOutcome.NOT_EXPECTED
    nobody = await service.mark_present_by_staff(world.actor("工作人员"), event_id, 99_999)
    assert nobody.outcome is CheckInOutcome.NOT_EXPECTED
    assert await world.checkin_rows(event_id) == 2


async def test_rotating_token_for_the_screen(world: World) -> None:
    event_id = await world.event()
    world.clock.now = START
    with pytest.raises(NotAllowed):
        await world.service.rotating_token(world.actor("组长乙"), event_id)
    with pytest.raises(NotAllowed):
        await world.service.rotating_token(world.actor("委员一"), event_id)
    token = await world.service.rotating_token(world.actor("组长甲"), event_id)
    assert token is not None
    assert token.payload.startswith(f"ci_{event_id}_")
    assert len(token.code) == 6
    assert token.valid_until - token.shown_until == timedelta(seconds=60)
    result = await world.service.check_in_by_link(world.people["委员二"], token.payload)
    assert result.outcome is CheckInOutcome.RECORDED
    assert await world.service.rotating_token(None, event_id, at=END) is None
    assert await world.service.rotating_token(None, 999) is None


# -- leave ------------------------------------------------------------------------------------
async def test_leave_asked_approved_and_counted_as_excused(world: World) -> None:
    event_id = await world.event()
    service, member = world.service, world.people["委员一"]
    asked = await service.ask_leave(member, event_id, "  出差  ")
    assert asked.outcome is LeaveOutcome.REQUESTED
    assert asked.request is not None
    assert asked.request.reason == "出差"
    assert asked.request.status is LeaveStatus.PENDING
    assert [p.name for p in asked.deciders] == ["组长甲"]
    again = await service.ask_leave(member, event_id, "出差")
    assert again.outcome is LeaveOutcome.ALREADY_PENDING

    with pytest.raises(NotAllowed):
        await service.decide_leave(world.actor("组长乙"), asked.request.id, approve=True)
    with pytest.raises(NotAllowed):
        await service.decide_leave(world.actor("委员二"), asked.request.id, approve=True)
    decision = await service.decide_leave(world.actor("组长甲"), asked.request.id, approve=True)
    assert decision.outcome is DecisionOutcome.APPROVED
    assert decision.member is not None and decision.member.name == "委员一"
    assert decision.request is not None
    assert decision.request.decided_by == world.people["组长甲"].id
    twice = await service.decide_leave(world.actor("工作人员"), asked.request.id, approve=False)
    assert twice.outcome is DecisionOutcome.ALREADY_DECIDED
    assert twice.request is not None and twice.request.status is LeaveStatus.APPROVED
    assert (await service.ask_leave(member, event_id, "再请")).outcome is (
        LeaveOutcome.ALREADY_APPROVED
    )
    actions = [
        r["action"]
        for r in await world.db.fetch_all(
            "SELECT action FROM audit_log WHERE action LIKE 'leave_%' ORDER BY id"
        )
    ]
    assert actions == ["leave_request", "leave_approve"]

    world.clock.now = END
    view = await service.attendance_view(None, event_id)
    assert view is not None
    assert [r.member.name for r in view.on_leave] == ["委员一"]
    assert "委员一" not in {r.member.name for r in view.missing}


async def test_declined_leave_may_be_asked_again(world: World) -> None:
    event_id = await world.event()
    service, member = world.service, world.people["委员二"]
    first = await service.ask_leave(member, event_id, "家里有事")
    assert first.request is not None
    declined = await service.decide_leave(world.actor("工作人员"), first.request.id, approve=False)
    assert declined.outcome is DecisionOutcome.DECLINED
    world.clock.now = END
    view = await service.attendance_view(None, event_id)
    assert view is not None
    assert "委员二" in {r.member.name for r in view.missing}
    world.clock.now = START
    second = await service.ask_leave(member, event_id, "补充说明")
    assert second.outcome is LeaveOutcome.REQUESTED
    assert second.request is not None
    assert second.request.id == first.request.id
    assert second.request.status is LeaveStatus.PENDING
    assert second.request.decided_by is None


async def test_leave_refusals(world: World) -> None:
    event_id = await world.event()
    service = world.service
    assert (await service.ask_leave(world.people["委员一"], event_id, " ")).outcome is (
        LeaveOutcome.NO_REASON
    )
    assert (await service.ask_leave(world.people["委员一"], event_id, "长" * 501)).outcome is (
        LeaveOutcome.REASON_TOO_LONG
    )
    assert (await service.ask_leave(world.people["委员四"], event_id, "x")).outcome is (
        LeaveOutcome.NOT_EXPECTED
    )
    assert (await service.ask_leave(world.people["委员一"], 999, "x")).outcome is (
        LeaveOutcome.NO_SUCH_EVENT
    )
    world.clock.now = START
    await service.check_in(world.people["委员一"], event_id, CheckInMethod.BUTTON)
    assert (await service.ask_leave(world.people["委员一"], event_id, "x")).outcome is (
        LeaveOutcome.CHECKED_IN
    )
    pending = await service.ask_leave(world.people["委员二"], event_id, "堵车")
    assert pending.request is not None
    await service.check_in(world.people["委员二"], event_id, CheckInMethod.BUTTON)
    came = await service.decide_leave(None, pending.request.id, approve=True)
    assert came.outcome is DecisionOutcome.CHECKED_IN
    cancelled = await world.event(title="取消的")
    await service.cancel_event(None, cancelled)
    assert (await service.ask_leave(world.people["委员三"], cancelled, "x")).outcome is (
        LeaveOutcome.CANCELLED
    )
    world.clock.now = END
    assert (await service.ask_leave(world.people["委员三"], event_id, "x")).outcome is (
        LeaveOutcome.EVENT_OVER
    )
    assert await world.count("SELECT count(*) FROM leave_requests WHERE status = 'approved'") == 0


async def test_a_leader_asks_staff_and_may_not_decide_own_leave(world: World) -> None:
    event_id = await world.event()
    asked = await world.service.ask_leave(world.people["组长甲"], event_id, "开会冲突")
    assert [p.name for p in asked.deciders] == ["工作人员"]
    assert asked.request is not None
    with pytest.raises(NotAllowed):
        await world.service.decide_leave(world.actor("组长甲"), asked.request.id, approve=True)
    decided = await world.service.decide_leave(
        world.actor("工作人员"), asked.request.id, approve=True
    )
    assert decided.outcome is DecisionOutcome.APPROVED


# -- views ------------------------------------------------------------------------------------
async def test_attendance_view_lists_everyone_by_status(world: World) -> None:
    event_id = await world.event(group_ids=(world.group1, world.group2))
    service, people = world.service, world.people
    leave = await service.ask_leave(people["委员三"], event_id, "病假")
    assert leave.request is not None
    await service.decide_leave(None, leave.request.id, approve=True)
    await service.ask_leave(people["组长乙"], event_id, "出差")
    await service.check_in(people["委员一"], event_id, CheckInMethod.BUTTON, at=START)
    await service.check_in(
        people["委员二"], event_id, CheckInMethod.BUTTON, at=START + timedelta(minutes=40)
    )
    world.clock.now = START + timedelta(minutes=45)

    view = await service.attendance_view(world.actor("工作人员"), event_id)
    assert view is not None
    names = {
        "present": [r.member.name for r in view.present],
        "late": [r.member.name for r in view.late],
        "leave": [r.member.name for r in view.on_leave],
        "pending": [r.member.name for r in view.pending_leave],
        "missing": sorted(r.member.name for r in view.missing),
    }
    assert names == {
        "present": ["委员一"],
        "late": ["委员二"],
        "leave": ["委员三"],
        "pending": ["组长乙"],
        "missing": sorted(["组长甲", "无手机", "委员四"]),
    }
    assert {r.status for r in view.missing} == {AttendanceStatus.NOT_YET}
    assert (view.count.checked_in, view.count.expected) == (2, 7)
    live = await service.counts(event_id)
    assert (live.checked_in, live.expected) == (2, 7)
    group2 = await service.counts(event_id, world.group2)
    assert (group2.checked_in, group2.expected) == (0, 2)

    # a leader sees the own group's members only; another group's leader nothing
    own = await service.attendance_view(world.actor("组长乙"), event_id)
    assert own is not None
    assert sorted(r.member.name for r in own.records) == ["委员四", "组长乙"]
    with pytest.raises(NotAllowed):
        await service.attendance_view(world.actor("委员一"), event_id)

    world.clock.now = END
    after = await service.attendance_view(None, event_id)
    assert after is not None
    assert after.ended
    assert {r.status for r in after.missing} == {AttendanceStatus.ABSENT}


async def test_members_see_their_upcoming_events_with_status(world: World) -> None:
    first = await world.event()
    second = await world.event(
        title="建言日", type=EventType.ADVICE, starts_at=START + timedelta(days=7),
        ends_at=END + timedelta(days=7),
    )
    await world.event(title="第二组", group_ids=(world.group2,))
    member = world.people["委员一"]
    await world.service.ask_leave(member, second, "出差")
    world.clock.now = START
    await world.service.check_in(member, first, CheckInMethod.BUTTON)
    mine = await world.service.events_for_member(member)
    assert [(e.event.id, e.status) for e in mine] == [
        (first, AttendanceStatus.PRESENT),
        (second, AttendanceStatus.PENDING),
    ]
    world.clock.now = END
    assert [e.event.id for e in await world.service.events_for_member(member)] == [second]
    assert await world.service.events_for_member(world.people["工作人员"]) == []


async def test_moving_to_another_group_keeps_the_record(world: World) -> None:
    event_id = await world.event()
    member = world.people["委员一"]
    await world.service.check_in(member, event_id, CheckInMethod.BUTTON, at=START)
    async with world.db.transaction() as conn:
        await conn.execute(
            "UPDATE members SET group_id = ? WHERE id = ?", (world.group2, member.id)
        )
    view = await world.service.attendance_view(None, event_id)
    assert view is not None
    assert [r.member.name for r in view.present] == ["委员一"]


# -- bursts -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("max_batch", "batches"), [(500, 1), (64, 8)])
async def test_burst_of_500_concurrent_check_ins_with_duplicates(
    tmp_path: Path, max_batch: int, batches: int
) -> None:
    async with Database(tmp_path / "burst.db", SYSTEM) as db:
        now = to_db_time(datetime(2025, 1, 1, tzinfo=UTC))
        async with db.transaction() as conn:
            group = await MemberRepository.ensure_group(conn, "大组", now=SYSTEM())
            await conn.executemany(
                "INSERT INTO members(name, phone, group_id, role, telegram_user_id, created_at, "
                "updated_at) VALUES (?, ?, ?, 'member', ?, ?, ?)",
                [
                    (f"委员{i}", f"139{i:08d}", group, 5000 + i, now, now)
                    for i in range(300)
                ],
            )
        members = await MemberRepository(db).list_members()
        clock = Clock(START)
        service = AttendanceService(
            db, MemberRepository(db), ZONE, clock=clock, max_batch=max_batch
        )
        change = await service.create_event(None, EventDraft(
            type=EventType.MEETING, title="全体会议", starts_at=START, ends_at=END,
            group_ids=(group,),
        ))
        assert change.event is not None
        event_id = change.event.id
        # 300 members press once, 200 of them press a second time, all at once
        calls = [
            service.check_in(m, event_id, CheckInMethod.BUTTON, at=START + timedelta(seconds=i))
            for i, m in enumerate(members + members[:200])
        ]
        results = await asyncio.gather(*calls)
        assert len(results) == 500
        outcomes = [r.outcome for r in results]
        assert outcomes.count(CheckInOutcome.RECORDED) == 300
        assert outcomes.count(CheckInOutcome.ALREADY) == 200
        stored = await stored_times(db, event_id)
        assert len(stored) == 300
        for result in results:
            assert result.checkin is not None
            assert result.checkin.at == stored[result.checkin.member_id]
        # the duplicates point at the first press, made earlier
        assert all(
            r.checkin is not None and r.checkin.at < START + timedelta(seconds=300)
            for r in results
        )
        audit = await db.fetch_one(
            "SELECT count(*) FROM audit_log WHERE action = 'member_checkin'"
        )
        assert audit is not None and audit[0] == 300
        # arriving together, they were written in as few transactions as the batch size allows
        # (with 64 a batch, duplicates of the first presses land in later batches)
        assert service.writer.batches == batches
        live = await service.counts(event_id)
        assert (live.checked_in, live.expected) == (300, 300)
        await service.close()


async def stored_times(db: Database, event_id: int) -> dict[int, datetime]:
    rows = await db.fetch_all("SELECT member_id, at FROM checkins WHERE event_id = ?", (event_id,))
    return {row["member_id"]: datetime.fromisoformat(row["at"]) for row in rows}


async def test_a_failing_check_in_fails_alone(world: World) -> None:
    event_id = await world.event()
    world.clock.now = START
    ghost = world.people["委员一"].model_copy(update={"id": 99_999})  # no such member row
    calls = [
        world.service.check_in(world.people[name], event_id, CheckInMethod.BUTTON)
        for name in ("委员一", "委员二", "委员三")
    ]
    results = await asyncio.gather(
        *calls[:2],
        world.service.check_in(ghost, event_id, CheckInMethod.BUTTON),
        calls[2],
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == [
        "CheckInResult", "CheckInResult", "IntegrityError", "CheckInResult",
    ]
    assert await world.checkin_rows(event_id) == 3
    assert world.service.writer.batches == 3  # the good ones, one by one after the failure


async def test_caller_giving_up_does_not_stop_the_batch(world: World) -> None:
    event_id = await world.event()
    world.clock.now = START
    task = asyncio.create_task(
        world.service.check_in(world.people["委员一"], event_id, CheckInMethod.BUTTON)
    )
    await asyncio.sleep(0)  # one turn of the loop: the check-in is queued, not yet written
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await world.service.close()
    assert await world.checkin_rows(event_id) == 1
