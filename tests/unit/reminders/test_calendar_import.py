"""The office's holiday calendar from a file (`calendar import`): reading the CSV (with or
without a header, a BOM, Chinese kind words), every bad row reported with its number and
nothing written; the days written with their names in one audited transaction, reminders
already planned moved at once; and `calendar show` listing the whole year."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

import storage.db
from bot.core.cli import speaking
from bot.core.config import Config, StorageConfig
from bot.core.tables import RowError
from bot.reminders.audience import Audience
from bot.reminders.calendar import DayKind
from bot.reminders.calendar_import import (
    CalendarFileError,
    CalendarRow,
    read_calendar,
)
from bot.reminders.cli import calendar_import_cli, calendar_set_cli, calendar_show_cli, list_cli
from bot.reminders.service import ReminderService
from bot.reminders.timing import HolidayPolicy, Recurring
from storage.db import Database
from tests.clock import SYSTEM, clock_at

ZONE = ZoneInfo("Asia/Shanghai")
W, H = DayKind.WORKDAY, DayKind.HOLIDAY


def write(tmp_path: Path, text: str, name: str = "2027.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path) -> list[tuple[int, date, DayKind, str]]:
    rows, errors = read_calendar(path)
    assert errors == []
    return [(r.line, r.day, r.kind, r.name) for r in rows]


# -- reading the file ---------------------------------------------------------------------------
def test_a_file_with_a_chinese_header_and_chinese_kinds(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "日期,类型,名称\n"
        "2027-02-06,放假,春节\n"
        "2027/2/7,休息,春节\n"
        "2027年2月13日,调休上班,春节调休\n"
        "\n"  # row 5: blank, skipped
        "2027-02-20,上班,\n"
        "2027-10-01,节假日,国庆节\n"
        "2027-09-26,工作日,国庆节调休\n",
    )
    assert read(path) == [
        (2, date(2027, 2, 6), H, "春节"),
        (3, date(2027, 2, 7), H, "春节"),
        (4, date(2027, 2, 13), W, "春节调休"),
        (6, date(2027, 2, 20), W, ""),
        (7, date(2027, 10, 1), H, "国庆节"),
        (8, date(2027, 9, 26), W, "国庆节调休"),
    ]


def test_a_file_without_a_header_and_english_kinds(tmp_path: Path) -> None:
    path = write(tmp_path, "2027-01-01,holiday,元旦\n2027-02-20,WORKDAY\n20270221,Holiday,x\n")
    assert read(path) == [
        (1, date(2027, 1, 1), H, "元旦"),
        (2, date(2027, 2, 20), W, ""),
        (3, date(2027, 2, 21), H, "x"),
    ]


def test_excel_utf8_with_a_bom_and_crlf_and_gb18030(tmp_path: Path) -> None:
    text = "日期,类型,名称\r\n2027-02-06,放假,春节\r\n2027-02-20,上班,春节调休\r\n"
    expected = [(2, date(2027, 2, 6), H, "春节"), (3, date(2027, 2, 20), W, "春节调休")]
    assert read(write(tmp_path, text, "bom.csv", "utf-8-sig")) == expected
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert read(write(tmp_path, text, "gbk.csv", "gb18030")) == expected
    # a BOM before a file without a header is not part of the first date
    assert read(write(tmp_path, "2027-02-06,放假,春节\n", "bare.csv", "utf-8-sig")) == [
        (1, date(2027, 2, 6), H, "春节")
    ]


def test_an_xlsx_with_date_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日期", "类型", "名称"])
    sheet.append([datetime(2027, 2, 6), "放假", "春节"])
    sheet.append(["2027-02-20", "上班", None])
    path = tmp_path / "2027.xlsx"
    book.save(path)
    assert read(path) == [(2, date(2027, 2, 6), H, "春节"), (3, date(2027, 2, 20), W, "")]


def test_every_bad_row_is_reported_with_its_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "日期,类型,名称\n"
        "2027-02-06,放假,春节\n"  # row 2: fine
        "2027-02-30,放假,春节\n"  # row 3: no such day
        "2027-02-08,请假,春节\n"  # row 4: unknown kind
        "2027-02-09,,春节\n"  # row 5: no kind
        ",放假,春节\n"  # row 6: no date
        "2027/2/6,上班,春节调休\n"  # row 7: the date of row 2 again
        "tomorrow,vacation," + "长" * 51 + "\n"  # row 8: three problems
        "2027-02-08,放假,春节\n"  # row 9: the date of row 4 (bad itself) again
    )
    rows, errors = read_calendar(path)
    assert [str(e) for e in errors] == [
        "第3行：日期“2027-02-30”有误（请写成2027-02-06、2027/2/6或2027年2月6日）",
        "第4行：未能识别类型“请假”（请填上班/放假，或workday/holiday）",
        "第5行：缺少类型（上班/放假，或workday/holiday）",
        "第6行：缺少日期",
        "第7行：日期与第2行重复",
        "第8行：日期“tomorrow”有误（请写成2027-02-06、2027/2/6或2027年2月6日）",
        "第8行：未能识别类型“vacation”（请填上班/放假，或workday/holiday）",
        "第8行：名称超过50个字",
        "第9行：日期与第4行重复",
    ]
    assert rows == [CalendarRow(2, date(2027, 2, 6), H, "春节")]


def test_a_mistyped_date_in_the_first_row_is_a_bad_row_not_a_header(tmp_path: Path) -> None:
    rows, errors = read_calendar(write(tmp_path, "2027-13-01,放假,春节\n2027-02-07,放假,春节\n"))
    assert errors == [
        RowError(1, "日期“2027-13-01”有误（请写成2027-02-06、2027/2/6或2027年2月6日）")
    ]
    rows, errors = read_calendar(write(tmp_path, "二月六日,放假,春节\n"))
    assert [e.line for e in errors] == [1] and rows == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "文件是空的"),
        ("\n,,\n\n", "文件是空的"),
        ("日期,类型,名称\n", "文件中只有表头，没有日期"),
    ],
)
def test_a_file_without_days_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CalendarFileError) as refused:
        read_calendar(write(tmp_path, text, encoding="utf-8-sig"))
    assert str(refused.value) == message


def test_a_missing_file_or_another_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CalendarFileError, match="没有这个文件"):
        read_calendar(tmp_path / "nope.csv")
    with pytest.raises(CalendarFileError, match=r"请用 \.xlsx 或 \.csv 文件"):
        read_calendar(write(tmp_path, "2027-02-06,放假,春节\n", "2027.txt"))


def test_row_problems_are_chinese_by_default_and_english_on_request(tmp_path: Path) -> None:
    path = write(tmp_path, "2027-02-06,放假,春节\n2027-02-06,上班班,春节\n")
    _, errors = read_calendar(path)
    assert [str(e) for e in errors] == [
        "第2行：未能识别类型“上班班”（请填上班/放假，或workday/holiday）",
        "第2行：日期与第1行重复",
    ]
    with speaking("en"):
        _, errors = read_calendar(path)
        assert [str(e) for e in errors] == [
            "row 2: could not read the kind '上班班' (use workday/holiday, 上班/放假)",
            "row 2: same date as row 1",
        ]


# -- importing at the command line ----------------------------------------------------------
MONTHLY = "社情民意信息报送提醒"
FILE_2027 = (
    "\ufeff日期,类型,名称\r\n"
    "2027-02-06,放假,春节\r\n"
    "2027-02-10,放假,春节\r\n"
    "2027-02-11,放假,春节\r\n"
    "2027-02-20,上班,春节调休上班\r\n"
    "2027-10-09,上班,国庆节调休上班\r\n"
)


def config_at(path: Path, moment: datetime) -> Config:
    config = Config(storage=StorageConfig(path=path))
    config.clock = clock_at(moment)
    return config


def stored(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def add_monthly(config: Config) -> int:
    """A reminder on the 20th of each month at 09:00, a day off moving it to the next working
    day; its next time planned."""
    async with Database(config.storage.path, config.clock) as db:
        service = ReminderService(db, config.zone, config.reminders)
        schedule = await service.create(
            None, title=MONTHLY, body="请于本周内报送。", rule=Recurring(day="20", at="09:00"),
            audience=Audience.all_members(),
            policy=HolidayPolicy.NEXT, ack=False,
        )
        await service.plan()
    return schedule.id


async def run(
    command: Callable[..., Awaitable[int]], *args: object, **kwargs: object
) -> tuple[int, str]:
    """The command's exit status and what it printed."""
    out = io.StringIO()
    status = await command(*args, out=out, **kwargs)
    return status, out.getvalue()


