"""Roster files: reading CSV and XLSX, every bad row reported, all-or-nothing imports."""

import io
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.core.cli import speaking
from bot.core.config import Config
from bot.core.tables import TableFileError
from bot.members.cli import format_table, import_roster_cli, list_members_cli
from bot.members.roster import (
    apply_import,
    read_roster,
)
from domain.models import Role
from liaison.cli import main
from storage.db import Database
from storage.members import MemberRepository
from tests.clock import SYSTEM

HEADER = "name,phone,sector,group,role\n"
PHONE_FORMS = "（应为以1开头的11位手机号，或以+和国家代码开头的号码）"
ROLES = "（可填：委员、组长、副组长、工作人员、管理员）"


def write(tmp_path: Path, text: str, name: str = "roster.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config.model_validate(
        {"telegram": {"token": "1:x"}, "storage": {"path": str(tmp_path / "bot.db")}}
    )


def rows_of(path: Path) -> list[tuple[str, str, str, str | None, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT m.name, m.phone, m.sector, g.name, m.role FROM members m "
            "LEFT JOIN activity_groups g ON g.id = m.group_id ORDER BY m.phone"
        ).fetchall()


def test_chinese_headers_roles_and_phone_forms(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "姓名,手机号,界别,活动组,角色\n"
        "张三,+86 138-0000-0001,经济界,第一组,委员\n"
        "李四,0086 13900000002,教育界,第一组,组长\n"
        "王五,13700000003,,,工作人员\n"
        "赵六,+8613600000004,,,管理员\n",
        encoding="gb18030",
    )
    rows, errors = read_roster(path)
    assert errors == []
    assert [(r.name, r.phone, r.group, r.role) for r in rows] == [
        ("张三", "13800000001", "第一组", Role.MEMBER),
        ("李四", "13900000002", "第一组", Role.LEADER),
        ("王五", "13700000003", None, Role.STAFF),
        ("赵六", "13600000004", None, Role.ADMIN),
    ]


def test_every_bad_row_is_reported_with_its_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + ",13800000001,,g,member\n"  # row 2: no name
        + "A,12345,,g,member\n"  # row 3: malformed phone
        + "B,13800000003,,g,chief\n"  # row 4: unknown role
        + "C,13800000004,,g,\n"  # row 5: fine (role defaults to member)
        + ",,,,\n"  # row 6: blank, skipped
        + "D,138 0000 0004,,g,leader\n"  # row 7: same phone as row 5
        + "E,,,g,member\n"  # row 8: no phone
        + "F,13800000009,,,leader\n",  # row 9: leader without group
    )
    rows, errors = read_roster(path)
    assert [r.line for r in rows] == [5]
    assert [str(e) for e in errors] == [
        "第2行：缺少姓名",
        f"第3行：手机号格式不对：“12345”{PHONE_FORMS}",
        f"第4行：角色填写不对：“chief”{ROLES}",
        "第7行：与第5行手机号相同",
        "第8行：缺少手机号",
        "第9行：组长须填写活动组",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "文件是空的"),
        ("名字,电话号\nA,13800000001\n", "缺少：姓名、手机号"),
        ("name,姓名,phone\nA,B,13800000001\n", "表头中“姓名”列出现了两次"),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TableFileError, match=message):
        read_roster(write(tmp_path, text))


def test_wrong_file_type(tmp_path: Path) -> None:
    with pytest.raises(TableFileError, match=r"\.xlsx 或 \.csv"):
        read_roster(write(tmp_path, "x", name="roster.txt"))
    with pytest.raises(TableFileError, match="无法打开"):
        read_roster(write(tmp_path, "not a zip", name="roster.xlsx"))


