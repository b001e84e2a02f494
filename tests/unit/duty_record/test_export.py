"""The 履职登记表 over the seeded year: the summary rows and whole member sheets of 爱丽丝 and
鲍勃 cell by cell against the hand-worked figures, the ranking (ties share a rank), how the
sheets print, sheet names, the group and member filters, who may export, the audit row, and
`liaison-bot export duty` / `duty grade` with good and bad arguments."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.auth import Actor, NotAllowed
from bot.core.config import Config, DutyRecordConfig, MinimumsConfig, StorageConfig
from bot.duty_record.export import DutyExporter, DutyFilter, export_duty_cli, ranks
from bot.duty_record.grades_cli import grade_cli
from bot.duty_record.service import DutyRecordService
from bot.exports.spreadsheet import BadFileName, ExportFormat
from domain.duty_models import Dimension
from liaison.cli import main
from storage.db import Database
from storage.members import MemberRepository
from tests.duty_world import ALICE, BOB, CHEN, E_ER, EXPECTED, STAFF, YEAR, DutyWorld, seed_year

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 2 March 2026, 10:00 in Shanghai

SUMMARY_HEADER = [
    "姓名", "活动组", "界别", "在册", "应参加活动", "参加活动", "迟到", "请假", "未签到",
    "提交社情民意信息", "采用（市级）", "采用（省级）", "采用（全国）", "领导批示", "不予采用",
    "联名反映", "提案", "读书心得", "履职积分", "活动差额", "提案差额", "社情民意信息差额",
    "作风表现", "作风表现备注", "群众满意度", "群众满意度备注",
]
EVENTS_HEADER = ("日期", "活动", "类型", "签到情况")
REPORTS_HEADER = ("编号", "标题", "状态", "采用级别", "领导批示", "提交日期", "署名")
PROPOSALS_HEADER = ("征集批次", "截止日期", "件数")
NOTES_HEADER = ("书名", "日期")
POINTS_HEADER = ("项目", "数量", "积分")
INSTRUCTION = "市长：请有关部门研究办理"  # R1's one leader's instruction (tests/duty_world.py)


def day(month: int, day_of_month: int) -> datetime:
    """A date cell as openpyxl reads it back."""
    return datetime(YEAR, month, day_of_month)


# 爱丽丝's and 鲍勃's sheets, worked out by hand from the lists in tests/duty_world.py
ALICE_SHEET = [
    ("姓名", "爱丽丝", "年度", "2025"),
    ("活动组", "第一活动组", "界别", "经济界"),
    ("履职积分", 34.5),
    ("作风表现", "优秀", "备注", "积极参加活动"),
    ("群众满意度", None, "备注"),
    (),
    ("参加活动情况",),
    EVENTS_HEADER,
    (day(3, 6), "三月读书会", "委员阅读日", "已签到"),
    (day(5, 15), "五月建言日", "委员建言日", "已签到"),
    (day(9, 18), "九月组会", "会议", "迟到"),  # E5 was cancelled; E7 is 2024's
    (day(11, 20), "十一月学习", "学习", "已签到"),
    (),
    ("社情民意信息",),
    REPORTS_HEADER,
    ("2025-0001", "报告R1", "已采用", "市级", INSTRUCTION, day(2, 10), "反映人"),
    ("2025-0002", "报告R2", "已报送", "省级", None, day(3, 12), "反映人"),
    ("2025-0003", "报告R3", "不予采用", None, None, day(4, 8), "反映人"),
    ("2025-0005", "报告R5", "已采用", "全国", None, day(5, 28), "联名反映人"),  # R9: a draft
    (),
    ("提案",),
    PROPOSALS_HEADER,
    ("2025年提案征集", day(1, 20), 2),
    ("2025年第二批提案", day(8, 31), 1),
    (),
    ("读书心得",),
    NOTES_HEADER,
    ("乡土中国", day(3, 6)),
    ("论语", day(10, 1)),
    (),
    ("积分明细",),
    POINTS_HEADER,
    ("按时参加活动", 3, 6),
    ("迟到参加活动", 1, 1),
    ("未签到活动", 0, 0),
    ("提交社情民意信息", 3, 3),
    ("联名社情民意信息", 1, 0.5),
    ("社情民意信息获采用", 2, 8),  # 市级 3 + 省级 5
    ("获领导批示", 1, 5),
    ("提案", 3, 9),
    ("读书心得", 2, 2),
    ("合计", None, 34.5),
]
BOB_SHEET = [
    ("姓名", "鲍勃", "年度", "2025"),
    ("活动组", "第一活动组", "界别"),
    ("履职积分", 21),
    ("作风表现", None, "备注"),
    ("群众满意度", "满意", "备注"),
    (),
    ("参加活动情况",),
    EVENTS_HEADER,
    (day(3, 6), "三月读书会", "委员阅读日", "已签到"),
    (day(5, 15), "五月建言日", "委员建言日", "迟到"),
    (day(6, 10), "河道视察", "视察调研", "已签到"),  # 第二活动组's event, attended
    (day(9, 18), "九月组会", "会议", "请假"),
    (day(11, 20), "十一月学习", "学习", "未签到"),  # the leave was declined
    (),
    ("社情民意信息",),
    REPORTS_HEADER,
    ("2025-0011", "报告R11", "已提交", None, None, day(1, 1), "反映人"),  # 00:30 local
    ("2025-0004", "报告R4", "已提交", None, None, day(5, 20), "反映人"),
    ("2025-0005", "报告R5", "已采用", "全国", None, day(5, 28), "反映人"),
    (),
    ("提案",),
    PROPOSALS_HEADER,
    ("2025年提案征集", day(1, 20), 1),
    (),
    ("读书心得",),  # 史记 was 2024's
    NOTES_HEADER,
    (),
    ("积分明细",),
    POINTS_HEADER,
    ("按时参加活动", 2, 4),
    ("迟到参加活动", 1, 1),
    ("未签到活动", 1, 0),
    ("提交社情民意信息", 3, 3),
    ("联名社情民意信息", 0, 0),
    ("社情民意信息获采用", 1, 10),
    ("获领导批示", 0, 0),
    ("提案", 1, 3),
    ("读书心得", 0, 0),
    ("合计", None, 21),
]


@pytest.fixture
async def world(db: Database) -> DutyWorld:
    seeded = seed_year(db.path)
    async with db.transaction() as conn:
        await conn.execute("UPDATE members SET sector = '经济界' WHERE phone = ?", (ALICE,))
    return seeded


def service(db: Database, config: DutyRecordConfig | None = None) -> DutyRecordService:
    return DutyRecordService(db, MemberRepository(db), ZONE, config, clock=lambda: NOW)


async def actor(db: Database, phone: str) -> Actor:
    member = await MemberRepository(db).by_phone(phone)
    assert member is not None
    return Actor.resolve(1000 + member.id, member, set())


async def workbook(db: Database, filters: DutyFilter, *, who: Actor | None = None,
                   language: str = "zh", config: DutyRecordConfig | None = None) -> Any:
    files = await DutyExporter(service(db, config)).export(
        who, ExportFormat.XLSX, filters, language=language)
    assert [f.name for f in files] == ["duty.xlsx"]
    return load_workbook(io.BytesIO(files[0].content))


def rows_of(sheet: Worksheet) -> list[tuple[Any, ...]]:
    """The sheet's rows without the empty cells at their ends (an empty row: ())."""
    rows = []
    for row in sheet.iter_rows(values_only=True):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        rows.append(tuple(values))
    return rows


