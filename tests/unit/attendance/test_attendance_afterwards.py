"""Attendance after an event's end (issue 18, item 8): `liaison-bot events attendance EVENT
FILE` for an event recorded with `events create --past`, every bad row reported with its
number and nothing written, the good file's marks stored where the sheets and the duty record
read them, audited and labelled as made afterwards; and who may mark, in the service."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.attendance.cli import EventArguments, attendance_marks_cli, create_event_cli
from bot.attendance.export import AttendanceExporter, AttendanceFilter
from bot.attendance.outcomes import AfterwardsMark, MarkOutcome, MarkStatus
from bot.attendance.service import AttendanceService
from bot.core.auth import Actor, NotAllowed
from bot.core.cli import say, speaking
from bot.core.config import Config, StorageConfig
from bot.duty_record.service import DutyRecordService
from domain.duty_models import Scope
from domain.models import AttendanceStatus
from storage.db import Database, to_db_time
from storage.members import MemberRepository
from tests.clock import FrozenClock

ZONE = ZoneInfo("Asia/Shanghai")
# The office opens on 9 March 2027 and records the meeting of 2 March, before it had the bot.
NOW = datetime(2027, 3, 9, 10, 0, tzinfo=ZONE)
PAST = EventArguments(type="会议", title="三月组会", start="2027-03-02 09:00", end="11:00",
                      groups="第一活动组", past=True)

# name, phone, group, role, telegram id
PEOPLE = [
    ("李组长", "13800000001", "第一活动组", "leader", 1001),
    ("张三", "13800000011", "第一活动组", "member", 1011),
    ("李四", "13800000012", "第一活动组", "member", 1012),
    ("王五", "13800000013", "第一活动组", "member", None),
    ("王芳", "13800000015", "第一活动组", "member", None),
    ("王芳", "13800000016", "第一活动组", "member", None),
    ("张伟", "13800000017", "第一活动组", "member", None),
    ("张伟", "13800000021", "第二活动组", "member", None),  # same name, the other group
    ("钱七", "13800000022", "第二活动组", "member", None),
    ("赵组长", "13800000002", "第二活动组", "leader", 1002),
    ("孙工", "13800000099", None, "staff", 1099),
]


@pytest.fixture
async def config(tmp_path: Path) -> Config:
    """The roster, and the meeting of 2 March recorded for the record (event 1)."""
    config = Config(storage=StorageConfig(path=tmp_path / "t.db"))
    config.clock = FrozenClock(NOW)
    async with Database(config.storage.path, config.clock) as db, db.transaction() as conn:
        stamp = to_db_time(NOW)
        for name, phone, group, role, tg_id in PEOPLE:
            group_id = (await MemberRepository.ensure_group(conn, group, now=NOW)
                        if group else None)
            await conn.execute(
                "INSERT INTO members(name, phone, sector, group_id, role, telegram_user_id, "
                "created_at, updated_at) VALUES (?, ?, '', ?, ?, ?, ?, ?)",
                (name, phone, group_id, role, tg_id, stamp, stamp),
            )
    out = io.StringIO()
    assert await create_event_cli(config, PAST, out=out) == 0, out.getvalue()
    assert "已补录：活动编号1" in out.getvalue()
    return config


def marks_file(path: Path, *rows: str) -> Path:
    path.write_text("\n".join(["姓名,手机号,状态,事由", *rows]) + "\n", encoding="utf-8")
    return path


async def stored(config: Config) -> dict[str, list[dict[str, object]]]:
    async with Database(config.storage.path, config.clock) as db:
        checkins = await db.fetch_all(
            "SELECT m.phone, c.at, c.method, c.late, c.marked_by FROM checkins c "
            "JOIN members m ON m.id = c.member_id ORDER BY m.phone")
        leaves = await db.fetch_all(
            "SELECT m.phone, l.reason, l.status, l.decided_by, l.created_at FROM leave_requests l "
            "JOIN members m ON m.id = l.member_id ORDER BY m.phone")
        audit = await db.fetch_all(
            "SELECT actor_tg_id, subject, detail FROM audit_log "
            "WHERE action = 'attendance_mark_afterwards' ORDER BY id")
    return {"checkins": [dict(r) for r in checkins], "leaves": [dict(r) for r in leaves],
            "audit": [dict(r) for r in audit]}


def bad_rows_file(tmp_path: Path) -> Path:
    return marks_file(
        tmp_path / "march.csv",
        "张三,,出席,",  # 2: good
        ",13800000012,迟到,",  # 3: good
        "赵六,,已签到,",  # 4: nobody of that name
        "王芳,,出席,",  # 5: two 王芳 are expected
        "钱七,,出席,",  # 6: 第二活动组 was not expected
        "李组长,,absent,",  # 7: not a status
        ",13800000011,present,",  # 8: 张三 again
        "张伟,,已签到,",  # 9: good: the one 张伟 expected
        "王五,13800000012,请假,",  # 10: that phone is 李四's
        ",,请假,",  # 11: nobody named
        "王五,,,",  # 12: no status
    )


async def test_a_file_with_bad_rows_names_each_and_writes_nothing(
    config: Config, tmp_path: Path
) -> None:
    out = io.StringIO()
    assert await attendance_marks_cli(config, 1, bad_rows_file(tmp_path), dry_run=False,
                                      out=out) == 1
    statuses = "请填已签到、迟到或请假（也可写 present、late、leave）"
    assert out.getvalue().splitlines() == [
        "第4行：名册中没有名为“赵六”的委员",
        "第5行：名册中有2位委员名为“王芳”（13800000015、13800000016），请填写手机号",
        "第6行：钱七不在活动编号1的应到名单中",
        f"第7行：状态“absent”无效：{statuses}",
        "第8行：张三已在第2行填写过",
        "第10行：手机号13800000012是李四的，不是王五的",
        "第11行：姓名和手机号均未填写",
        f"第12行：未填写状态：{statuses}",
        say("cli.bad_rows", count=8),  # shared with every import
    ]
    assert await stored(config) == {"checkins": [], "leaves": [], "audit": []}


async def test_with_lang_en_the_rows_problems_are_english(
    config: Config, tmp_path: Path
) -> None:
    out = io.StringIO()
    with speaking("en"):
        assert await attendance_marks_cli(config, 1, bad_rows_file(tmp_path), dry_run=False,
                                          out=out) == 1
    assert out.getvalue().splitlines() == [
        "row 4: no member called '赵六'",
        "row 5: ambiguous name '王芳': 2 members (13800000015, 13800000016); give the phone",
        "row 6: 钱七 is not expected at event 1",
        "row 7: unknown status 'absent': use present, late or leave (or 已签到/出席, 迟到, 请假)",
        "row 8: 张三 is given in row 2 already",
        "row 10: phone 13800000012 is 李四's, not 王五's",
        "row 11: no name or phone",
        "row 12: missing status: present, late or leave (or 已签到/出席, 迟到, 请假)",
        "8 bad row(s); nothing written",
    ]
    assert await stored(config) == {"checkins": [], "leaves": [], "audit": []}


async def test_a_good_file_marks_afterwards_and_the_duty_record_counts_it(
    config: Config, tmp_path: Path
) -> None:
    path = marks_file(
        tmp_path / "march.csv",
        "张三,,出席,",
        ",13800000012,迟到,",
        "王五,,请假,外地出差",
        "王芳,13800000016,Present,",
        "张伟,,已签到,",
    )
    dry = io.StringIO()
    assert await attendance_marks_cli(config, 1, path, dry_run=True, out=dry) == 0
    assert dry.getvalue().splitlines()[0] == "  + 第2行：张三（13800000011）将补记为已签到"
    assert dry.getvalue().splitlines()[-1] == "将补记5人，未变0人（试运行：未写入任何内容）"
    english = io.StringIO()
    with speaking("en"):
        assert await attendance_marks_cli(config, 1, path, dry_run=True, out=english) == 0
    assert english.getvalue().splitlines()[-1] == (
        "5 would be marked afterwards, 0 unchanged (dry run: nothing written)")
    assert english.getvalue().splitlines()[2] == (
        "  + row 4: 王五 (13800000013) would be marked leave afterwards")
    assert await stored(config) == {"checkins": [], "leaves": [], "audit": []}

    out = io.StringIO()
    assert await attendance_marks_cli(config, 1, path, dry_run=False, out=out) == 0
    assert out.getvalue().splitlines() == [
        "  + 第2行：张三（13800000011）补记为已签到",
        "  + 第3行：李四（13800000012）补记为迟到",
        "  + 第4行：王五（13800000013）补记为请假",
        "  + 第5行：王芳（13800000016）补记为已签到",
        "  + 第6行：张伟（13800000017）补记为已签到",
        "补记5人，未变0人",
    ]
    now = to_db_time(NOW)
    found = await stored(config)
    assert found["checkins"] == [
        {"phone": phone, "at": now, "method": "staff", "late": late, "marked_by": None}
        for phone, late in (("13800000011", 0), ("13800000012", 1), ("13800000016", 0),
                            ("13800000017", 0))
    ]
    assert found["leaves"] == [{"phone": "13800000013", "reason": "外地出差",
                                "status": "approved", "decided_by": None, "created_at": now}]
    assert [(a["actor_tg_id"], a["subject"]) for a in found["audit"]] == [(None, "event:1")] * 5
    assert [json.loads(str(a["detail"]))["status"] for a in found["audit"]] == [
        "present", "late", "leave", "present", "present"]
    assert {json.loads(str(a["detail"]))["source"] for a in found["audit"]} == {"march.csv"}

    async with Database(config.storage.path, config.clock) as db:
        members = MemberRepository(db)
        duty = DutyRecordService(db, members, ZONE, clock=config.clock)
        counts = {r.counts.phone: r.counts for r in await duty.records(2027, Scope())}
        # the sheet: each mark labelled as made afterwards, without a check-in time
        service = AttendanceService(db, members, ZONE, clock=config.clock)
        sheet = await AttendanceExporter(db, service).build(AttendanceFilter(event_id=1))
    figures = {phone: (c.expected, c.attended, c.late, c.on_leave, c.absent)
               for phone, c in counts.items() if c.group_name == "第一活动组"}
    assert figures == {
        "13800000001": (1, 0, 0, 0, 1),  # 李组长: not in the file, absent
        "13800000011": (1, 1, 0, 0, 0),
        "13800000012": (1, 1, 1, 0, 0),
        "13800000013": (1, 0, 0, 1, 0),  # on leave: no longer absent
        "13800000015": (1, 0, 0, 0, 1),
        "13800000016": (1, 1, 0, 0, 0),
        "13800000017": (1, 1, 0, 0, 0),
    }
    rows = {row.name + row.status: (row.time, row.method, row.note) for row in sheet.rows}
    assert rows["张三已签到"] == (None, "事后补记", "")
    assert rows["李四迟到"] == (None, "事后补记", "")
    assert rows["王五请假"] == (None, "事后补记", "外地出差")
    assert rows["李组长未签到"] == (None, "", "")

    again = io.StringIO()  # the same file again changes nothing
    assert await attendance_marks_cli(config, 1, path, dry_run=False, out=again) == 0
    assert again.getvalue().splitlines()[0] == (
        "  = 第2行：张三（13800000011）已有记录（已签到），未变")
    assert again.getvalue().splitlines()[-1] == "补记0人，未变5人"
    conflict = io.StringIO()  # a check-in on record is not changed by a file
    corrected = marks_file(tmp_path / "fix.csv", "李组长,,出席,", "张三,,迟到,")
    assert await attendance_marks_cli(config, 1, corrected, dry_run=False, out=conflict) == 1
    assert conflict.getvalue().splitlines() == [
        "第3行：张三已有签到记录（已签到），签到记录不作更改；请从文件中删去这一行",
        say("cli.bad_rows", count=1),
    ]
    with speaking("en"):
        conflict = io.StringIO()
        assert await attendance_marks_cli(config, 1, corrected, dry_run=False,
                                          out=conflict) == 1
    assert conflict.getvalue().splitlines() == [
        "row 3: 张三: checked in as present already (a check-in is not changed)",
        "1 bad row(s); nothing written",
    ]
    assert len((await stored(config))["checkins"]) == 4  # 李组长 not marked either


async def test_only_an_event_that_is_over_takes_marks(config: Config, tmp_path: Path) -> None:
    path = marks_file(tmp_path / "m.csv", "张三,,出席,")
    missing = io.StringIO()
    assert await attendance_marks_cli(config, 7, path, dry_run=False, out=missing) == 2
    assert missing.getvalue() == "events: 活动编号7不存在，请用 events list --all 查看活动编号\n"
    upcoming = EventArguments(type="会议", title="下次组会", start="2027-03-16 09:00",
                              end="11:00", groups="第一活动组")
    assert await create_event_cli(config, upcoming, out=io.StringIO()) == 0
    early = io.StringIO()
    assert await attendance_marks_cli(config, 2, path, dry_run=False, out=early) == 2
    assert "活动编号2尚未结束（结束时间：2027-03-16 11:00）" in early.getvalue()
    unreadable = io.StringIO()
    assert await attendance_marks_cli(config, 1, tmp_path / "m.xlsx", dry_run=False,
                                      out=unreadable) == 1
    assert say("cli_table.no_file", path=tmp_path / "m.xlsx") in unreadable.getvalue()
    headless = tmp_path / "h.csv"
    headless.write_text("张三,出席\n", encoding="utf-8")
    bad_header = io.StringIO()
    assert await attendance_marks_cli(config, 1, headless, dry_run=False, out=bad_header) == 1
    assert "表头行须有“状态”列，以及“姓名”或“手机号”列" in bad_header.getvalue()
    with speaking("en"):
        english = io.StringIO()
        assert await attendance_marks_cli(config, 2, path, dry_run=False, out=english) == 2
    assert "event 2 has not ended (it ends 2027-03-16 11:00)" in english.getvalue()
    assert await stored(config) == {"checkins": [], "leaves": [], "audit": []}


async def test_who_may_mark_after_the_end(config: Config) -> None:
    """Leaders their group's members, staff anyone; members nobody; nobody their own leave;
    a mark before the end is refused (the usual check-in applies until then)."""
    async with Database(config.storage.path, config.clock) as db:
        members = MemberRepository(db)
        service = AttendanceService(db, members, ZONE, clock=config.clock)
        people = {m.phone: m for m in await members.list_members()}

        def actor(phone: str) -> Actor:
            person = people[phone]
            assert person.telegram_user_id is not None
            return Actor.resolve(person.telegram_user_id, person, set())

        zhang = people["13800000011"].id

        def mark(member_id: int, status: MarkStatus = MarkStatus.PRESENT) -> list[AfterwardsMark]:
            return [AfterwardsMark(member_id, status)]

        with pytest.raises(NotAllowed):  # a member
            await service.mark_afterwards(actor("13800000012"), 1, mark(zhang), source="chat")
        with pytest.raises(NotAllowed):  # the leader of the other group
            await service.mark_afterwards(actor("13800000002"), 1, mark(zhang), source="chat")
        leader = actor("13800000001")
        own = await service.mark_afterwards(
            leader, 1, mark(leader.member_id or 0, MarkStatus.LEAVE), source="chat")
        assert [r.outcome for r in own.results] == [MarkOutcome.OWN_LEAVE]
        assert not own.written
        done = await service.mark_afterwards(leader, 1, mark(zhang, MarkStatus.LATE),
                                             source="chat")
        assert done.written and [r.standing for r in done.results] == [AttendanceStatus.LATE]
        assert done.event is not None
        [record] = [r for r in await service.records(done.event) if r.member.id == zhang]
        assert record.status is AttendanceStatus.LATE and record.marked_afterwards
        assert record.checkin is not None and record.checkin.marked_by == leader.member_id
        staff = await service.mark_afterwards(actor("13800000099"), 1,
                                              mark(people["13800000022"].id), source="chat")
        assert [r.outcome for r in staff.results] == [MarkOutcome.NOT_EXPECTED]

        upcoming = EventArguments(type="会议", title="下次组会", start="2027-03-16 09:00",
                                  end="11:00", groups="第一活动组")
        assert await create_event_cli(config, upcoming, out=io.StringIO()) == 0
        early = await service.mark_afterwards(leader, 2, mark(zhang, MarkStatus.LATE),
                                              source="chat")
        assert [r.outcome for r in early.results] == [MarkOutcome.NOT_OVER]
        assert not early.written


def test_every_outcome_of_a_mark_has_its_sentence_in_both_catalogs() -> None:
    """The handler answers each outcome with attendance.afterwards_<outcome> (the two it
    shares with other answers aside), and labels the three choices likewise."""
    from bot.core.texts import catalog

    keys = [f"attendance.afterwards_{o.value}" for o in MarkOutcome
            if o not in (MarkOutcome.NOT_EXPECTED, MarkOutcome.NO_SUCH_EVENT)]
    keys += [f"attendance.afterwards_{s.value}_button" for s in MarkStatus]
    for language in ("zh", "en"):
        assert [key for key in keys if key not in catalog(language)] == [], language
    assert catalog("zh")["attendance.afterwards_label"] == "事后补记"
    assert catalog("en")["attendance.afterwards_label"] == "marked afterwards"


async def test_the_marks_may_come_as_a_spreadsheet(config: Config, tmp_path: Path) -> None:
    """A .xlsx as the office keeps it: the phone typed into a number cell, full-width words."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "手机号", "状态", "事由"])
    sheet.append(["张三", None, "出席", None])
    sheet.append([None, 13800000012, "迟到", None])
    sheet.append(["王五", None, "请假", "外地出差"])
    path = tmp_path / "march.xlsx"
    book.save(path)
    out = io.StringIO()
    assert await attendance_marks_cli(config, 1, path, dry_run=False, out=out) == 0
    assert out.getvalue().splitlines() == [
        "  + 第2行：张三（13800000011）补记为已签到",
        "  + 第3行：李四（13800000012）补记为迟到",
        "  + 第4行：王五（13800000013）补记为请假",
        "补记3人，未变0人",
    ]
    assert len((await stored(config))["leaves"]) == 1