def test_xlsx_with_numeric_phone_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "手机号", "界别", "活动组", "角色"])
    sheet.append(["张三", 13800000001, "经济界", "第一组", "组长"])
    sheet.append([None, None, None, None, None])
    sheet.append(["李四", 13900000002.0, None, "第一组", None])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    rows, errors = read_roster(path)
    assert errors == []
    assert [(r.line, r.phone, r.role) for r in rows] == [
        (2, "13800000001", Role.LEADER),
        (4, "13900000002", Role.MEMBER),
    ]


def test_mistyped_mainland_phones_are_bad_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "A,138000000011,,g,member\n"  # row 2: twelve digits
        + "B,23300000056,,g,member\n"  # row 3: does not start with 1
        + "C,+44 7700 900123,,g,member\n"  # row 4: international, marked with +
        + "D,447700900124,,g,member\n",  # row 5: a country code without its +
    )
    rows, errors = read_roster(path)
    assert [(r.line, r.phone) for r in rows] == [(4, "+447700900123")]
    assert [str(e) for e in errors] == [
        f"第2行：手机号格式不对：“138000000011”{PHONE_FORMS}",
        f"第3行：手机号格式不对：“23300000056”{PHONE_FORMS}",
        f"第5行：手机号格式不对：“447700900124”{PHONE_FORMS}",
    ]


def test_every_problem_of_every_row_in_one_pass(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "A,13800000001,,g,member\n"  # row 2: fine
        + "B,13800000002,,g,member\n"  # row 3: fine
        + "C,13800000003,,g,member\n"  # row 4: fine
        + ",13800000005,,g,chief\n"  # row 5: no name and an unknown role
        + "E,138 0000 0005,,g,member\n"  # row 6: same phone as row 5
        + "F,13800000002,,,leader\n",  # row 7: same phone as row 3, leader without group
    )
    rows, errors = read_roster(path)
    assert [r.line for r in rows] == [2, 3, 4]
    assert [str(e) for e in errors] == [
        "第5行：缺少姓名",
        f"第5行：角色填写不对：“chief”{ROLES}",
        "第6行：与第5行手机号相同",
        "第7行：组长须填写活动组",
        "第7行：与第3行手机号相同",
    ]


async def test_reimport_updates_by_phone(tmp_path: Path) -> None:
    first = write(tmp_path, HEADER + "A,13800000001,s1,g1,member\nB,13800000002,s1,g1,member\n")
    second = write(
        tmp_path,
        HEADER + "A,13800000001,s1,g1,member\nB2,13800000002,s2,g2,leader\n"
        "C,13800000003,,g2,member\n",
        name="second.csv",
    )
    async with Database(tmp_path / "bot.db", SYSTEM) as db:
        plan = await apply_import(db, read_roster(first)[0], source="first.csv")
        assert (len(plan.added), plan.new_groups) == (2, ["g1"])
        plan = await apply_import(db, read_roster(second)[0], source="second.csv")
        assert [r.name for r in plan.added] == ["C"]
        assert [(r.name, changed) for r, changed in plan.updated] == [
            ("B2", ["name", "sector", "group", "role"])
        ]
        assert [r.name for r in plan.unchanged] == ["A"]
        plan = await apply_import(db, read_roster(first)[0][:1], source="again.csv")
        assert [m.name for m in plan.not_in_file] == ["B2", "C"]  # kept, only reported
        assert len(await MemberRepository(db).list_members()) == 3
        audit = await db.fetch_all("SELECT subject FROM audit_log WHERE action='roster_import'")
        assert [row["subject"] for row in audit] == ["first.csv", "second.csv", "again.csv"]


async def test_cli_bad_rows_write_nothing(tmp_path: Path, config: Config) -> None:
    good = write(tmp_path, HEADER + "A,13800000001,,g,member\n", name="good.csv")
    assert await import_roster_cli(config, good, dry_run=False, out=io.StringIO()) == 0
    before = rows_of(config.storage.path)
    bad = write(tmp_path, HEADER + "A2,13800000001,,h,leader\nB,99,,g,member\nC,,,g,x\n")
    out = io.StringIO()
    assert await import_roster_cli(config, bad, dry_run=False, out=out) == 1
    assert out.getvalue().splitlines() == [
        f"第3行：手机号格式不对：“99”{PHONE_FORMS}",
        "第4行：缺少手机号",
        f"第4行：角色填写不对：“x”{ROLES}",
        "有问题的行共2行，未写入任何内容",
    ]
    assert rows_of(config.storage.path) == before == [("A", "13800000001", "", "g", "member")]


