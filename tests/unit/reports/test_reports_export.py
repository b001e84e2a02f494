"""The register export: the .xlsx opened with openpyxl matches the database; .csv; filters;
counts per member; audited; staff only; the command-line entry."""

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.core.auth import Why
from bot.core.cli import speaking
from bot.core.config import Config, StorageConfig
from bot.exports.spreadsheet import ExportFormat, format_for
from bot.reports.export import RegisterFilter, ReportExporter, export_reports_cli
from domain.models import ReportStatus
from tests.unit.reports.test_reports import SHANGHAI, World, open_world, refused

S = ReportStatus


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with open_world(tmp_path) as opened:
        yield opened


REGISTER_HEADER = [
    "编号", "日期", "作者", "联名反映人", "活动组", "界别", "类别", "标题", "状态", "采用级别",
    "报送单位", "采用说明", "领导批示", "提交次数", "提交日期", "受理日期", "退回日期",
    "重新提交日期", "采用日期", "报送日期", "留存日期", "不予采用日期",
]
MEMBER_HEADER = [
    "姓名", "活动组", "界别", "提交篇数", "联名篇数", "采用篇数",
    "市级采用", "省级采用", "全国采用",
]
STATUS_ZH = {
    "submitted": "已提交", "accepted": "已受理", "returned": "退回修改", "adopted": "已采用",
    "forwarded": "已报送", "kept": "留存", "not_adopted": "不予采用",
}


async def fill(world: World) -> None:
    """Reports over three days, in several statuses, one co-authored, one resubmitted."""
    staff = await world.actor("王五")
    zhang = await world.member("张三")
    li = await world.member("李四")
    world.clock.now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 3月2日 in Shanghai
    first = await world.complete_draft("张三", title="加装电梯")
    await world.service.add_coauthor(zhang, first.id, li.id)
    await world.service.submit(zhang, first.id)
    world.clock.now = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    await world.service.move(first.id, staff, S.ACCEPTED, expected_status=S.SUBMITTED)
    world.clock.now = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    await world.service.move(
        first.id, staff, S.ADOPTED, expected_status=S.ACCEPTED, level="city",
        note="市政府采用",
    )
    await world.service.add_leader_comment(first.id, staff, "刘市长", "请住建局牵头落实。")
    await world.service.add_leader_comment(first.id, staff, "<陈>&书记", "同意。")
    world.clock.now = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    second = await world.submitted(author="李四", title="河道治理")
    await world.service.move(
        second.id, staff, S.RETURNED, expected_status=S.SUBMITTED, note="请补充"
    )
    world.clock.now = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    await world.service.append_body(li, second.id, "补充内容")
    await world.service.submit(li, second.id)
    world.clock.now = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
    third = await world.submitted(author="张三", title="社区养老")
    await world.service.move(third.id, staff, S.ACCEPTED, expected_status=S.SUBMITTED)
    await world.service.move(
        third.id, staff, S.ADOPTED, expected_status=S.ACCEPTED,
        level="province",
    )
    await world.complete_draft("张三", title="草稿不进登记表")