async def test_import_writes_every_day_with_its_name_and_moves_planned_reminders(
    tmp_path: Path,
) -> None:
    # Monday 15 February 2027: the library does not know 2027's swaps, so Saturday the 20th is
    # a day off and the monthly reminder is planned for Monday the 22nd.
    config = config_at(tmp_path / "bot.db", datetime(2027, 2, 15, 10, 0, tzinfo=ZONE))
    schedule = await add_monthly(config)
    _, listed = await run(list_cli, config)
    assert "下次发送：2027-02-22 09:00" in listed, listed
    key = f"schedule:{schedule}:2027-02-20"

    path = write(tmp_path, FILE_2027, "2027调休.csv")
    status, printed = await run(calendar_import_cli, config, path, dry_run=True)
    assert status == 0
    assert printed == ("将写入5天：放假日3天，上班日2天（2027年5天）；新增或改动5天"
                       "（试运行：未写入任何内容）\n")
    assert stored(config.storage.path, "SELECT * FROM calendar_days") == []

    status, printed = await run(calendar_import_cli, config, path, dry_run=False)
    assert status == 0, printed
    assert printed == ("已写入5天：放假日3天，上班日2天（2027年5天）；新增或改动5天；"
                       "提醒已重新安排\n")
    assert stored(config.storage.path,
                  "SELECT day, kind, name, set_by FROM calendar_days ORDER BY day") == [
        ("2027-02-06", "holiday", "春节", None),
        ("2027-02-10", "holiday", "春节", None),
        ("2027-02-11", "holiday", "春节", None),
        ("2027-02-20", "workday", "春节调休上班", None),
        ("2027-10-09", "workday", "国庆节调休上班", None),
    ]
    # the reminder already planned moved to the 调休 Saturday at once
    assert stored(config.storage.path,
                  f"SELECT status, due_at FROM reminder_occurrences WHERE key = '{key}'") == [
        ("due", "2027-02-20T01:00:00.000000+00:00")
    ]
    _, listed = await run(list_cli, config)
    assert "下次发送：2027-02-20 09:00" in listed, listed
    audit = stored(config.storage.path,
                   "SELECT action, subject, detail FROM audit_log WHERE action LIKE 'calendar%'")
    assert [(a, s, json.loads(str(d))) for a, s, d in audit] == [
        ("calendar_import", "2027调休.csv",
         {"days": 5, "changed": 5, "holiday": 3, "workday": 2, "years": [2027]}),
    ]


