"""`liaison-bot events create | list | qr`, the [attendance] config section and the events the
announcer looks at."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest

from bot.attendance import tokens as checkin_tokens
from bot.attendance.cli import (
    EventArguments,
    UsageError,
    create_event_cli,
    draft_from,
    event_type_of,
    list_events_cli,
    qr_cli,
)
from bot.attendance.rules import rules_from_config
from bot.attendance.service import AttendanceService
from bot.core.cli import speaking
from bot.core.config import AttendanceConfig, Config, StorageConfig
from bot.core.texts import tr
from domain.models import ActivityGroup, EventPolicy, EventType, Venue
from storage.db import Database
from storage.members import MemberRepository
from tests.clock import SYSTEM, clock_at

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
GROUPS = [ActivityGroup(id=1, name="第一活动组"), ActivityGroup(id=2, name="第二活动组")]


def config_at(path: Path) -> Config:
    return Config(storage=StorageConfig(path=path))


def given(**changes: object) -> EventArguments:
    values: dict[str, object] = {
        "type": "会议", "title": "组长会议", "start": "2026-12-03 09:00", "end": "11:30",
        "place": "市政协", "groups": "第一活动组",
    }
    values.update(changes)
    return EventArguments(**values)


def test_event_types_by_value_or_chinese_name() -> None:
    assert event_type_of("meeting") is EventType.MEETING
    assert event_type_of("会议") is EventType.MEETING
    assert event_type_of("委员阅读日") is event_type_of("阅读日") is EventType.READING
    assert event_type_of(" Advice ") is EventType.ADVICE
    with pytest.raises(UsageError, match="没有“party”这种活动类型；可用：reading、advice"):
        event_type_of("party")
    with speaking("en"), pytest.raises(UsageError, match="unknown event type 'party'"):
        event_type_of("party")


def test_draft_times_are_read_in_the_committee_zone() -> None:
    config = config_at(Path("x.db"))
    draft = draft_from(given(), GROUPS, config, NOW)
    assert draft.starts_at == datetime(2026, 12, 3, 9, 0, tzinfo=ZONE)
    assert draft.ends_at == datetime(2026, 12, 3, 11, 30, tzinfo=ZONE)  # a time alone: same day
    assert draft.type is EventType.MEETING and draft.group_ids == (1,)
    assert draft.venue is None and draft.policy is EventPolicy.OPEN

    both = draft_from(given(groups="第一活动组，第二活动组", end="2026-12-04 10:00",
                            policy="venue", lat=31.2, lon=121.4), GROUPS, config, NOW)
    assert both.group_ids == (1, 2) and both.policy is EventPolicy.VENUE
    assert both.ends_at == datetime(2026, 12, 4, 10, 0, tzinfo=ZONE)
    assert both.venue == Venue(lat=31.2, lon=121.4, radius_m=200)
    assert draft_from(given(groups="all"), GROUPS, config, NOW).group_ids == (1, 2)


def test_an_end_typed_as_a_time_before_the_start_is_the_next_day() -> None:
    """Issue 18, item 9: `--start "… 23:17" --end 00:17` ends after midnight; an end with its
    day typed, or one that would make the event last over 12 hours, is not moved."""
    config = config_at(Path("x.db"))
    night = draft_from(given(start="2026-12-03 23:17", end="00:17"), GROUPS, config, NOW)
    assert night.ends_at == datetime(2026, 12, 4, 0, 17, tzinfo=ZONE)
    dated = draft_from(given(start="2026-12-03 23:17", end="2026-12-03 00:17"), GROUPS,
                       config, NOW)
    assert dated.ends_at == datetime(2026, 12, 3, 0, 17, tzinfo=ZONE)
    typo = draft_from(given(start="2026-12-03 09:00", end="08:00"), GROUPS, config, NOW)
    assert typo.ends_at == datetime(2026, 12, 3, 8, 0, tzinfo=ZONE)
    same = draft_from(given(start="2026-12-03 09:00", end="09:00"), GROUPS, config, NOW)
    assert same.ends_at == same.starts_at


async def test_an_event_through_midnight_at_the_command_line(tmp_path: Path) -> None:
    config = config_at(tmp_path / "t.db")
    config.clock = clock_at(datetime(2026, 12, 8, 22, 50, tzinfo=ZONE))
    await make_groups(config.storage.path)
    out = io.StringIO()
    assert await create_event_cli(
        config, given(start="2026-12-08 23:17", end="00:17"), out=out) == 0, out.getvalue()
    assert "已创建：活动编号1  2026-12-08 23:17至2026-12-09 00:17" in out.getvalue()
    refused = io.StringIO()
    assert await create_event_cli(
        config, given(start="2026-12-08 23:17", end="2026-12-08 00:17"), out=refused) == 2
    assert refused.getvalue() == (
        f"events: 活动无法保存：{tr('zh', 'event.problem_ends_before_start')}\n")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": "soon"}, "--start“soon”不是时间"),
        ({"end": "later"}, "--end“later”不是时间"),
        ({"start": "2026-12-03 3点"}, "可能是03:00，也可能是15:00"),
        ({"groups": "第九活动组"}, "第九活动组"),  # cli.unknown_group, shared
        ({"lat": 31.2}, "--lat 和 --lon 须同时给出"),
        ({"policy": "closed"}, "--policy 须为 open（开放签到）或 venue（现场签到），不能是"),
    ],
)
def test_bad_arguments_are_named(changes: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        draft_from(given(**changes), GROUPS, config_at(Path("x.db")), NOW)


async def make_groups(path: Path) -> None:
    async with Database(path, SYSTEM) as db, db.transaction() as conn:
        await MemberRepository.ensure_group(conn, "第一活动组", now=SYSTEM())
        await MemberRepository.ensure_group(conn, "第二活动组", now=SYSTEM())


async def test_create_list_and_qr_at_the_command_line(tmp_path: Path) -> None:
    config = config_at(tmp_path / "t.db")
    await make_groups(config.storage.path)
    out = io.StringIO()
    now = datetime.now(ZONE)
    start = (now + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    end = (now + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    assert await create_event_cli(config, given(start=start, end=end), out=out) == 0
    assert "已创建：活动编号1" in out.getvalue() and "“组长会议”" in out.getvalue()
    assert "以下活动组尚未绑定群聊（完成 /bindgroup 后即发布通知）：第一活动组" in out.getvalue()
    bad = io.StringIO()
    assert await create_event_cli(config, given(end="08:00"), out=bad) == 2
    # Item 10: the refusal is a sentence from the catalog, not the internal code.
    assert tr("zh", "event.problem_ends_before_start") in bad.getvalue()
    assert "ends_before_start" not in bad.getvalue()

    listed = io.StringIO()
    assert await list_events_cli(config, include_past=False, out=listed) == 0
    assert listed.getvalue().startswith("活动编号1  ")
    assert "活动组：第一活动组  " in listed.getvalue()

    target = tmp_path / "qr" / "code.png"
    shown = io.StringIO()
    assert await qr_cli(config, 1, target, bot_username="liaison_test_bot", watch=False,
                        out=shown) == 0
    assert target.read_bytes().startswith(b"\x89PNG")
    assert "https://t.me/liaison_test_bot?start=ci_1_" in shown.getvalue()
    missing = io.StringIO()
    assert await qr_cli(config, 9, target, bot_username="x", watch=False, out=missing) == 2
    assert "events: 活动编号9不存在" in missing.getvalue()


async def test_upcoming_events_leave_out_ended_and_cancelled(tmp_path: Path) -> None:
    config = config_at(tmp_path / "t.db")
    await make_groups(config.storage.path)
    async with Database(config.storage.path, config.clock) as db:
        now = [NOW]
        service = AttendanceService(db, MemberRepository(db), ZONE, clock=lambda: now[0])
        ids = []
        for starts, ends in ((-3, -1), (-1, 1), (24, 26), (48, 50)):
            now[0] = NOW + timedelta(hours=starts - 1)  # each made before it starts
            draft = draft_from(given(), GROUPS, config, NOW).model_copy(update={
                "starts_at": NOW + timedelta(hours=starts),
                "ends_at": NOW + timedelta(hours=ends),
            })
            change = await service.create_event(None, draft)
            assert change.event is not None
            ids.append(change.event.id)
        now[0] = NOW
        await service.cancel_event(None, ids[3])
        assert [e.id for e in await service.upcoming_events()] == ids[1:3]


def test_rules_from_config() -> None:
    rules = rules_from_config(AttendanceConfig(checkin_opens_minutes=30, late_after_minutes=5))
    assert rules.opens_before == timedelta(minutes=30)
    assert rules.late_after == timedelta(minutes=5)
    defaults = rules_from_config(AttendanceConfig())
    assert (defaults.opens_before, defaults.late_after) == (timedelta(hours=1),
                                                            timedelta(minutes=15))
    assert checkin_tokens.STEP_SECONDS == 30  # what /qr and the config texts promise


async def test_a_start_in_the_past_is_refused_unless_recorded_for_the_record(
    tmp_path: Path,
) -> None:
    config = config_at(tmp_path / "t.db")
    await make_groups(config.storage.path)
    refused = io.StringIO()
    old = given(start="2020-01-01 09:00", end="11:00")
    assert await create_event_cli(config, old, out=refused) == 2
    assert "开始时间已经过去" in refused.getvalue()  # the catalog's sentence
    assert "在命令行补录已结束的活动，请加 --past" in refused.getvalue()
    assert "发布通知" not in refused.getvalue()

    recorded = io.StringIO()
    past = given(start="2020-01-01 09:00", end="11:00", past=True)
    assert await create_event_cli(config, past, out=recorded) == 0
    assert "已补录：活动编号1" in recorded.getvalue()
    assert "活动已结束，不发布通知" in recorded.getvalue()
    assert "运行中的委员联络助手" not in recorded.getvalue()
    now = datetime.now(ZONE)
    running = given(start=(now - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M"),
                    end=(now + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"), past=True)
    not_over = io.StringIO()
    assert await create_event_cli(config, running, out=not_over) == 2
    assert "补录的活动须已经结束" in not_over.getvalue()
    async with Database(config.storage.path, config.clock) as db:
        service = AttendanceService(db, MemberRepository(db), ZONE)
        assert [e.title for e in await service.upcoming_events()] == []
        assert len(await service.list_events()) == 1


async def test_an_event_longer_than_a_day_needs_to_be_meant(tmp_path: Path) -> None:
    config = config_at(tmp_path / "t.db")
    await make_groups(config.storage.path)
    start = datetime.now(ZONE) + timedelta(days=1)
    long = given(start=start.strftime("%Y-%m-%d %H:%M"),
                 end=(start + timedelta(days=32)).strftime("%Y-%m-%d %H:%M"))
    asked = io.StringIO()
    assert await create_event_cli(config, long, out=asked) == 2
    assert "活动将持续32.0天" in asked.getvalue() and "--long" in asked.getvalue()
    meant = io.StringIO()
    assert await create_event_cli(config, EventArguments(**{**long.__dict__, "long": True}),
                                  out=meant) == 0
    assert "已创建：活动编号1" in meant.getvalue()


async def test_groups_in_roster_order_and_one_word_per_field(tmp_path: Path) -> None:
    """第一, 第二, 第三 as in the roster (by code point 第三 would come before 第二); the
    check-in rule and the venue point are not both printed as "venue"."""
    config = config_at(tmp_path / "t.db")
    async with Database(config.storage.path, config.clock) as db, db.transaction() as conn:
        for name in ("第一活动组", "第二活动组", "第三活动组"):
            await MemberRepository.ensure_group(conn, name, now=SYSTEM())
    start = datetime.now(ZONE) + timedelta(days=1)
    made = io.StringIO()
    assert await create_event_cli(config, given(
        start=start.strftime("%Y-%m-%d %H:%M"),
        end=(start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"), groups="all", policy="venue",
        lat=31.2304, lon=121.4737, radius=150,
    ), out=made) == 0
    listed = io.StringIO()
    assert await list_events_cli(config, include_past=False, out=listed) == 0
    line = listed.getvalue()
    assert "活动组：第一活动组、第二活动组、第三活动组" in line
    assert "签到方式：现场签到，会场位置31.23040,121.47370，半径150米" in line


async def test_projector_page_shows_title_time_and_code_in_large_type(tmp_path: Path) -> None:
    """`events qr --out FILE.svg`: a page for the projector with the QR code, the event's
    title and time and the 6-digit code in large type, so the projector alone runs a
    venue-verified event."""
    config = config_at(tmp_path / "t.db")
    # at 09:00: an event that ends the same day (the year and a second day are other tests')
    now = datetime(2026, 12, 3, 9, 0, tzinfo=ZONE)
    config.clock = clock_at(now)
    await make_groups(config.storage.path)
    start, end = now + timedelta(minutes=5), now + timedelta(hours=2)
    made = given(title="委员建言日 <协商> & 座谈", start=start.strftime("%Y-%m-%d %H:%M"),
                 end=end.strftime("%Y-%m-%d %H:%M"), policy="venue")
    assert await create_event_cli(config, made, out=io.StringIO()) == 0
    target = tmp_path / "projector.svg"
    shown = io.StringIO()
    assert await qr_cli(config, 1, target, bot_username="liaison_test_bot", watch=False,
                        out=shown) == 0
    code = re.search(r"签到码(\d{6})，有效至\d\d:\d\d:\d\d，链接：https://", shown.getvalue())
    assert code, shown.getvalue()
    page = ElementTree.fromstring(target.read_text(encoding="utf-8"))  # noqa: S314 (our own file)
    texts = {
        "".join(node.itertext()): float(node.get("font-size", "0"))
        for node in page.iter("{http://www.w3.org/2000/svg}text")
    }
    assert texts["委员建言日 <协商> & 座谈"] >= 48
    weekday = "一二三四五六日"[start.weekday()]
    when = (f"{start.month}月{start.day}日（周{weekday}）{start:%H:%M}至{end:%H:%M}")
    assert texts[when] >= 36
    assert texts[code.group(1)] >= 120  # the code, readable from the back of the room
    assert any("签到码" in t for t in texts)
    assert [n for n in page.iter("{http://www.w3.org/2000/svg}path")
            if n.get("class") == "qrline"]  # the QR code itself


async def test_the_command_line_speaks_chinese_and_english_on_request(tmp_path: Path) -> None:
    """Chinese unless the command line is asked for English (`--lang en`); times in the
    committee's zone either way."""
    config = config_at(tmp_path / "t.db")
    config.clock = clock_at(datetime(2026, 12, 1, 9, 0, tzinfo=ZONE))
    await make_groups(config.storage.path)
    venue = given(groups="all", policy="venue", lat=31.2304, lon=121.4737, radius=150)
    chinese = io.StringIO()
    assert await create_event_cli(config, venue, out=chinese) == 0
    assert chinese.getvalue().splitlines() == [
        "已创建：活动编号1  2026-12-03 09:00至11:30  会议  “组长会议”  地点：市政协  "
        "活动组：第一活动组、第二活动组  "
        "签到方式：现场签到，会场位置31.23040,121.47370，半径150米",
        "以下活动组尚未绑定群聊（完成 /bindgroup 后即发布通知）：第一活动组、第二活动组",
    ]
    with speaking("en"):
        english = io.StringIO()
        assert await create_event_cli(config, venue, out=english) == 0
        listed = io.StringIO()
        assert await list_events_cli(config, include_past=False, out=listed) == 0
        none = io.StringIO()
        assert await list_events_cli(
            config_at(tmp_path / "empty.db"), include_past=False, out=none) == 0
        with pytest.raises(UsageError, match="--lat and --lon go together"):
            draft_from(given(lat=31.2), GROUPS, config, NOW)
    assert english.getvalue().splitlines() == [
        "created event 2  2026-12-03 09:00–11:30  Meeting  组长会议  @市政协  "
        "[第一活动组,第二活动组]  check-in venue point 31.23040,121.47370 r=150m",
        "no chat bound yet (announced once /bindgroup is done): 第一活动组, 第二活动组",
    ]
    assert listed.getvalue().splitlines()[0].startswith("event 1  2026-12-03 09:00–11:30  ")
    assert none.getvalue() == "no events to come (--all lists past ones)\n"
    default = io.StringIO()
    assert await list_events_cli(config_at(tmp_path / "empty.db"), include_past=True,
                                 out=default) == 0
    assert default.getvalue() == "尚无活动\n"