async def test_xlsx_rows_match_the_database(world: World, tmp_path: Path) -> None:
    await fill(world)
    exporter = ReportExporter(world.db, SHANGHAI)
    target = tmp_path / "out" / "register.xlsx"
    written = await exporter.export_to(target, RegisterFilter())
    assert written == [target]

    workbook = load_workbook(target, read_only=True)
    assert workbook.sheetnames == ["社情民意信息登记表", "委员统计"]
    rows = list(workbook["社情民意信息登记表"].iter_rows(values_only=True))
    workbook.close()
    assert list(rows[0]) == REGISTER_HEADER
    db_rows = await world.db.fetch_all(
        "SELECT r.*, m.name AS author FROM reports r JOIN members m ON m.id = r.author_member_id "
        "WHERE r.status != 'draft' ORDER BY r.submitted_at, r.id"
    )
    assert len(rows) - 1 == len(db_rows) == 3
    for sheet_row, db_row in zip(rows[1:], db_rows, strict=True):
        cells = dict(zip(REGISTER_HEADER, sheet_row, strict=True))
        submitted = datetime.fromisoformat(db_row["submitted_at"]).astimezone(SHANGHAI).date()
        assert cells["编号"] == db_row["number"]
        assert cells["日期"].date() == submitted
        assert cells["作者"] == db_row["author"]
        assert cells["标题"] == db_row["title"]
        assert cells["状态"] == STATUS_ZH[db_row["status"]]
        assert cells["类别"] == "民生保障"
        assert cells["提交次数"] == db_row["version"]
        assert cells["界别"] == "经济界"
    by_title = {row[7]: dict(zip(REGISTER_HEADER, row, strict=True)) for row in rows[1:]}
    elevator = by_title["加装电梯"]
    assert elevator["联名反映人"] == "李四"
    assert elevator["活动组"] == "第一活动组"
    assert elevator["采用级别"] == "市级"
    assert [elevator[k].date() for k in ("提交日期", "受理日期", "采用日期")] == [
        date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4),
    ]
    assert elevator["退回日期"] is None
    river = by_title["河道治理"]
    assert river["状态"] == "已提交"
    assert river["提交次数"] == 2
    assert (river["退回日期"].date(), river["重新提交日期"].date()) == (
        date(2026, 3, 3), date(2026, 3, 4),
    )
    assert by_title["社区养老"]["采用级别"] == "省级"
    assert elevator["采用说明"] == "市政府采用"
    assert elevator["领导批示"] == "刘市长：请住建局牵头落实。\n<陈>&书记：同意。"
    assert river["采用说明"] is None and river["领导批示"] is None


async def test_columns_fit_their_text_and_the_header_stays(world: World, tmp_path: Path) -> None:
    """Column widths fit the longest value (a Chinese character counts as two), header frozen."""
    await fill(world)
    long_title = "关于进一步加强城乡结合部老旧小区加装电梯工作的建议"
    await world.submitted(author="李四", title=long_title)
    target = tmp_path / "register.xlsx"
    await ReportExporter(world.db, SHANGHAI).export_to(target, RegisterFilter())
    workbook = load_workbook(target)
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
    sheet = workbook["社情民意信息登记表"]
    widths = {
        cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]
    }
    assert widths["标题"] >= 2 * len(long_title)
    assert widths["领导批示"] >= 2 * len("刘市长：请住建局牵头落实。")
    assert 9 <= widths["编号"] < 2 * len("2026-0001")  # digits count once
    assert widths["日期"] >= len("2026-03-02")


async def test_every_sheet_prints_on_a4_fit_to_width_with_its_header_on_each_page(
    world: World, tmp_path: Path
) -> None:
    """Like the 履职登记表: A4, one page wide, the header row repeated; the register (many
    columns) across the page, the counts per member up."""
    await fill(world)
    target = tmp_path / "register.xlsx"
    await ReportExporter(world.db, SHANGHAI).export_to(target, RegisterFilter())
    workbook = load_workbook(target)
    orientations = {}
    for sheet in workbook.worksheets:
        setup = sheet.page_setup
        assert setup.paperSize is not None and int(setup.paperSize) == 9, sheet.title  # A4
        assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        orientations[sheet.title] = setup.orientation
    assert orientations == {"社情民意信息登记表": "landscape", "委员统计": "portrait"}


