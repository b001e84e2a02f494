"""The roster import warns of a new group whose name differs from an existing one (or from
another new one) only by a slip: a space, full-width characters, punctuation, 一 for 1. It asks
before creating it, as it asks before deactivating members; nothing is written unless the
operator confirms (--yes, or yes at a terminal)."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.config import Config
from bot.members.cli import import_roster_cli
from liaison.cli import main
from tests.clock import FrozenClock

HEADER = "name,phone,sector,group,role\n"
FIRST = HEADER + "A,13800000001,,第一活动组,leader\nB,13800000002,,第二活动组,member\n"
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = Config.model_validate(
        {"telegram": {"token": "1:x"}, "storage": {"path": str(tmp_path / "bot.db")}}
    )
    config.clock = FrozenClock(NOW)
    return config


def roster_file(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def answering(answer: str, asked: list[str]) -> Callable[[str], str]:
    def ask(question: str) -> str:
        asked.append(question)
        return answer

    return ask


def groups(config: Config) -> list[str]:
    with sqlite3.connect(config.storage.path) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM activity_groups ORDER BY id")]


def members(config: Config) -> list[tuple[str, str | None]]:
    with sqlite3.connect(config.storage.path) as conn:
        return conn.execute(
            "SELECT m.name, g.name FROM members m LEFT JOIN activity_groups g "
            "ON g.id = m.group_id ORDER BY m.id").fetchall()


async def test_a_group_that_looks_like_another_is_created_only_when_confirmed(
    tmp_path: Path, config: Config
) -> None:
    assert await import_roster_cli(config, roster_file(tmp_path, FIRST, "first.csv"),
                                   dry_run=False, out=io.StringIO()) == 0
    before = members(config)
    slips = roster_file(
        tmp_path,
        FIRST + "C,13800000003,,第 一活动组,member\n"  # a stray space
        "D,13800000004,,第１活动组,member\n"  # a full-width digit, 1 for 一
        "E,13800000005,,第三活动组,member\n"  # a new group like no other: no question
        "F,13800000006,,第 三 活动组,member\n",  # like the new group two rows above
        "slips.csv",
    )

    # a dry run shows the warnings and asks nothing
    asked: list[str] = []
    out = io.StringIO()
    assert await import_roster_cli(config, slips, dry_run=True, out=out,
                                   ask=answering("yes", asked)) == 0
    warnings = [line for line in out.getvalue().splitlines() if line.startswith("  !")]
    assert warnings == [
        "  ! 活动组“第 一活动组”（第4行）与“第一活动组”相似：文件是否有误？",
        "  ! 活动组“第1活动组”（第5行）与“第一活动组”相似：文件是否有误？",
        "  ! 活动组“第 三 活动组”（第7行）与“第三活动组”相似：文件是否有误？",
    ]
    assert asked == []
    assert groups(config) == ["第一活动组", "第二活动组"]

    # asked, and not confirmed: nothing at all is written
    out, asked = io.StringIO(), []
    assert await import_roster_cli(config, slips, dry_run=False, out=out,
                                   ask=answering("n", asked)) == 1
    assert asked == ["仍要新建活动组“第 一活动组”、“第1活动组”、“第 三 活动组”吗？[是/否] "]
    assert warnings[0] in out.getvalue()
    assert out.getvalue().splitlines()[-1] == (
        "未写入任何内容：请更正文件中的活动组名称（或确认新建）")
    assert groups(config) == ["第一活动组", "第二活动组"]
    assert members(config) == before

    # confirmed: created, and the import's audit row says which look-alikes were accepted
    out, asked = io.StringIO(), []
    assert await import_roster_cli(config, slips, dry_run=False, out=out,
                                   ask=answering("yes", asked)) == 0
    assert len(asked) == 1
    assert groups(config) == ["第一活动组", "第二活动组", "第 一活动组", "第1活动组", "第三活动组",
                              "第 三 活动组"]
    with sqlite3.connect(config.storage.path) as conn:
        [(detail,)] = conn.execute("SELECT detail FROM audit_log WHERE action = 'roster_import' "
                                   "ORDER BY id DESC LIMIT 1").fetchall()
    assert json.loads(detail)["lookalike_groups"] == ["第 一活动组", "第1活动组", "第 三 活动组"]

    # importing the same file again: the groups exist now, nothing is asked
    asked = []
    assert await import_roster_cli(config, slips, dry_run=False, out=io.StringIO(),
                                   ask=answering("n", asked)) == 0
    assert asked == []


def test_without_a_terminal_the_import_asks_for_yes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """From a script (stdin not a terminal) the question cannot be asked: without --yes the
    answer is no, and the operator is told to add --yes."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    toml = tmp_path / "config.toml"
    toml.write_text(f'[telegram]\ntoken = "1:x"\n[storage]\npath = "{tmp_path / "bot.db"}"\n',
                    encoding="utf-8")
    first = roster_file(tmp_path, FIRST, "first.csv")
    assert main(["--config", str(toml), "members", "import", str(first)]) == 0
    slip = roster_file(tmp_path, FIRST + "C,13800000003,,第一活动组 ,member\n"
                       "D,13800000004,,第一 活动组,member\n", "slip.csv")
    capsys.readouterr()
    assert main(["--config", str(toml), "members", "import", str(slip)]) == 1
    printed = capsys.readouterr().out
    assert ("仍要新建活动组“第一 活动组”吗？[是/否] 否（不在终端中运行，无法询问：确认请加 --yes）"
            in printed)
    assert printed.splitlines()[-1] == "未写入任何内容：请更正文件中的活动组名称（或确认新建）"
    # the same in English, on request
    assert main(["--config", str(toml), "--lang", "en", "members", "import", str(slip)]) == 1
    printed = capsys.readouterr().out
    assert ("  ! group 第一 活动组 (row 5) looks like the group 第一活动组: a slip in the file?"
            in printed)
    assert "Create the group 第一 活动组 all the same? [y/N] no (not a terminal: add --yes to " \
           "confirm)" in printed
    assert printed.splitlines()[-1] == (
        "nothing written: correct the group names in the file (or confirm to create them)")
    assert main(["--config", str(toml), "members", "import", str(slip), "--yes"]) == 0
    assert "仍要新建活动组“第一 活动组”吗？[是/否] 是（--yes）" in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        assert conn.execute("SELECT g.name FROM members m JOIN activity_groups g "
                            "ON g.id = m.group_id WHERE m.name = 'D'").fetchall() == [
            ("第一 活动组",)]
