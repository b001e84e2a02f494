"""Attendance sheets: the xlsx read back with openpyxl matches the database; csv; audit."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.attendance.export import AttendanceExporter, AttendanceFilter, export_attendance_cli
from bot.core.auth import NotAllowed
from bot.core.cli import speaking
from bot.core.config import Config, StorageConfig
from bot.exports.spreadsheet import ExportFormat
from domain.models import CheckInMethod
from tests.unit.attendance.test_attendance import END, START, ZONE, World, build_world

STATUS_ZH = {
    "present": "已签到", "late": "迟到", "leave": "请假", "pending": "请假待审批",
    "not_yet": "未签到", "absent": "未签到", "declined": "未签到（请假未批准）",
}
METHOD_ZH = {
    "qr": "扫码签到", "code": "签到码", "button": "群内签到按钮", "location": "位置签到",
    "staff": "工作人员代签",
}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """Two events in March with check-ins, leave and absences; a cancelled one; one in April."""
    async for built in build_world(tmp_path / "export.db"):
        service, people = built.service, built.people
        first = await built.event(group_ids=(built.group1, built.group2))
        second = await built.event(
            title="委员建言日",
            starts_at=START + timedelta(days=7),
            ends_at=END + timedelta(days=7),
        )
        cancelled = await built.event(title="取消的活动")
        await service.cancel_event(None, cancelled)
        await built.event(
            title="四月会议",
            starts_at=START + timedelta(days=40),
            ends_at=END + timedelta(days=40),
        )
        staff = built.actor("工作人员")

        leave = await service.ask_leave(people["委员三"], first, "出差")
        assert leave.request is not None
        await service.decide_leave(staff, leave.request.id, approve=True)
        await service.ask_leave(people["组长乙"], first, "开会")
        await service.check_in(people["委员一"], first, CheckInMethod.BUTTON, at=START)
        await service.check_in(
            people["委员二"], first, CheckInMethod.BUTTON, at=START + timedelta(minutes=31)
        )
        built.clock.now = START + timedelta(minutes=10)
        await service.mark_present_by_staff(staff, first, people["无手机"].id)

        declined = await service.ask_leave(people["委员一"], second, "家中有事")
        assert declined.request is not None
        await service.decide_leave(staff, declined.request.id, approve=False)
        await service.check_in(
            people["委员二"], second, CheckInMethod.BUTTON, at=START + timedelta(days=7)
        )
        built.clock.now = END + timedelta(days=8)
        yield built


async def expected_rows(world: World, event_ids: list[int]) -> dict[tuple[int, str], dict]:
    """What each row should say, read from the tables directly."""
    rows = await world.db.fetch_all(
        "SELECT e.id AS event_id, e.title, e.starts_at, e.ends_at, m.id AS member_id, m.name, "
        "g.name AS group_name, m.sector, c.at, c.method, c.late, l.status AS leave, l.reason "
        "FROM events e JOIN event_groups eg ON eg.event_id = e.id "
        "JOIN members m ON m.group_id = eg.group_id "
        "JOIN activity_groups g ON g.id = m.group_id "
        "LEFT JOIN checkins c ON c.event_id = e.id AND c.member_id = m.id "
        "LEFT JOIN leave_requests l ON l.event_id = e.id AND l.member_id = m.id "
        f"WHERE e.id IN ({','.join('?' * len(event_ids))})",
        event_ids,
    )
    found = {}
    for row in rows:
        if row["at"] is not None:
            status = "late" if row["late"] else "present"
        elif row["leave"] == "approved":
            status = "leave"
        elif row["leave"] == "pending":
            status = "pending"
        elif row["leave"] == "declined":
            status = "declined"  # 未签到, the refused leave said
        else:
            status = "absent"  # both events are over
        at = datetime.fromisoformat(row["at"]).astimezone(ZONE) if row["at"] else None
        found[(row["event_id"], row["name"])] = {
            "title": row["title"],
            "group": row["group_name"],
            "sector": row["sector"],
            "status": STATUS_ZH[status],
            "time": at.replace(tzinfo=None) if at else None,
            "method": METHOD_ZH[row["method"]] if row["method"] else "",
            "note": row["reason"] or "",
            "day": datetime.fromisoformat(row["starts_at"]).astimezone(ZONE).date(),
        }
    return found


async def test_xlsx_rows_match_the_database(world: World, tmp_path: Path) -> None:
    exporter = AttendanceExporter(world.db, world.service)
    filters = AttendanceFilter(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31))
    written = await exporter.export_to(
        tmp_path / "out" / "march.xlsx", filters, actor=world.actor("工作人员")
    )
    assert written == [tmp_path / "out" / "march.xlsx"]
    workbook = load_workbook(written[0])
    records, summary = workbook.worksheets
    assert (records.title, summary.title) == ("签到明细", "出勤汇总")
    header, *rows = list(records.iter_rows(values_only=True))
    assert header == (
        "活动编号", "日期", "开始时间", "类型", "活动名称", "活动组", "姓名", "界别",
        "出勤情况", "签到时间", "签到方式", "请假事由",
    )
    events = [e.id for e in await world.service.list_events(include_cancelled=False)][:2]
    expected = await expected_rows(world, events)
    assert len(rows) == len(expected) == 7 + 5  # first: two groups; second: group one
    for row in rows:
        event_id, day, start, kind, title, group, name, sector, status, at, method, note = row
        want = expected[(event_id, name)]
        # empty cells read back as None
        assert (title, group, sector, status, method or "", note or "") == (
            want["title"], want["group"], want["sector"], want["status"], want["method"],
            want["note"],
        ), (event_id, name)
        assert day.date() == want["day"]
        assert start == "09:00"
        assert kind == "委员阅读日"
        assert at == want["time"], (event_id, name)

    statuses = Counter((r[0], r[8]) for r in rows)
    first, second = events
    assert statuses == Counter({
        (first, "已签到"): 2,  # 委员一 at the start, 无手机 marked by staff
        (first, "迟到"): 1,
        (first, "请假"): 1,
        (first, "请假待审批"): 1,
        (first, "未签到"): 2,  # 组长甲, 委员四
        (second, "已签到"): 1,
        (second, "未签到（请假未批准）"): 1,  # 委员一
        (second, "未签到"): 3,  # 委员三, 组长甲, 无手机
    })
    staff_row = next(r for r in rows if r[0] == first and r[6] == "无手机")
    assert staff_row[10] == "工作人员代签"
    assert staff_row[9] == datetime(2025, 3, 1, 9, 10)

    head, *counts = list(summary.iter_rows(values_only=True))
    assert head == (
        "姓名", "活动组", "界别", "应到次数", "签到次数", "迟到次数", "请假次数", "请假待审批",
        "未签到次数", "统计期间",
    )
    assert {c[9] for c in counts} == {"2025-03-01至2025-03-31（只计已开始的活动）"}
    by_name = {c[0]: c[3:9] for c in counts}
    assert by_name == {
        "委员一": (2, 1, 0, 0, 0, 1),
        "委员二": (2, 2, 1, 0, 0, 0),
        "委员三": (2, 0, 0, 1, 0, 1),
        "无手机": (2, 1, 0, 0, 0, 1),
        "组长甲": (2, 0, 0, 0, 0, 2),
        "委员四": (1, 0, 0, 0, 0, 1),
        "组长乙": (1, 0, 0, 0, 1, 0),
    }
    assert [c[1] for c in counts] == ["第一活动组"] * 5 + ["第二活动组"] * 2

    audit = await world.db.fetch_one("SELECT * FROM audit_log WHERE action = 'attendance_export'")
    assert audit is not None
    assert audit["actor_tg_id"] == 9001
    detail = json.loads(audit["detail"])
    assert detail["events"] == events
    assert detail["rows"] == 12
    assert (detail["from"], detail["to"], detail["format"]) == ("2025-03-01", "2025-03-31", "xlsx")


async def test_filters_by_event_and_group(world: World) -> None:
    exporter = AttendanceExporter(world.db, world.service)
    first, second = [e.id for e in await world.service.list_events(include_cancelled=False)][:2]
    one = await exporter.build(AttendanceFilter(event_id=second))
    assert {r.event_id for r in one.rows} == {second}
    assert len(one.rows) == 5
    group2 = await exporter.build(AttendanceFilter(group_id=world.group2))
    assert sorted((r.event_id, r.name) for r in group2.rows) == [
        (first, "委员四"), (first, "组长乙"),
    ]
    days = await exporter.build(AttendanceFilter(date_from=date(2025, 3, 8)))
    assert [e.title for e in days.events] == ["委员建言日", "四月会议"]
    cancelled = next(e for e in await world.service.list_events() if e.title == "取消的活动")
    assert (await exporter.build(AttendanceFilter(event_id=cancelled.id))).rows == []


async def test_csv_in_english_and_staff_only(world: World) -> None:
    exporter = AttendanceExporter(world.db, world.service)
    _, second = [e.id for e in await world.service.list_events(include_cancelled=False)][:2]
    files = await exporter.export(
        None, ExportFormat.CSV, AttendanceFilter(event_id=second), language="en", name="b"
    )
    assert [f.name for f in files] == ["b.csv", "b_summary.csv"]
    assert files[0].content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(files[0].content.decode("utf-8-sig"))))
    assert table[0][:3] == ["Event no.", "Date", "Starts"]
    present = [r for r in table[1:] if r[8] == "Present"]
    assert [(r[6], r[9], r[10]) for r in present] == [
        ("委员二", "2025-03-08 09:00", "Group button"),
    ]
    assert len(table) == 1 + 5
    with pytest.raises(NotAllowed):
        await exporter.export(world.actor("组长甲"), ExportFormat.CSV, AttendanceFilter())
    assert await world.count(
        "SELECT count(*) FROM audit_log WHERE action = 'attendance_export'"
    ) == 1


async def test_a_declined_leave_is_shown_beside_not_checked_in(world: World) -> None:
    """委员一 asked for leave from the second event and was refused: the sheet says so, in both
    languages; the summary still counts it as not checked in."""
    exporter = AttendanceExporter(world.db, world.service)
    _, second = [e.id for e in await world.service.list_events(include_cancelled=False)][:2]
    for language, expected, plain_absent in (
        ("zh", "未签到（请假未批准）", "未签到"),
        ("en", "Not checked in (leave declined)", "Not checked in"),
    ):
        built = await exporter.build(AttendanceFilter(event_id=second), language)
        status = {r.name: r.status for r in built.rows}
        assert status["委员一"] == expected, language
        assert status["委员三"] == plain_absent, language  # no leave asked
        assert {s.name: s.absent for s in built.summary}["委员一"] == 1


async def test_every_sheet_prints_on_a4_fit_to_width_with_its_header_on_each_page(
    world: World, tmp_path: Path
) -> None:
    """Like the 履职登记表: A4, one page wide, the header row repeated, across the page (the
    rows are wide)."""
    exporter = AttendanceExporter(world.db, world.service)
    target = tmp_path / "print.xlsx"
    await exporter.export_to(target, AttendanceFilter(date_from=date(2025, 3, 1)))
    workbook = load_workbook(target)
    assert len(workbook.worksheets) == 2
    for sheet in workbook.worksheets:
        setup = sheet.page_setup
        assert setup.paperSize is not None and int(setup.paperSize) == 9, sheet.title  # A4
        assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert setup.orientation == "landscape", sheet.title


async def test_command_line_export(world: World, tmp_path: Path) -> None:
    config = Config(storage=StorageConfig(path=world.db.path))
    out = io.StringIO()
    target = tmp_path / "g.xlsx"
    code = await export_attendance_cli(
        config, target, event_id=None, date_from=date(2025, 3, 1), date_to=None,
        group="第二活动组", out=out,
    )
    assert code == 0
    assert out.getvalue() == f"已写入：{target}\n"
    rows = list(load_workbook(target).worksheets[0].iter_rows(values_only=True))
    assert sorted(r[6] for r in rows[1:]) == ["委员四", "组长乙"]

    refused = io.StringIO()
    assert await export_attendance_cli(
        config, target, event_id=None, date_from=None, date_to=None, group="无此组", out=refused
    ) == 2
    assert refused.getvalue() == "export: 没有名为“无此组”的活动组\n"
    pdf = io.StringIO()
    assert await export_attendance_cli(
        config, tmp_path / "x.pdf", event_id=1, date_from=None, date_to=None, group=None,
        out=pdf,
    ) == 2
    assert pdf.getvalue() == "export: x.pdf：文件名须以 .xlsx 或 .csv 结尾\n"
    both = io.StringIO()
    assert await export_attendance_cli(
        config, target, event_id=1, date_from=date(2025, 3, 1), date_to=None, group=None,
        out=both,
    ) == 2
    assert both.getvalue() == "export: --event 与起止日期不能同时给出，请只给出其一\n"


async def test_command_line_export_in_english(world: World, tmp_path: Path) -> None:
    """`--lang en`: the operator reads what was written, and what was wrong, in English."""
    config = Config(storage=StorageConfig(path=world.db.path))
    target = tmp_path / "g.csv"
    out, refused, pdf = io.StringIO(), io.StringIO(), io.StringIO()
    with speaking("en"):
        assert await export_attendance_cli(
            config, target, event_id=None, date_from=date(2025, 3, 1), date_to=None,
            group="第二活动组", out=out,
        ) == 0
        assert await export_attendance_cli(
            config, target, event_id=None, date_from=None, date_to=None, group="无此组",
            out=refused,
        ) == 2
        assert await export_attendance_cli(
            config, tmp_path / "x.pdf", event_id=1, date_from=None, date_to=None, group=None,
            out=pdf,
        ) == 2
    assert out.getvalue() == (
        f"written: {target}\nwritten: {tmp_path / 'g_summary.csv'}\n")
    assert refused.getvalue() == "export: no activity group called '无此组'\n"
    assert pdf.getvalue() == "export: x.pdf: the file must end in .xlsx or .csv\n"
    # the sheets themselves are the office's (Chinese, as in chat)
    assert target.read_text(encoding="utf-8-sig").startswith("活动编号")


async def test_only_started_events_count_and_the_period_is_stated(world: World) -> None:
    """The default period is this year up to today; 四月会议 (to come) counts for nobody."""
    exporter = AttendanceExporter(world.db, world.service)
    spring = await exporter.build(AttendanceFilter(date_from=date(2025, 3, 1),
                                                   date_to=date(2025, 4, 30)))
    assert [e.title for e in spring.events] == ["委员阅读日", "委员建言日", "四月会议"]
    by_name = {s.name: s for s in spring.summary}
    assert (by_name["委员一"].expected, by_name["委员一"].absent) == (2, 1)
    assert (by_name["组长甲"].expected, by_name["组长甲"].absent) == (2, 2)
    built = await exporter.build(AttendanceFilter())
    assert [e.title for e in built.events] == ["委员阅读日", "委员建言日"]
    assert {s.period for s in built.summary} == {"2025-01-01至2025-03-09（只计已开始的活动）"}


async def test_command_line_and_chat_default_to_the_same_period(
    world: World, tmp_path: Path
) -> None:
    """`export attendance` without days, like /export attendance: this year up to today."""
    now = datetime.now(ZONE)
    world.clock.now = now - timedelta(minutes=2)
    this_year = await world.event(title="本年的会议", starts_at=now - timedelta(minutes=1),
                                  ends_at=now + timedelta(hours=2))
    await world.event(title="将来的会议", starts_at=now + timedelta(days=2),
                      ends_at=now + timedelta(days=2, hours=2))
    target = tmp_path / "default.xlsx"
    assert await export_attendance_cli(
        Config(storage=StorageConfig(path=world.db.path)), target, event_id=None,
        date_from=None, date_to=None, group=None, out=io.StringIO(),
    ) == 0
    records, summary = load_workbook(target).worksheets
    assert {r[0] for r in list(records.iter_rows(values_only=True))[1:]} == {this_year}
    periods = {r[9] for r in list(summary.iter_rows(values_only=True))[1:]}
    assert periods == {f"{now.year}-01-01至{now.date().isoformat()}（只计已开始的活动）"}
