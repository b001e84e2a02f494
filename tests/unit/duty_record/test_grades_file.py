"""Grades in bulk at the command line over the seeded 2025 (tests/duty_world.py):
`liaison-bot duty grades import FILE` (a good file written in one go and audited, every bad row
reported together and nothing written, a dry run, remarks kept on a regrade) and `duty grades
template` (the roster pre-filled with the year's grades, the allowed grades as a drop-down,
imported back unchanged), and `duty grade` keeping the earlier remarks."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from bot.core.cli import speaking
from bot.core.config import Config, StorageConfig
from bot.duty_record.grades_cli import grade_cli, grades_template_cli, import_grades_cli
from bot.duty_record.service import DutyRecordService
from domain.duty_models import Dimension
from liaison.cli import main
from storage.db import Database
from storage.members import MemberRepository
from tests.clock import clock_at
from tests.duty_world import ALICE, BOB, CHEN, DING, FENG, STAFF, YEAR, DutyWorld, seed_year

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 2 March 2026, 10:00 in Shanghai
HEADER = ["姓名", "手机号", "活动组", "作风表现", "作风表现备注", "群众满意度", "群众满意度备注"]
CONDUCT = '"优秀,良好,一般,较差"'
SATISFACTION = '"满意,基本满意,不满意"'


@pytest.fixture
async def world(db: Database) -> DutyWorld:
    return seed_year(db.path)


def config_of(db: Database) -> Config:
    config = Config(storage=StorageConfig(path=db.path))
    config.clock = clock_at(NOW)
    return config


async def grade_alice(db: Database, world: DutyWorld) -> None:
    """爱丽丝's 作风表现 of 2025 on record: 优秀, with remarks."""
    service = DutyRecordService(db, MemberRepository(db), ZONE, clock=lambda: NOW)
    await service.set_grade(None, world.members[ALICE], YEAR, Dimension.CONDUCT, "优秀",
                            "积极参加活动")


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


async def run_import(db: Database, path: Path, *, year: str | None = "2025",
                     dry_run: bool = False) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = await import_grades_cli(config_of(db), path, year=year, dry_run=dry_run, out=out)
    return code, out.getvalue().splitlines()


async def grades(db: Database) -> dict[tuple[int, str], tuple[str, str]]:
    rows = await db.fetch_all("SELECT member_id, dimension, grade, remarks FROM duty_grades "
                              "WHERE year = 2025")
    return {(r["member_id"], r["dimension"]): (r["grade"], r["remarks"]) for r in rows}


async def audited(db: Database) -> list[dict[str, Any]]:
    rows = await db.fetch_all("SELECT subject, detail, actor_tg_id FROM audit_log "
                              "WHERE action = 'duty.grade' ORDER BY id")
    return [{"subject": r["subject"], "actor": r["actor_tg_id"], **json.loads(r["detail"])}
            for r in rows]


GOOD_ROWS: list[list[object]] = [
    ["爱丽丝", "13800000001", "第一活动组", "良好", None, None, None],  # regrade, remarks kept
    ["鲍 勃", None, None, None, None, "满意", "群众反映好"],  # by name, a space in it
    [None, 13800000003, None, "一般", "需加强", "基本满意", None],  # by phone, a number cell
    ["丁丁", "13800000004", "第二活动组", None, None, None, None],  # nothing to grade yet
    ["冯离", "13800000007", None, "较差", None, None, None],  # left in July: 2025 is hers
]
GOOD_OUTPUT = [
    "  ~ 第2行：爱丽丝（13800000001）2025年作风表现：优秀（积极参加活动） → "
    "良好（积极参加活动）；备注保留",
    "  + 第3行：鲍勃（13800000002）2025年群众满意度：（无） → 满意（群众反映好）",
    "  + 第4行：陈晨（13800000003）2025年作风表现：（无） → 一般（需加强）",
    "  + 第4行：陈晨（13800000003）2025年群众满意度：（无） → 基本满意",
    "  + 第6行：冯离（13800000007）2025年作风表现：（无） → 较差",
]