async def test_cli_dry_run_then_import_then_list(tmp_path: Path, config: Config) -> None:
    path = write(tmp_path, "姓名,手机号,界别,活动组,角色\n张三,13800000001,经济界,第一组,组长\n")
    out = io.StringIO()
    assert await import_roster_cli(config, path, dry_run=True, out=out) == 0
    assert out.getvalue().splitlines() == [
        "  + 第2行：张三（13800000001）将新增",
        "  + 将新建活动组“第一组”",
        "新增1人，更新0人，未变0人（试运行：未写入任何内容）",
    ]
    assert rows_of(config.storage.path) == []

    out = io.StringIO()
    assert await import_roster_cli(config, path, dry_run=False, out=out) == 0
    assert out.getvalue().splitlines()[-1] == "新增1人，更新0人，未变0人"
    assert rows_of(config.storage.path) == [("张三", "13800000001", "经济界", "第一组", "leader")]

    out = io.StringIO()
    assert await import_roster_cli(config, path, dry_run=False, out=out) == 0
    assert out.getvalue().splitlines()[-1] == "新增0人，更新0人，未变1人"

    out = io.StringIO()
    assert await list_members_cli(config, group="第一组", out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["姓名", "手机号", "界别", "活动组", "角色", "Telegram"]
    assert lines[2].split() == ["张三", "13800000001", "经济界", "第一组", "组长", "-"]
    assert lines[3] == "共1人"
    out = io.StringIO()
    assert await list_members_cli(config, group="nope", out=out) == 1
    assert out.getvalue() == "活动组“nope”中没有委员\n"


def test_table_aligns_wide_characters() -> None:
    table = format_table(["name", "x"], [["张三", "1"], ["Bob", "2"]])
    lines = table.splitlines()
    assert lines[2].index("1") + 2 == lines[3].index("2")  # 张三: 2 characters, 4 columns
    assert lines[1] == "----  -"


async def test_deputies_by_either_name_need_a_group_and_are_listed(
    tmp_path: Path, config: Config
) -> None:
    """副组长 / deputy (any case) is a role of its own; like a leader, it needs a group."""
    bad = write(
        tmp_path,
        "姓名,手机号,界别,活动组,角色\n"
        "孙副,13800000001,经济界,,副组长\n"
        "Dora,13800000002,,,Deputy\n"
        "钱副,13800000003,,第一组,副 组长\n",
        name="bad.csv",
    )
    out = io.StringIO()
    assert await import_roster_cli(config, bad, dry_run=False, out=out) == 1
    assert out.getvalue().splitlines()[:3] == [
        "第2行：副组长须填写活动组",
        "第3行：副组长须填写活动组",
        f"第4行：角色填写不对：“副 组长”{ROLES}",
    ]
    assert out.getvalue().splitlines()[-1] == "有问题的行共3行，未写入任何内容"

    good = write(
        tmp_path,
        "姓名,手机号,界别,活动组,角色\n"
        "孙副,13800000001,经济界,第一组,副组长\n"
        "Dora,13800000002,,第二组,DEPUTY\n"
        "李四,13800000004,,第一组,组长\n"
        "Eve,13800000005,,第二组,Deputy Leader\n",  # as the English list names it
        name="good.csv",
    )
    rows, errors = read_roster(good)
    assert errors == []
    assert [r.role for r in rows] == [Role.DEPUTY, Role.DEPUTY, Role.LEADER, Role.DEPUTY]
    out = io.StringIO()
    assert await import_roster_cli(config, good, dry_run=False, out=out) == 0
    assert rows_of(config.storage.path) == [
        ("孙副", "13800000001", "经济界", "第一组", "deputy"),
        ("Dora", "13800000002", "", "第二组", "deputy"),
        ("李四", "13800000004", "", "第一组", "leader"),
        ("Eve", "13800000005", "", "第二组", "deputy"),
    ]
    out = io.StringIO()
    with speaking("en"):
        assert await list_members_cli(config, group="第二组", out=out) == 0
    assert [line.split() for line in out.getvalue().splitlines()[2:4]] == [
        ["Dora", "13800000002", "第二组", "deputy", "leader", "-"],
        ["Eve", "13800000005", "第二组", "deputy", "leader", "-"],
    ]
    out = io.StringIO()
    assert await list_members_cli(config, group="第一组", out=out) == 0
    lines = out.getvalue().splitlines()
    assert sorted(line.split() for line in lines[2:4]) == [
        ["孙副", "13800000001", "经济界", "第一组", "副组长", "-"],
        ["李四", "13800000004", "第一组", "组长", "-"],  # no sector
    ]


async def test_a_member_made_deputy_by_a_later_file(tmp_path: Path) -> None:
    first = write(tmp_path, HEADER + "A,13800000001,,g1,member\nB,13800000002,,g1,deputy\n")
    second = write(tmp_path, HEADER + "A,13800000001,,g1,副组长\nB,13800000002,,g1,委员\n",
                   name="second.csv")
    async with Database(tmp_path / "bot.db", SYSTEM) as db:
        await apply_import(db, read_roster(first)[0], source="first.csv")
        plan = await apply_import(db, read_roster(second)[0], source="second.csv")
        assert [(r.name, changed) for r, changed in plan.updated] == [
            ("A", ["role"]), ("B", ["role"])]
        roles = {m.name: m.role for m in await MemberRepository(db).list_members()}
        assert roles == {"A": Role.DEPUTY, "B": Role.MEMBER}


def test_the_import_speaks_chinese_by_default_and_english_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`members import` and `members list` in the committee's language: Chinese unless
    `--lang en` (or `[committee] language = "en"`) asks for English."""
    toml = tmp_path / "config.toml"
    toml.write_text(f'[telegram]\ntoken = "1:x"\n[storage]\npath = "{tmp_path / "bot.db"}"\n',
                    encoding="utf-8")
    bad = write(tmp_path, HEADER + "A,13800000001,,g,member\nB,13800000002,,g,member\n"
                "C,13800000003,,g,member\nD,13800000004,,g,member\nE,13800000005,,,leader\n")
    command = ["--config", str(toml), "members", "import", str(bad)]
    assert main(command) == 1
    assert capsys.readouterr().out.splitlines() == [
        "第6行：组长须填写活动组", "有问题的行共1行，未写入任何内容"]
    assert main([*command, "--lang", "en"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "row 6: a leader needs a group", "1 bad row(s); nothing written"]

    good = write(tmp_path, HEADER + "A,13800000001,经济界,g,leader\n", name="good.csv")
    assert main(["--config", str(toml), "members", "import", str(good)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "新增1人，更新0人，未变0人"
    assert main(["--config", str(toml), "--lang", "en", "members", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "phone", "sector", "group", "role", "telegram"]
    assert lines[2].split() == ["A", "13800000001", "经济界", "g", "leader", "-"]
    assert lines[3:] == ["1 member(s)"]

    toml.write_text(toml.read_text(encoding="utf-8") + '[committee]\nlanguage = "en"\n',
                    encoding="utf-8")
    assert main(["--config", str(toml), "members", "import", str(good), "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        "0 added, 0 updated, 1 unchanged (dry run: nothing written)\n")
    assert main(["--config", str(toml), "--lang", "zh", "members", "list", "--group", "h"]) == 1
    assert capsys.readouterr().out == "活动组“h”中没有委员\n"