async def test_counts_per_member(world: World, tmp_path: Path) -> None:
    await fill(world)
    target = tmp_path / "register.xlsx"
    await ReportExporter(world.db, SHANGHAI).export_to(target, RegisterFilter())
    workbook = load_workbook(target, read_only=True)
    rows = list(workbook["委员统计"].iter_rows(values_only=True))
    workbook.close()
    assert list(rows[0]) == MEMBER_HEADER
    counts = {row[0]: dict(zip(MEMBER_HEADER, row, strict=True)) for row in rows[1:]}
    # every member on the roster, those without a report too (staff only when they wrote one)
    assert set(counts) == {"张三", "李四", "孙七"}
    assert [counts["张三"][k] for k in MEMBER_HEADER[3:]] == [2, 0, 2, 1, 1, 0]
    assert [counts["李四"][k] for k in MEMBER_HEADER[3:]] == [1, 1, 0, 0, 0, 0]
    assert [counts["孙七"][k] for k in MEMBER_HEADER[3:]] == [0, 0, 0, 0, 0, 0]
    assert counts["李四"]["活动组"] == "第二活动组"


async def test_a_deputy_is_counted_like_a_member(world: World, tmp_path: Path) -> None:
    """A 副组长 without a report still has a row of zeros, as members and leaders do."""
    await fill(world)
    async with world.db.transaction() as conn:
        await conn.execute("UPDATE members SET role = 'deputy' WHERE name = '孙七'")
    target = tmp_path / "register.xlsx"
    await ReportExporter(world.db, SHANGHAI).export_to(target, RegisterFilter())
    workbook = load_workbook(target, read_only=True)
    rows = list(workbook["委员统计"].iter_rows(values_only=True))
    workbook.close()
    counts = {row[0]: list(row[3:]) for row in rows[1:]}
    assert set(counts) == {"张三", "李四", "孙七"}
    assert counts["孙七"] == [0, 0, 0, 0, 0, 0]


async def test_filters_by_dates_and_status(world: World) -> None:
    await fill(world)
    exporter = ReportExporter(world.db, SHANGHAI)

    async def titles(filters: RegisterFilter) -> list[str]:
        return [row.title for row in (await exporter.build(filters)).rows]

    assert await titles(RegisterFilter()) == ["加装电梯", "河道治理", "社区养老"]
    assert await titles(RegisterFilter(date_from=date(2026, 3, 3))) == ["河道治理", "社区养老"]
    assert await titles(RegisterFilter(date_to=date(2026, 3, 3))) == ["加装电梯", "河道治理"]
    assert await titles(
        RegisterFilter(date_from=date(2026, 3, 3), date_to=date(2026, 3, 3))
    ) == ["河道治理"]
    assert await titles(RegisterFilter(status=S.ADOPTED)) == ["加装电梯", "社区养老"]
    assert await titles(RegisterFilter(status=S.KEPT)) == []


async def test_csv_is_two_files_in_utf8_and_each_export_is_audited(
    world: World, tmp_path: Path
) -> None:
    await fill(world)
    exporter = ReportExporter(world.db, SHANGHAI)
    staff = await world.actor("王五")
    written = await exporter.export_to(
        tmp_path / "reg.csv", RegisterFilter(status=S.ADOPTED), actor=staff
    )
    assert written == [tmp_path / "reg.csv", tmp_path / "reg_members.csv"]
    register = list(csv.reader(io.StringIO(written[0].read_text(encoding="utf-8-sig"))))
    assert register[0] == REGISTER_HEADER
    numbers = [row[0] for row in register[1:]]
    db_numbers = [
        row["number"]
        for row in await world.db.fetch_all(
            "SELECT number FROM reports WHERE status = 'adopted' ORDER BY submitted_at, id"
        )
    ]
    assert numbers == db_numbers
    assert register[1][REGISTER_HEADER.index("提交日期")] == "2026-03-02"
    members = list(csv.reader(io.StringIO(written[1].read_text(encoding="utf-8-sig"))))
    assert members[0] == MEMBER_HEADER
    row = await world.db.fetch_one(
        "SELECT actor_tg_id, detail FROM audit_log WHERE action = 'report_export'"
    )
    assert row is not None
    assert row["actor_tg_id"] == 503
    detail = json.loads(row["detail"])
    assert (detail["format"], detail["status"], detail["rows"]) == ("csv", "adopted", 2)