async def test_a_good_file_is_written_in_one_go_and_audited(
    db: Database, world: DutyWorld, tmp_path: Path
) -> None:
    await grade_alice(db, world)
    path = write_xlsx(tmp_path / "grades.xlsx", HEADER, GOOD_ROWS)
    code, output = await run_import(db, path)
    assert code == 0, output
    assert output == [*GOOD_OUTPUT, "2025年：设定评价5项，未变0项，1行未填评价"]
    m = world.members
    assert await grades(db) == {
        (m[ALICE], "conduct"): ("良好", "积极参加活动"),
        (m[BOB], "satisfaction"): ("满意", "群众反映好"),
        (m[CHEN], "conduct"): ("一般", "需加强"),
        (m[CHEN], "satisfaction"): ("基本满意", ""),
        (m[FENG], "conduct"): ("较差", ""),
    }
    audit = await audited(db)
    assert len(audit) == 1 + 5  # 爱丽丝's first grade, then one row per grade of the file
    assert audit[1] == {"subject": f"member:{m[ALICE]}", "actor": None, "year": 2025,
                        "dimension": "conduct", "grade": "良好", "remarks": "积极参加活动",
                        "before": "优秀", "remarks_before": "积极参加活动",
                        "source": "grades.xlsx"}
    # the same file again changes nothing
    code, output = await run_import(db, path)
    assert output == ["2025年：设定评价0项，未变5项，1行未填评价"]
    assert len(await audited(db)) == 6