async def test_a_file_with_a_bad_row_writes_nothing(tmp_path: Path) -> None:
    config = config_at(tmp_path / "bot.db", datetime(2026, 12, 15, 10, 0, tzinfo=ZONE))
    assert (await run(calendar_import_cli, config,
                      write(tmp_path, FILE_2027, "good.csv"), dry_run=False))[0] == 0
    before = stored(config.storage.path, "SELECT * FROM calendar_days ORDER BY day")
    bad = write(tmp_path, "2027-02-06,workday,春节\n2027-02-20,上班班,x\n2027-02-06,放假\n",
                "bad.csv")
    status, printed = await run(calendar_import_cli, config, bad, dry_run=False)
    assert status == 1
    assert printed == (
        "第2行：未能识别类型“上班班”（请填上班/放假，或workday/holiday）\n"
        "第3行：日期与第1行重复\n"
        "有问题的行共2行，未写入任何内容\n"
    )
    assert stored(config.storage.path, "SELECT * FROM calendar_days ORDER BY day") == before
    status, printed = await run(calendar_import_cli, config, tmp_path / "none.csv",
                                dry_run=False)
    assert (status, printed) == (1, f"{tmp_path / 'none.csv'}：没有这个文件："
                                    f"{tmp_path / 'none.csv'}\n")
    assert len(stored(config.storage.path,
                      "SELECT * FROM audit_log WHERE action = 'calendar_import'")) == 1