async def grade_alice_and_bob(db: Database, world: DutyWorld) -> None:
    records = service(db)
    await records.set_grade(None, world.members[ALICE], YEAR, Dimension.CONDUCT, "优秀",
                            "积极参加活动")
    await records.set_grade(None, world.members[BOB], YEAR, Dimension.SATISFACTION, "满意")


async def test_summary_rows_of_alice_and_bob_cell_by_cell(db: Database,
                                                          world: DutyWorld) -> None:
    await grade_alice_and_bob(db, world)
    book = await workbook(db, DutyFilter(YEAR))
    summary = book.worksheets[0]
    assert summary.title == "汇总"
    header, *rows = [list(r) for r in summary.iter_rows(values_only=True)]
    assert header == SUMMARY_HEADER
    by_name = {row[0]: row for row in rows}
    alice, bob = EXPECTED[ALICE], EXPECTED[BOB]
    assert by_name["爱丽丝"] == [
        "爱丽丝", "第一活动组", "经济界", "是", alice.expected, alice.attended, alice.late,
        alice.on_leave, alice.absent, alice.submitted, 1, 1, 0, alice.instructed,
        alice.not_adopted, alice.coauthored, alice.proposals, alice.reading_notes,
        alice.points, None, None, None, "优秀", "积极参加活动", None, None,
    ]
    assert by_name["鲍勃"] == [
        "鲍勃", "第一活动组", None, "是", bob.expected, bob.attended, bob.late, bob.on_leave,
        bob.absent, bob.submitted, 0, 0, 1, bob.instructed, bob.not_adopted, bob.coauthored,
        bob.proposals, bob.reading_notes, bob.points, None, None, None, None, None, "满意",
        None,
    ]
    # every member's figures as worked out by hand; staff have no row; roster order
    assert [row[0] for row in rows] == ["爱丽丝", "鲍勃", "陈晨", "冯离", "丁丁", "鄂尔"]
    for row in rows:
        phone = next(p for p, name in [(ALICE, "爱丽丝"), (BOB, "鲍勃"), (CHEN, "陈晨"),
                                       ("13800000007", "冯离"), ("13800000004", "丁丁"),
                                       (E_ER, "鄂尔")] if name == row[0])
        want = EXPECTED[phone]
        assert row[4:10] == [want.expected, want.attended, want.late, want.on_leave,
                             want.absent, want.submitted], row[0]
        assert row[18] == want.points, row[0]
        # a past year: the yearly minimums
        short = dict(zip(("activities", "proposals", "reports"), row[19:22], strict=True))
        assert {k: v for k, v in short.items() if v is not None} == want.shortfall, row[0]
    assert by_name["冯离"][3] == "否"  # left the roster in July