async def test_a_csv_file_in_english_and_gbk(db: Database, world: DutyWorld,
                                             tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    path.write_bytes("phone,name,conduct,conduct remarks\n13800000002,鲍勃,优秀,表现突出\n"
                     .encode("gb18030"))
    code, output = await run_import(db, path)
    assert code == 0, output
    assert await grades(db) == {(world.members[BOB], "conduct"): ("优秀", "表现突出")}


async def test_every_bad_row_is_reported_in_one_pass_and_nothing_written(
    db: Database, world: DutyWorld, tmp_path: Path
) -> None:
    async with db.transaction() as conn:  # a second 陈晨, in 第二活动组
        await conn.execute(
            "INSERT INTO members(name, phone, group_id, role, created_at, updated_at) "
            "VALUES ('陈晨', '13800000009', ?, 'member', '2024-12-01', '2024-12-01')",
            (world.groups["第二活动组"],))
    rows: list[list[object]] = [
        ["爱丽丝", "13800000001", None, "好", None, None, None],
        ["张三", None, None, "优秀", None, None, None],
        [None, "13800000099", None, "优秀", None, None, None],
        ["鲍勃", "13800000002", None, None, None, "满意", None],  # good
        ["鲍勃", None, None, "良好", None, None, None],
        ["孙工", STAFF, None, "优秀", None, None, None],
        ["陈晨", None, None, "良好", None, None, None],
        ["鄂尔", "13800000002", None, "良好", None, None, None],
        ["丁丁", None, None, None, "很好", None, None],
        [None, None, None, "优秀", None, None, None],
        ["鄂尔", "12345", None, "优秀", "很" * 201, "十分满意", None],
        ["鄂尔", None, None, "优秀", None, None, None],  # good
    ]
    path = write_xlsx(tmp_path / "grades.xlsx", HEADER, rows)
    code, output = await run_import(db, path)
    assert code == 1
    assert output == [
        "第2行：作风表现“好”不是可选的评价（优秀、良好、一般、较差）",
        "第3行：名册中没有名为张三的委员（请填手机号）",
        "第4行：名册中没有手机号13800000099",
        "第6行：与第5行是同一位委员（鲍勃，13800000002）",
        "第7行：孙工（13900000099）是机关工作人员，机关工作人员没有履职档案",
        "第8行：名册中有2位委员名为陈晨（13800000003、13800000009），请填手机号",
        "第9行：手机号13800000002是鲍勃的，不是鄂尔的",
        "第10行：填了作风表现备注，但没有填作风表现",
        "第11行：缺少姓名和手机号",
        "第12行：手机号“12345”格式有误",
        "第12行：作风表现备注有201字，最多200字",
        "第12行：群众满意度“十分满意”不是可选的评价（满意、基本满意、不满意）",
        "有问题的行共10行，未写入任何内容",
    ]
    with speaking("en"):
        code, output = await run_import(db, path)
    assert code == 1
    assert output == [
        "row 2: 作风表现 '好' is not one of 优秀, 良好, 一般, 较差",
        "row 3: no member named 张三 on the roster (give the phone)",
        "row 4: no one on the roster has the phone 13800000099",
        "row 6: same member as row 5 (鲍勃, 13800000002)",
        "row 7: 孙工 (13900000099) is staff: staff have no duty record",
        "row 8: 2 members named 陈晨 (13800000003, 13800000009): give the phone",
        "row 9: the phone 13800000002 is 鲍勃's, not 鄂尔's",
        "row 10: 作风表现备注 without a 作风表现 grade",
        "row 11: missing name and phone",
        "row 12: malformed phone '12345'",
        "row 12: 作风表现备注 is 201 characters; at most 200",
        "row 12: 群众满意度 '十分满意' is not one of 满意, 基本满意, 不满意",
        "10 bad row(s); nothing written",
    ]
    assert await grades(db) == {}
    assert await audited(db) == []


async def test_a_dry_run_prints_what_would_change_and_writes_nothing(
    db: Database, world: DutyWorld, tmp_path: Path
) -> None:
    await grade_alice(db, world)
    path = write_xlsx(tmp_path / "grades.xlsx", HEADER, GOOD_ROWS)
    code, output = await run_import(db, path, dry_run=True)
    assert code == 0
    assert output == [*GOOD_OUTPUT, "2025年：将设定评价5项，未变0项，1行未填评价"
                      "（试运行：未写入任何内容）"]
    assert await grades(db) == {(world.members[ALICE], "conduct"): ("优秀", "积极参加活动")}
    assert len(await audited(db)) == 1


async def test_remarks_are_kept_on_a_regrade_unless_new_ones_are_given(
    db: Database, world: DutyWorld, tmp_path: Path
) -> None:
    await grade_alice(db, world)
    rows: list[list[object]] = [["爱丽丝", ALICE, None, "良好", None, None, None]]
    code, output = await run_import(db, write_xlsx(tmp_path / "a.xlsx", HEADER, rows))
    assert code == 0
    assert output[0].endswith("优秀（积极参加活动） → 良好（积极参加活动）；备注保留")
    rows = [["爱丽丝", ALICE, None, "一般", "有所欠缺", None, None]]
    code, output = await run_import(db, write_xlsx(tmp_path / "b.xlsx", HEADER, rows))
    assert output[0].endswith("良好（积极参加活动） → 一般（有所欠缺）；备注已更改")
    rows = [["爱丽丝", ALICE, None, "一般", "-", None, None]]  # "-" clears them
    code, output = await run_import(db, write_xlsx(tmp_path / "c.xlsx", HEADER, rows))
    assert output[0].endswith("一般（有所欠缺） → 一般；备注已删除")
    assert await grades(db) == {(world.members[ALICE], "conduct"): ("一般", "")}

    # the single command alike
    out = io.StringIO()
    given: dict[str, Any] = {"year": "2025", "member": BOB, "satisfaction": None, "out": out}
    assert await grade_cli(config_of(db), conduct="优秀", remarks="积极参加", **given) == 0
    assert await grade_cli(config_of(db), conduct="良好", remarks=None, **given) == 0
    assert await grade_cli(config_of(db), conduct="良好", remarks="更正", **given) == 0
    assert out.getvalue().splitlines() == [
        "鲍勃（13800000002）2025年作风表现：（无） → 优秀（积极参加）",
        "鲍勃（13800000002）2025年作风表现：优秀（积极参加） → 良好（积极参加）；备注保留",
        "鲍勃（13800000002）2025年作风表现：良好（积极参加） → 良好（更正）；备注已更改",
    ]
    out = io.StringIO()
    given["out"] = out
    with speaking("en"):
        assert await grade_cli(config_of(db), conduct="优秀", remarks=None, **given) == 0
    assert out.getvalue().splitlines() == [
        "conduct (作风表现) of 鲍勃 (13800000002) for 2025: 良好 (更正) → 优秀 (更正); "
        "remarks kept",
    ]
    assert await grade_cli(config_of(db), conduct="良好", remarks="更正", **given) == 0
    assert (await grades(db))[world.members[BOB], "conduct"] == ("良好", "更正")


async def test_the_template_holds_the_roster_and_is_imported_back(
    db: Database, world: DutyWorld, tmp_path: Path
) -> None:
    await grade_alice(db, world)
    target = tmp_path / "评议2025.xlsx"
    out = io.StringIO()
    assert await grades_template_cli(config_of(db), target, year="2025", out=out) == 0
    assert out.getvalue() == f"已写入：{target}（2025年，委员6人）\n"

    book = load_workbook(target)
    sheet = book.worksheets[0]
    assert sheet.title == "2025年评议"
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        tuple(HEADER),
        ("爱丽丝", "13800000001", "第一活动组", "优秀", "积极参加活动", None, None),
        ("鲍勃", "13800000002", "第一活动组", None, None, None, None),
        ("陈晨", "13800000003", "第一活动组", None, None, None, None),
        ("冯离", "13800000007", "第一活动组", None, None, None, None),  # left in July 2025
        ("丁丁", "13800000004", "第二活动组", None, None, None, None),
        ("鄂尔", "13800000005", "第二活动组", None, None, None, None),
    ]  # staff (孙工) are not assessed: not there
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists == {"D2:D1000": CONDUCT, "F2:F1000": SATISFACTION}
    conduct_note = sheet["D1"].comment
    assert conduct_note is not None and "优秀、良好、一般、较差" in conduct_note.text
    assert "留空" in conduct_note.text and "-" in sheet["E1"].comment.text
    assert [s.title for s in book.worksheets][1:] == ["填写说明"]

    # imported back as it is: nothing changes
    code, output = await run_import(db, target)
    assert (code, output) == (0, ["2025年：设定评价0项，未变1项，5行未填评价"])
    # filled in and imported
    sheet["F3"] = "满意"
    sheet["D6"] = "良好"
    book.save(target)
    code, output = await run_import(db, target)
    assert code == 0 and output[-1] == "2025年：设定评价2项，未变1项，3行未填评价"
    assert (await grades(db))[world.members[DING], "conduct"] == ("良好", "")

    # a template of 2025 is not imported into another year by mistake
    code, output = await run_import(db, target, year=None)
    assert code == 1
    assert output == [f"{target}：工作表名为“2025年评议”；如要导入2025年的评价，请加 --year 2025"]