async def test_a_corrected_file_updates_and_lists_the_office_days_it_leaves_out(
    tmp_path: Path,
) -> None:
    config = config_at(tmp_path / "bot.db", datetime(2026, 12, 15, 10, 0, tzinfo=ZONE))
    await run(calendar_import_cli, config, write(tmp_path, FILE_2027, "a.csv"), dry_run=False)
    corrected = write(tmp_path, "2027-02-06,放假,春节\n2027-02-21,上班,春节调休上班\n"
                      "2027-10-09,上班,国庆调休\n", "b.csv")
    status, printed = await run(calendar_import_cli, config, corrected, dry_run=False)
    assert status == 0
    assert printed.splitlines() == [
        "  ? 2027-02-10（放假日，此前由机关设定）不在文件中：已保留；"
        "如需删除，请用 calendar set 2027-02-10 clear",
        "  ? 2027-02-11（放假日，此前由机关设定）不在文件中：已保留；"
        "如需删除，请用 calendar set 2027-02-11 clear",
        "  ? 2027-02-20（上班日，此前由机关设定）不在文件中：已保留；"
        "如需删除，请用 calendar set 2027-02-20 clear",
        "已写入3天：放假日1天，上班日2天（2027年3天）；新增或改动2天；提醒已重新安排",
    ]
    assert stored(config.storage.path, "SELECT day, kind, name FROM calendar_days "
                  "WHERE day IN ('2027-02-21', '2027-10-09') ORDER BY day") == [
        ("2027-02-21", "workday", "春节调休上班"), ("2027-10-09", "workday", "国庆调休"),
    ]
    # calendar set changes the kind, keeps the name, and is audited
    assert (await run(calendar_set_cli, config, date(2027, 10, 9), "holiday"))[0] == 0
    assert stored(config.storage.path,
                  "SELECT kind, name FROM calendar_days WHERE day = '2027-10-09'") == [
        ("holiday", "国庆调休")
    ]
    assert stored(config.storage.path, "SELECT action, subject, detail FROM audit_log "
                  "WHERE action = 'calendar_set'") == [
        ("calendar_set", "2027-10-09", '{"kind": "holiday"}')
    ]