async def test_the_member_sheets_of_alice_and_bob_cell_by_cell(db: Database,
                                                               world: DutyWorld) -> None:
    await grade_alice_and_bob(db, world)
    book = await workbook(db, DutyFilter(YEAR))
    assert rows_of(book["爱丽丝"]) == ALICE_SHEET
    assert rows_of(book["鲍勃"]) == BOB_SHEET
    assert book.sheetnames == ["汇总", "年度排名", "爱丽丝", "鲍勃", "陈晨", "冯离", "丁丁",
                               "鄂尔"]


async def test_the_reports_show_each_leader_and_instruction_as_the_register_does(
        db: Database, world: DutyWorld) -> None:
    """Who instructed and what, one per line in the order given (the 社情民意登记表's
    form); a report without an instruction leaves the cell empty."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO report_comments(report_id, leader, text, at) VALUES (?, ?, ?, ?)",
            (world.reports["R1"], "王书记", "同意市长意见，抓紧落实",
             "2025-03-01T02:00:00.000000+00:00"))
    reports = rows_of((await workbook(db, DutyFilter(YEAR)))["爱丽丝"])[15:19]
    assert [(row[1], row[4]) for row in reports] == [
        ("报告R1", "市长：请有关部门研究办理\n王书记：同意市长意见，抓紧落实"),
        ("报告R2", None), ("报告R3", None), ("报告R5", None)]
    english = rows_of((await workbook(db, DutyFilter(YEAR), language="en"))["爱丽丝"])
    assert english[14][4] == "Leader's instruction"
    assert english[15][4] == "市长: 请有关部门研究办理\n王书记: 同意市长意见，抓紧落实"


async def test_this_year_is_measured_against_the_minimums_due_by_today(
    db: Database, world: DutyWorld
) -> None:
    """On 2 March 61 days of 365 have passed: 12 activities a year → 3 due (rounded up), 1
    proposal → 1, 1 report → 1; nobody has done anything in 2026 yet."""
    config = DutyRecordConfig(minimums=MinimumsConfig(activities=12, proposals=1, reports=1))
    book = await workbook(db, DutyFilter(2026), config=config)
    _, *rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert {tuple(row[19:22]) for row in rows} == {(3, 1, 1)}
    past = await workbook(db, DutyFilter(YEAR), config=config)
    alice = next(r for r in past.worksheets[0].iter_rows(values_only=True) if r[0] == "爱丽丝")
    assert alice[19:22] == (8, None, None)  # 12 a year, 4 attended


LONG_NAME = "欧阳[测试]:委员/名字*特别?长\\的一位委员先生女士同志朋友们好"


async def crowd(db: Database, world: DutyWorld) -> None:
    """Four more members of 第二活动组 with nothing in the year: two of the same name, one
    named like the summary sheet, one whose name Excel cannot take as a sheet name."""
    group = world.groups["第二活动组"]
    async with db.transaction() as conn:
        for name, phone in [("郑一", "13800000011"), ("郑一", "13800000012"),
                            ("汇总", "13800000013"),
                            (LONG_NAME, "13800000014")]:
            await conn.execute(
                "INSERT INTO members(name, phone, group_id, role, created_at, updated_at) "
                "VALUES (?, ?, ?, 'member', '2024-12-01T00:00:00.000000+00:00', "
                "'2024-12-01T00:00:00.000000+00:00')", (name, phone, group))


async def test_ranking_of_members_and_groups_ties_share_a_rank(db: Database,
                                                               world: DutyWorld) -> None:
    await crowd(db, world)
    book = await workbook(db, DutyFilter(YEAR))
    ranking = book["年度排名"]
    assert rows_of(ranking) == [
        ("名次", "姓名", "活动组", "采用社情民意信息", "履职积分"),
        (1, "爱丽丝", "第一活动组", 2, 34.5),
        (2, "鲍勃", "第一活动组", 1, 21),
        (3, "丁丁", "第二活动组", 0, 14),
        (4, "鄂尔", "第二活动组", 0, 4),
        (5, "陈晨", "第一活动组", 0, 0.5),
        # equal figures, equal rank, in roster order; 冯离 left the roster: not ranked
        (6, "郑一", "第二活动组", 0, 0),
        (6, "郑一", "第二活动组", 0, 0),
        (6, "汇总", "第二活动组", 0, 0),
        (6, LONG_NAME, "第二活动组", 0, 0),
        (),
        ("活动组排名",),
        ("名次", "活动组", "委员人数", "采用社情民意信息", "履职积分合计"),
        (1, "第一活动组", 3, 3, 56),
        (2, "第二活动组", 6, 0, 18),
    ]
    assert ranks([(2, 5.0), (1, 3.0), (1, 3.0), (0, 3.0), (0, 1.0), (0, 1.0)]) == [
        1, 2, 2, 4, 5, 5]


async def test_sheet_names_are_unique_and_valid(db: Database, world: DutyWorld) -> None:
    await crowd(db, world)
    book = await workbook(db, DutyFilter(YEAR))
    assert book.sheetnames[-4:] == ["郑一", "郑一 (2)", "汇总 (2)",
                                    "欧阳_测试__委员_名字_特别_长_的一位委员先生女士同志朋友"]
    assert book.sheetnames[0] == "汇总"
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert rows_of(book["郑一 (2)"])[0] == ("姓名", "郑一", "年度", "2025")


def _width(value: object) -> int:
    """Columns a value takes, worked out here: CJK and full-width forms two, dates ten."""
    if isinstance(value, datetime):
        return 10
    return sum(2 if 0x2E80 <= ord(ch) <= 0xFFEF else 1 for ch in str(value))


async def test_every_sheet_prints_on_a4_fit_to_width_with_its_top_row_on_each_page(
    db: Database, world: DutyWorld
) -> None:
    await grade_alice_and_bob(db, world)
    book = await workbook(db, DutyFilter(YEAR))
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9, sheet.title  # A4
        assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.freeze_panes == "A2", sheet.title
        expected = "landscape" if sheet.title == "汇总" else "portrait"
        assert setup.orientation == expected, sheet.title
    # the columns fit their widest cell (captions, headers and every table), padded by 2
    sheet = book["爱丽丝"]
    widest: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                widest[cell.column] = max(widest.get(cell.column, 0), _width(cell.value))
    for column, width in widest.items():
        letter = sheet.cell(1, column).column_letter
        assert sheet.column_dimensions[letter].width == max(8, width + 2), letter
    assert sheet.column_dimensions["A"].width == 2 * len("社情民意信息获采用") + 2


async def test_a_group_or_one_member(db: Database, world: DutyWorld) -> None:
    second = await workbook(db, DutyFilter(YEAR, group_id=world.groups["第二活动组"]))
    assert second.sheetnames == ["汇总", "年度排名", "丁丁", "鄂尔"]
    assert [r[0] for r in rows_of(second["年度排名"])[1:3]] == [1, 2]
    assert rows_of(second["年度排名"])[-1] == (1, "第二活动组", 2, 0, 18)
    bob = await workbook(db, DutyFilter(YEAR, member_id=world.members[BOB]))
    assert bob.sheetnames == ["汇总", "年度排名", "鲍勃"]
    assert rows_of(bob["鲍勃"]) == [
        *BOB_SHEET[:4], ("群众满意度", None, "备注"), *BOB_SHEET[5:]]


async def test_in_english(db: Database, world: DutyWorld) -> None:
    book = await workbook(db, DutyFilter(YEAR), language="en")
    assert book.sheetnames[:2] == ["Summary", "Ranking"]
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header[:5] == ("Name", "Group", "Sector", "On the roster", "Events expected")
    assert header[10:13] == ("Adopted (city)", "Adopted (provincial)", "Adopted (national)")
    alice = rows_of(book["爱丽丝"])
    assert alice[0] == ("Name", "爱丽丝", "Year", "2025")
    assert alice[8] == (day(3, 6), "三月读书会", "Reading day", "Present")


async def test_only_staff_export_and_each_export_is_audited(db: Database,
                                                            world: DutyWorld) -> None:
    exporter = DutyExporter(service(db))
    for phone in (ALICE, BOB):  # a leader, a member
        with pytest.raises(NotAllowed):
            await exporter.export(await actor(db, phone), ExportFormat.XLSX, DutyFilter(YEAR))
    assert await db.fetch_all("SELECT * FROM audit_log WHERE action = 'duty_export'") == []
    staff = await actor(db, STAFF)
    await exporter.export(staff, ExportFormat.XLSX, DutyFilter(YEAR, world.groups["第一活动组"]))
    audit = await db.fetch_all("SELECT * FROM audit_log WHERE action = 'duty_export'")
    assert len(audit) == 1 and audit[0]["actor_tg_id"] == staff.telegram_user_id
    assert json.loads(audit[0]["detail"]) == {
        "format": "xlsx", "year": YEAR, "group_id": world.groups["第一活动组"],
        "member_id": None, "members": 4, "files": ["duty.xlsx"],
    }
    with pytest.raises(BadFileName):
        await exporter.export(staff, ExportFormat.CSV, DutyFilter(YEAR))


# -- the command line ------------------------------------------------------------------------

def config_of(db: Database) -> Config:
    return Config(storage=StorageConfig(path=db.path))


async def run_export(db: Database, target: Path, **given: str | None) -> tuple[int, str]:
    out = io.StringIO()
    arguments: dict[str, Any] = {"year": None, "group": None, "member": None, **given}
    code = await export_duty_cli(config_of(db), target, out=out, **arguments)
    return code, out.getvalue()


async def test_export_duty_at_the_command_line(db: Database, world: DutyWorld,
                                               tmp_path: Path) -> None:
    target = tmp_path / "登记表.xlsx"
    assert await run_export(db, target, year="2025") == (0, f"已写入：{target}\n")
    assert rows_of(load_workbook(target)["鲍勃"])[16:19] == BOB_SHEET[16:19]
    assert await run_export(db, target, year="2025", group="第二活动组") == (
        0, f"已写入：{target}\n")
    assert load_workbook(target).sheetnames == ["汇总", "年度排名", "丁丁", "鄂尔"]
    assert (await run_export(db, target, year="2025", member="+86 138-0000-0002"))[0] == 0
    assert load_workbook(target).sheetnames == ["汇总", "年度排名", "鲍勃"]
    audit = await db.fetch_all("SELECT actor_tg_id FROM audit_log WHERE action = 'duty_export'")
    assert [row["actor_tg_id"] for row in audit] == [None, None, None]


@pytest.mark.parametrize(
    ("given", "name", "says"),
    [
        ({"year": "1999"}, "a.xlsx", "--year “1999”：请写2000至"),
        ({"year": "２０２５年"}, "a.xlsx", "：请写2000至"),
        ({"year": "3000"}, "a.xlsx", "：请写2000至"),
        ({"group": "第九活动组"}, "a.xlsx",
         "没有活动组“第九活动组”（现有：第一活动组、第二活动组）"),
        ({"group": "第一活动组,第二活动组"}, "a.xlsx", "请只写一个活动组"),
        ({"member": "13800000099"}, "a.xlsx", "名册中没有这个手机号"),
        ({"member": "12345"}, "a.xlsx", "不是手机号"),
        ({"member": STAFF}, "a.xlsx", "是机关工作人员（孙工），机关工作人员没有履职档案"),
        ({"member": BOB, "group": "第一活动组"}, "a.xlsx", "--group 和 --member 只能给出其一"),
        ({}, "a.csv", "履职登记表每位委员一个工作表，请写 .xlsx 文件名"),
        ({}, "a.pdf", "履职登记表每位委员一个工作表，请写 .xlsx 文件名"),
    ],
)
async def test_export_duty_refuses_bad_arguments_in_one_line(
    db: Database, world: DutyWorld, tmp_path: Path, given: dict[str, str], name: str,
    says: str,
) -> None:
    code, output = await run_export(db, tmp_path / name, **given)
    assert code == 2
    assert output.count("\n") == 1 and output.startswith("export: ") and says in output
    assert not (tmp_path / name).exists()


async def test_grades_at_the_command_line(db: Database, world: DutyWorld) -> None:
    config = config_of(db)
    out = io.StringIO()
    given: dict[str, Any] = {"year": "2025", "member": ALICE, "satisfaction": None, "out": out}
    assert await grade_cli(config, conduct="优秀", remarks="积极  参加", **given) == 0
    assert await grade_cli(config, conduct=" 良好 ", remarks="", **given) == 0  # deleted
    assert out.getvalue().splitlines() == [
        "爱丽丝（13800000001）2025年作风表现：（无） → 优秀（积极 参加）",
        "爱丽丝（13800000001）2025年作风表现：优秀（积极 参加） → 良好；备注已删除",
    ]
    rows = await db.fetch_all("SELECT grade, remarks, set_by FROM duty_grades")
    assert [tuple(r) for r in rows] == [("良好", "", None)]
    audit = await db.fetch_all("SELECT actor_tg_id, detail FROM audit_log "
                               "WHERE action = 'duty.grade' ORDER BY id")
    assert [json.loads(r["detail"])["before"] for r in audit] == [None, "优秀"]
    book = await workbook(db, DutyFilter(YEAR))
    alice = next(r for r in book.worksheets[0].iter_rows(values_only=True) if r[0] == "爱丽丝")
    assert alice[22:26] == ("良好", None, None, None)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"conduct": None}, "请给出 --conduct 或 --satisfaction 之一"),
        ({"satisfaction": "满意"}, "请给出 --conduct 或 --satisfaction 之一"),
        ({"conduct": "优" * 21}, "评价须为优秀、良好、一般、较差之一"),
        ({"conduct": "   "}, "评价须为优秀、良好、一般、较差之一"),
        ({"conduct": "95"}, "评价须为优秀、良好、一般、较差之一"),
        ({"remarks": "很" * 201}, "--remarks 有201字，最多200字"),
        ({"member": "13800000099"}, "名册中没有这个手机号"),
        ({"member": STAFF}, "机关工作人员没有履职档案"),
        ({"year": "2099"}, "：请写2000至"),
        ({"year": "last"}, "：请写2000至"),
    ],
)
async def test_grade_refuses_bad_arguments_in_one_line(
    db: Database, world: DutyWorld, changes: dict[str, Any], says: str
) -> None:
    out = io.StringIO()
    given: dict[str, Any] = {"year": "2025", "member": ALICE, "conduct": "优秀",
                             "satisfaction": None, "remarks": "", **changes}
    assert await grade_cli(config_of(db), out=out, **given) == 2
    assert out.getvalue().count("\n") == 1 and says in out.getvalue()
    assert await db.fetch_all("SELECT * FROM duty_grades") == []


async def test_the_commands_are_declared(db: Database, world: DutyWorld, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\npath = "{db.path}"\n', encoding="utf-8")
    target = tmp_path / "out.xlsx"
    code = await _main(["--config", str(config), "export", "duty", "--year", "2025",
                        "--group", "第一活动组", "--out", str(target)])
    assert code == 0 and capsys.readouterr().out == f"已写入：{target}\n"
    code = await _main(["--config", str(config), "duty", "grade", "--year", "2025",
                        "--member", BOB, "--satisfaction", "满意", "--remarks", "好评"])
    assert code == 0
    assert capsys.readouterr().out.endswith("2025年群众满意度：（无） → 满意（好评）\n")
    code = await _main(["--config", str(config), "duty", "grade", "--year", "2025",
                        "--member", BOB, "--satisfaction", "基本满意", "--lang", "en"])
    assert code == 0
    assert capsys.readouterr().out == (
        "satisfaction (群众满意度) of 鲍勃 (13800000002) for 2025: 满意 (好评) → 基本满意 (好评); "
        "remarks kept\n")
    code = await _main(["--config", str(config), "export", "duty", "--year", "2025",
                        "--member", "12345", "--out", str(target), "--lang", "en"])
    assert code == 2
    assert capsys.readouterr().out == (
        "export: --member '12345' is not a phone number like 13800000001\n")


async def _main(argv: list[str]) -> int:
    """liaison.cli.main runs its own event loop: in a thread here."""
    return await asyncio.to_thread(main, argv)


def test_ranks_share_equal_places() -> None:
    assert ranks([]) == []
    assert ranks([(1,), (1,), (1,)]) == [1, 1, 1]
    assert ranks([3, 2, 2, 1]) == [1, 2, 2, 4]