async def test_bad_arguments_of_the_template_and_the_import(
    db: Database, world: DutyWorld, tmp_path: Path
) -> None:
    out = io.StringIO()
    assert await grades_template_cli(config_of(db), tmp_path / "a.csv", year="2025",
                                     out=out) == 2
    assert await grades_template_cli(config_of(db), tmp_path / "a.xlsx", year="2099",
                                     out=out) == 2
    assert out.getvalue().splitlines() == [
        "duty grades template: a.csv：请写 .xlsx 文件名（评价列为下拉列表）",
        "duty grades template: --year “2099”：请写2000至2026之间的年份",
    ]
    path = write_xlsx(tmp_path / "g.xlsx", ["姓名", "备注"], [["鲍勃", "好"]])
    assert await run_import(db, path) == (1, [
        f"{path}：表头有“备注”列：请把备注写在“作风表现备注”或“群众满意度备注”列",
    ])
    path = write_xlsx(tmp_path / "h.xlsx", ["姓名", "手机号"], [["鲍勃", BOB]])
    assert await run_import(db, path) == (1, [
        f"{path}：表头须有“作风表现”或“群众满意度”列",
    ])
    with speaking("en"):
        assert await run_import(db, path) == (1, [
            f"{path}: the header row needs a 作风表现 or 群众满意度 column",
        ])
    assert await run_import(db, tmp_path / "none.xlsx") == (1, [
        f"{tmp_path / 'none.xlsx'}：没有这个文件：{tmp_path / 'none.xlsx'}",
    ])


async def test_the_commands_are_declared(db: Database, world: DutyWorld, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """`liaison-bot duty grades template | import` as typed (the year given: any clock)."""
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\npath = "{db.path}"\n', encoding="utf-8")
    target = tmp_path / "t.xlsx"
    base = ["--config", str(config), "duty", "grades"]
    assert await _main([*base, "template", "--year", "2025", "--out", str(target)]) == 0
    assert capsys.readouterr().out == f"已写入：{target}（2025年，委员6人）\n"
    book = load_workbook(target)
    book.worksheets[0]["D3"] = "良好"  # 鲍勃
    book.save(target)
    assert await _main([*base, "import", str(target), "--year", "2025", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("（试运行：未写入任何内容）")
    assert await _main([*base, "import", str(target), "--year", "2025", "--dry-run",
                        "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "  + row 3: conduct (作风表现) of 鲍勃 (13800000002) for 2025: (none) → 良好",
        "2025: 1 grade(s) would be set, 0 unchanged, 5 row(s) with no grade "
        "(dry run: nothing written)",
    ]
    assert await _main([*base, "import", str(target), "--year", "2025"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "  + 第3行：鲍勃（13800000002）2025年作风表现：（无） → 良好")
    assert await grades(db) == {(world.members[BOB], "conduct"): ("良好", "")}


async def _main(argv: list[str]) -> int:
    """liaison.cli.main runs its own event loop: in a thread here."""
    return await asyncio.to_thread(main, argv)