async def test_show_lists_the_whole_year_the_office_days_marked(tmp_path: Path) -> None:
    config = config_at(tmp_path / "bot.db", datetime(2026, 12, 15, 10, 0, tzinfo=ZONE))
    status, shown = await run(calendar_show_cli, config, 2027)
    lines = shown.splitlines()
    assert status == 0
    assert lines[0] == ("2027年调休安排：尚未录入。请用 calendar import FILE 导入"
                        "（或用 calendar set DAY workday|holiday 逐日设定）")
    assert lines[1] == "放假日19天，调休上班日0天；其中机关设定0天"
    assert "  2027-02-06 放假日              周六  春节" in lines  # the library's
    assert not any("上班日" in line for line in lines[2:])  # no 调休 known yet

    await run(calendar_import_cli, config, write(tmp_path, FILE_2027), dry_run=False)
    _, shown = await run(calendar_show_cli, config, 2027)
    lines = shown.splitlines()
    assert lines[0] == "2027年调休安排：已录入"
    assert lines[1] == "放假日20天，调休上班日2天；其中机关设定5天"
    assert lines[2:] == [
        "  2027-01-01 放假日              周五  元旦",
        "  2027-02-05 放假日              周五  农历除夕",
        "  2027-02-06 放假日 （机关设定） 周六  春节",
        "  2027-02-07 放假日              周日  春节",
        "  2027-02-08 放假日              周一  春节",
        "  2027-02-09 放假日              周二  春节（补假）",
        "  2027-02-10 放假日 （机关设定） 周三  春节",  # the library: 春节（补假）
        "  2027-02-11 放假日 （机关设定） 周四  春节",
        "  2027-02-20 上班日 （机关设定） 周六  春节调休上班",
        "  2027-04-05 放假日              周一  清明节",
        "  2027-05-01 放假日              周六  劳动节",
        "  2027-05-02 放假日              周日  劳动节",
        "  2027-05-03 放假日              周一  劳动节（补假）",
        "  2027-05-04 放假日              周二  劳动节（补假）",
        "  2027-06-09 放假日              周三  端午节",
        "  2027-09-15 放假日              周三  中秋节",
        "  2027-10-01 放假日              周五  国庆节",
        "  2027-10-02 放假日              周六  国庆节",
        "  2027-10-03 放假日              周日  国庆节",
        "  2027-10-04 放假日              周一  国庆节（补假）",
        "  2027-10-05 放假日              周二  国庆节（补假）",
        "  2027-10-09 上班日 （机关设定） 周六  国庆节调休上班",
    ]
    with speaking("en"):
        _, shown = await run(calendar_show_cli, config, 2027)
    assert shown.splitlines()[:4] == [
        "2027: 调休 known",
        "20 holiday(s), 2 调休 working day(s); 5 set by the office",
        "  2027-01-01 holiday                     Fri  元旦",
        "  2027-02-05 holiday                     Fri  农历除夕",
    ]
    assert "  2027-02-06 holiday (set by the office) Sat  春节" in shown.splitlines()


async def test_show_names_the_librarys_swaps_and_the_office_overrides(tmp_path: Path) -> None:
    # 2026's 调休 is in the library. The office adds a day off after the Spring Festival and
    # 31 December (no name), and enters National Day as the library has it (no name either).
    config = config_at(tmp_path / "bot.db", datetime(2026, 1, 5, 10, 0, tzinfo=ZONE))
    await run(calendar_set_cli, config, date(2026, 12, 31), "holiday")
    await run(calendar_set_cli, config, date(2026, 10, 1), "holiday")
    await run(calendar_import_cli, config,
              write(tmp_path, "2026-02-24,放假,春节延休\n"), dry_run=False)
    _, shown = await run(calendar_show_cli, config, 2026)
    lines = shown.splitlines()
    assert lines[:2] == ["2026年调休安排：已录入",
                         "放假日24天，调休上班日6天；其中机关设定3天"]
    assert lines[2:4] == [
        "  2026-01-01 放假日              周四  元旦",
        "  2026-01-02 放假日              周五  休息日（由 2026-01-04 调休）",
    ]
    assert "  2026-01-04 上班日              周日  调休上班（2026-01-02 休息）" in lines
    assert lines[lines.index("  2026-02-23 放假日              周一  "
                             "休息日（由 2026-02-28 调休）") + 1] == (
        "  2026-02-24 放假日 （机关设定） 周二  春节延休")
    assert "  2026-10-01 放假日 （机关设定） 周四  国庆节" in lines
    assert "  2026-10-04" not in shown  # a Sunday of the break: an ordinary weekend day
    assert lines[-1] == "  2026-12-31 放假日 （机关设定） 周四  -"


async def test_0014_gives_the_office_days_of_a_deployed_database_no_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.db"
    every = storage.db.migrations()
    monkeypatch.setattr(storage.db, "migrations", lambda: [m for m in every if m[0] <= 13])
    async with Database(path, SYSTEM):
        pass
    monkeypatch.undo()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO calendar_days(day, kind, set_by, set_at) "
                     "VALUES ('2027-02-20', 'workday', NULL, '2026-12-15T02:00:00+00:00')")
    conn.close()
    async with Database(path, SYSTEM) as db:
        assert (await db.fetch_one("PRAGMA user_version"))[0] >= 14  # type: ignore[index]
    assert stored(path, "SELECT day, kind, name, set_at FROM calendar_days") == [
        ("2027-02-20", "workday", "", "2026-12-15T02:00:00+00:00")
    ]