async def test_english_labels_and_in_memory_files(world: World) -> None:
    await fill(world)
    exporter = ReportExporter(world.db, SHANGHAI)
    files = await exporter.export(
        await world.actor("王五"), ExportFormat.XLSX, RegisterFilter(), language="en"
    )
    assert [f.name for f in files] == ["reports.xlsx"]
    workbook = load_workbook(io.BytesIO(files[0].content), read_only=True)
    assert workbook.sheetnames == ["Register of reports", "Per member"]
    rows = list(workbook["Register of reports"].iter_rows(values_only=True))
    workbook.close()
    assert rows[0][:3] == ("Number", "Date", "Author")
    assert rows[1][6] == "Livelihood and welfare"


async def test_members_may_not_export(world: World) -> None:
    exporter = ReportExporter(world.db, SHANGHAI)
    error = await refused(
        exporter.export(await world.actor("张三"), ExportFormat.XLSX, RegisterFilter())
    )
    assert error.reason is Why.NOT_ALLOWED  # the refusal every capability gives for a role
    assert await world.audit("report_export") == 0
    with pytest.raises(ValueError, match=r"\.xlsx or \.csv"):
        format_for(Path("register.pdf"))


async def test_command_line_export(world: World, tmp_path: Path) -> None:
    await fill(world)
    config = Config(storage=StorageConfig(path=world.path))
    out = io.StringIO()
    target = tmp_path / "cli.xlsx"
    code = await export_reports_cli(
        config, target, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31),
        status="adopted", out=out,
    )
    assert code == 0
    assert out.getvalue() == f"已写入：{target}\n"
    workbook = load_workbook(target, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    assert [row[7] for row in rows[1:]] == ["加装电梯", "社区养老"]
    bad = io.StringIO()
    assert await export_reports_cli(
        config, target, date_from=None, date_to=None, status="nonsense", out=bad
    ) == 2
    assert bad.getvalue().startswith(
        "export: 没有“nonsense”这种状态；可用：submitted（已提交）、")
    txt = io.StringIO()
    assert await export_reports_cli(
        config, tmp_path / "x.txt", date_from=None, date_to=None, status=None, out=txt
    ) == 2
    assert txt.getvalue() == "export: x.txt：文件名须以 .xlsx 或 .csv 结尾\n"
    with speaking("en"):
        english, wrong = io.StringIO(), io.StringIO()
        assert await export_reports_cli(
            config, target, date_from=None, date_to=None, status=None, out=english
        ) == 0
        assert await export_reports_cli(
            config, target, date_from=None, date_to=None, status="nonsense", out=wrong
        ) == 2
    assert english.getvalue() == f"written: {target}\n"
    assert wrong.getvalue().startswith(
        "export: unknown status 'nonsense'; one of: submitted (已提交), ")


@pytest.mark.parametrize("status", ["adopted", "已采用", "Adopted"])
async def test_command_line_takes_the_status_names_it_prints(
    world: World, tmp_path: Path, status: str
) -> None:
    """`export reports --status 已采用`: the Chinese (and English) names of the statuses work."""
    await fill(world)
    config = Config(storage=StorageConfig(path=world.path))
    target = tmp_path / "cli.xlsx"
    out = io.StringIO()
    code = await export_reports_cli(
        config, target, date_from=None, date_to=None, status=status, out=out
    )
    assert code == 0, out.getvalue()
    workbook = load_workbook(target, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    assert [row[7] for row in rows[1:]] == ["加装电梯", "社区养老"]
    bad = io.StringIO()
    assert await export_reports_cli(
        config, target, date_from=None, date_to=None, status="已吃饭", out=bad
    ) == 2
    assert "已采用" in bad.getvalue()  # the names it takes are listed
