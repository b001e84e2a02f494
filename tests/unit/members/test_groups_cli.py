"""`liaison-bot groups list | rename | merge | delete`, run as the operator runs them
(liaison.cli.main): what is printed, what is stored, and the refusals. A group made by a slip in
the roster ("第 一活动组") is merged into the one meant; its members keep one unbroken
membership there, its events, reminders, supervision records and chat follow; a group is
deleted only when nothing names it; each change is audited, shown first, and written only
once confirmed."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.members.roster import RosterRow, apply_import
from domain.models import Role
from liaison.cli import main
from storage.db import Database, to_db_time
from storage.members import MemberRepository
from tests.clock import FrozenClock

FIRST = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # the first roster
SLIP = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a roster with a slip in the group column
ONE, SLIPPED, TWO, EMPTY = "第一活动组", "第 一活动组", "第二活动组", "第四活动组"


def row(name: str, phone: str, group: str | None, role: Role = Role.MEMBER) -> RosterRow:
    return RosterRow(line=2, name=name, phone=phone, sector="", group=group, role=role)


ROSTER = [row("李四", "13800000001", ONE, Role.LEADER), row("张三", "13800000002", ONE),
          row("赵六", "13800000003", TWO, Role.LEADER), row("王五", "13800000004", TWO),
          row("机关", "13900000001", None, Role.STAFF)]


class World:
    """A database with the roster, a slip, events, a reminder, a supervision record, chats."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "bot.db"
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'[telegram]\ntoken = "1:x"\n[storage]\npath = "{self.path}"\n', encoding="utf-8")
        asyncio.run(self._build())

    async def _build(self) -> None:
        async with Database(self.path, FrozenClock(FIRST)) as db:
            await apply_import(db, ROSTER, source="first.xlsx")
        async with Database(self.path, FrozenClock(SLIP)) as db:
            # 张三 moved to the slip, 钱七 added in it; 孙八 too, who then leaves the roster
            await apply_import(db, [*ROSTER[:1], row("张三", "13800000002", SLIPPED), *ROSTER[2:],
                                    row("钱七", "13800000005", SLIPPED, Role.LEADER),
                                    row("孙八", "13800000006", SLIPPED)], source="slip.xlsx")
            sun = await MemberRepository(db).by_phone("13800000006")
            assert sun is not None
            await apply_import(db, [*ROSTER[:1], row("张三", "13800000002", SLIPPED),
                                    *ROSTER[2:], row("钱七", "13800000005", SLIPPED, Role.LEADER)],
                               source="slip.xlsx", deactivate=[sun.id])
            async with db.transaction() as conn:
                await MemberRepository.ensure_group(conn, EMPTY, now=SLIP)
                ids = {name: await MemberRepository.ensure_group(conn, name, now=SLIP)
                       for name in (ONE, SLIPPED, TWO)}
                stamp = to_db_time(SLIP)
                for event_id, groups in ((1, [SLIPPED]), (2, [ONE, SLIPPED]), (3, [TWO])):
                    await conn.execute(
                        "INSERT INTO events(id, type, title, starts_at, ends_at, created_at, "
                        "updated_at) VALUES (?, 'meeting', ?, ?, ?, ?, ?)",
                        (event_id, f"活动{event_id}", "2026-03-10T01:00:00.000000+00:00",
                         "2026-03-10T03:00:00.000000+00:00", stamp, stamp))
                    await conn.executemany(
                        "INSERT INTO event_groups(event_id, group_id) VALUES (?, ?)",
                        [(event_id, ids[g]) for g in groups])
                audience = json.dumps({"everyone": False, "group_ids": [ids[SLIPPED], ids[TWO]],
                                       "roles": []})
                await conn.execute(
                    "INSERT INTO reminder_schedules(title, body, rule, audience, created_at, "
                    "updated_at) VALUES ('学习提醒', '请参加学习', '{}', ?, ?, ?)",
                    (audience, stamp, stamp))
                await conn.execute(
                    "INSERT INTO duty_runs(key, kind, due_at, started_at) "
                    "VALUES ('supervision:2026-Q1', 'supervision', ?, ?)", (stamp, stamp))
                await conn.execute(
                    "INSERT INTO supervision_nudges(run_key, member_id, group_id, shortfall) "
                    "SELECT 'supervision:2026-Q1', id, group_id, '{}' FROM members "
                    "WHERE name = '钱七'")
                await MemberRepository.bind_group_chat(conn, ids[ONE], -1001, "一组委员群",
                                                       now=SLIP)
                await MemberRepository.bind_group_chat(conn, ids[SLIPPED], -1002, "一组（误建）",
                                                       now=SLIP)

    def cli(self, *args: str) -> int:
        return main(["--config", str(self.config), "groups", *args])

    def cli_en(self, *args: str) -> int:
        return main(["--config", str(self.config), "--lang", "en", "groups", *args])

    def db(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql, params).fetchall()

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        tables = [name for (name,) in self.db(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {table: sorted(self.db(f'SELECT * FROM "{table}"'), key=repr) for table in tables}

    def group_id(self, name: str) -> int | None:
        found = self.db("SELECT id FROM activity_groups WHERE name = ?", (name,))
        return found[0][0] if found else None


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.delenv("LIAISON_BOT_CLOCK_OFFSET", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script: no terminal to ask at
    return World(tmp_path)


def answer_at_a_terminal(monkeypatch: pytest.MonkeyPatch, answer: str) -> list[str]:
    """stdin is a terminal where the operator types `answer`; the questions asked."""
    asked: list[str] = []

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def typed(question: str) -> str:
        asked.append(question)
        return answer

    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("builtins.input", typed)
    return asked


def printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_list_shows_what_each_group_holds_and_names_that_look_alike(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.cli("list") == 0
    lines = printed(capsys)
    assert lines[0].split() == ["活动组", "委员", "组长", "活动", "提醒", "群聊"]
    assert [line.split() for line in lines[2:6]] == [
        [ONE, "1", "李四", "1", "0", "“一组委员群”"],
        [TWO, "2", "赵六", "1", "1", "-"],
        ["第", "一活动组", "2（另1人已停用）", "钱七", "2", "1", "“一组（误建）”"],
        [EMPTY, "0", "-", "0", "0", "-"],
    ]
    assert lines[6:] == [
        "共4个活动组",
        f"  ! “{SLIPPED}”与“{ONE}”相似，是否有误？如需将“{SLIPPED}”的全部内容并入“{ONE}”："
        f"liaison-bot groups merge '{SLIPPED}' {ONE}",
    ]


def test_delete_only_an_empty_group(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.snapshot()
    assert world.cli("delete", SLIPPED) == 1
    assert printed(capsys) == [
        f"groups delete: 活动组“{SLIPPED}”不是空的（委员2人、已停用委员1人、活动2场、提醒1条、"
        "组员记录3条、督导记录1条、群聊“一组（误建）”），删除会丢失这些内容；请改为并入另一个"
        f"活动组，其全部内容将随之转入：liaison-bot groups merge '{SLIPPED}' {ONE}"]
    assert world.cli("delete", "第五活动组") == 1
    assert printed(capsys) == ["groups delete: 没有名为“第五活动组”的活动组（可用 liaison-bot "
                               "groups list 查看全部活动组）"]
    assert world.cli("delete", "第四 活动组") == 1
    assert printed(capsys) == ["groups delete: 没有名为“第四 活动组”的活动组；是否指"
                               f"“{EMPTY}”？（可用 liaison-bot groups list 查看全部活动组）"]

    # an empty group: shown, then (no terminal, no --yes) not deleted; a dry run writes nothing
    assert world.cli("delete", EMPTY) == 1
    assert printed(capsys) == [
        f"删除活动组“{EMPTY}”（该组没有任何关联内容）",
        f"删除活动组“{EMPTY}”吗？[是/否] 否（不在终端中运行，无法询问：确认请加 --yes）",
        "未写入任何内容"]
    assert world.cli("delete", EMPTY, "--dry-run") == 0
    assert printed(capsys)[-1] == "（试运行：未写入任何内容）"
    asked = answer_at_a_terminal(monkeypatch, "否")
    assert world.cli("delete", EMPTY) == 1
    assert asked == [f"删除活动组“{EMPTY}”吗？[是/否] "]
    assert world.snapshot() == before

    answer_at_a_terminal(monkeypatch, "是")
    assert world.cli("delete", EMPTY) == 0
    assert printed(capsys)[-1] == f"已删除活动组“{EMPTY}”"
    assert world.group_id(EMPTY) is None
    [(subject, detail)] = world.db(
        "SELECT subject, detail FROM audit_log WHERE action = 'group_delete'")
    assert json.loads(detail) == {"name": EMPTY} and subject.startswith("group:")


def test_rename_and_its_refusals(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    before = world.snapshot()
    two = world.group_id(TWO)
    assert world.cli("rename", TWO, ONE, "--yes") == 1
    assert printed(capsys) == [
        f"groups rename: 已有名为“{ONE}”的活动组；如要把一个活动组的全部内容并入另一个，请用 "
        f"liaison-bot groups merge FROM {ONE}"]
    assert world.cli("rename", TWO, " ", "--yes") == 1
    assert printed(capsys) == ["groups rename: 活动组名称须为1至100个字"]
    assert world.cli("rename", TWO, TWO, "--yes") == 1
    assert printed(capsys) == [f"groups rename: “{TWO}”是同一个活动组，无需操作"]
    assert world.cli("rename", "第二 活动组", "第二组", "--yes") == 1
    assert "是否指“第二活动组”？" in capsys.readouterr().out
    assert world.cli("rename", TWO, "第二组", "--dry-run") == 0
    assert printed(capsys) == [
        f"将活动组“{TWO}”改名为“第二组”；以下内容随之改用新名称：委员2人、活动1场、提醒1条、"
        "组员记录2条",
        f"  名册文件中如仍写“{TWO}”，下次导入时会再次新建该活动组：请一并更正名册文件",
        "（试运行：未写入任何内容）"]
    assert world.snapshot() == before

    assert world.cli("rename", TWO, "第２组 ", "--yes") == 0  # typed full-width: kept as 第2组
    assert printed(capsys)[-2:] == [f"将“{TWO}”改名为“第2组”吗？[是/否] 是（--yes）",
                                    f"已将活动组“{TWO}”改名为“第2组”"]
    assert world.group_id("第2组") == two and world.group_id(TWO) is None
    assert world.db("SELECT m.name FROM members m JOIN activity_groups g ON g.id = m.group_id "
                    "WHERE g.name = '第2组' ORDER BY m.id") == [("赵六",), ("王五",)]
    [(detail,)] = world.db("SELECT detail FROM audit_log WHERE action = 'group_rename'")
    assert json.loads(detail) == {"from": TWO, "to": "第2组"}


def test_merge_moves_everything_and_keeps_the_members_history(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    one, slipped, two = world.group_id(ONE), world.group_id(SLIPPED), world.group_id(TWO)
    memberships_before = world.db(
        "SELECT m.name, gm.group_id, gm.joined_at, gm.left_at FROM group_memberships gm "
        "JOIN members m ON m.id = gm.member_id WHERE m.name IN ('张三', '钱七', '孙八') "
        "ORDER BY m.id, gm.id")
    assert memberships_before == [
        ("张三", one, None, to_db_time(SLIP)),
        ("张三", slipped, to_db_time(SLIP), None),
        ("钱七", slipped, to_db_time(SLIP), None),
        ("孙八", slipped, to_db_time(SLIP), None),
    ]
    before = world.snapshot()
    bind_elsewhere = "如需绑定到其他活动组，请在该群发送 /bindgroup；否则请将本助手移出该群"
    plan = [
        f"将活动组“{SLIPPED}”并入“{ONE}”，然后删除“{SLIPPED}”：",
        f"  委员：3人转入“{ONE}”，连同其组员记录（视同一直在“{ONE}”）",
        f"  组长：钱七同时成为“{ONE}”的组长",
        f"  活动：2场转为“{ONE}”的活动（该组委员应参加）",
        f"  提醒：1条改发“{ONE}”",
        f"  督导记录：1条归入“{ONE}”",
        f"  群聊：两个活动组都有群聊；“{ONE}”保留“一组委员群”，“{SLIPPED}”的“一组（误建）”不再"
        f"绑定（{bind_elsewhere}）",
    ]
    assert world.cli("merge", SLIPPED, ONE, "--dry-run") == 0
    assert printed(capsys) == [*plan, "（试运行：未写入任何内容）"]
    assert world.cli("merge", SLIPPED, ONE) == 1  # no terminal, no --yes
    assert printed(capsys)[-2:] == [
        f"将“{SLIPPED}”并入“{ONE}”吗？[是/否] 否（不在终端中运行，无法询问：确认请加 --yes）",
        "未写入任何内容"]
    assert world.cli("merge", ONE, ONE, "--yes") == 1
    assert printed(capsys) == [f"groups merge: “{ONE}”是同一个活动组，无需操作"]
    assert world.snapshot() == before

    assert world.cli("merge", SLIPPED, ONE, "--yes") == 0
    assert printed(capsys) == [
        *plan, f"将“{SLIPPED}”并入“{ONE}”吗？[是/否] 是（--yes）",
        f"已将活动组“{SLIPPED}”并入“{ONE}”：转入委员3人、活动2场、提醒1条；已删除“{SLIPPED}”",
        f"群聊“一组（误建）”不再绑定：{bind_elsewhere}"]
    assert world.group_id(SLIPPED) is None
    assert world.db("SELECT name, group_id FROM members WHERE name IN ('张三', '钱七', '孙八') "
                    "ORDER BY id") == [("张三", one), ("钱七", one), ("孙八", one)]
    # one unbroken membership for 张三 (the slip was 第一活动组 all along); the others joined
    # 第一活动组 when they joined the slip; no membership was begun or ended by the merge
    assert world.db(
        "SELECT m.name, gm.group_id, gm.joined_at, gm.left_at FROM group_memberships gm "
        "JOIN members m ON m.id = gm.member_id WHERE m.name IN ('张三', '钱七', '孙八') "
        "ORDER BY m.id, gm.id") == [
        ("张三", one, None, None),
        ("钱七", one, to_db_time(SLIP), None),
        ("孙八", one, to_db_time(SLIP), None),
    ]
    assert world.db("SELECT count(*) FROM group_memberships WHERE group_id = ?",
                    (slipped,)) == [(0,)]
    assert world.db("SELECT event_id, group_id FROM event_groups ORDER BY event_id") == [
        (1, one), (2, one), (3, two)]
    [(audience,)] = world.db("SELECT audience FROM reminder_schedules")
    assert set(json.loads(audience)["group_ids"]) == {one, two}
    assert world.db("SELECT group_id FROM supervision_nudges") == [(one,)]
    assert world.db("SELECT name, chat_id, chat_title FROM activity_groups WHERE chat_id IS NOT "
                    "NULL") == [(ONE, -1001, "一组委员群")]
    [(subject, detail)] = world.db(
        "SELECT subject, detail FROM audit_log WHERE action = 'group_merge'")
    assert subject == f"group:{one}"
    assert json.loads(detail) == {
        "from": SLIPPED, "from_id": slipped, "into": ONE, "members": 3, "memberships": 3,
        "events": 2, "reminder_schedules": 1, "supervision_records": 1,
        "chat": "left_unbound", "from_chat_id": -1002}


def test_a_merge_moves_the_chat_of_a_group_into_one_without(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    two = world.group_id(TWO)
    assert world.cli("merge", SLIPPED, TWO, "--yes") == 0
    out = printed(capsys)
    assert f"  群聊：“一组（误建）”成为“{TWO}”的群聊" in out
    assert world.db("SELECT id, chat_id, chat_title FROM activity_groups WHERE chat_id = -1002"
                    ) == [(two, -1002, "一组（误建）")]
    assert world.cli("list") == 0
    assert SLIPPED not in capsys.readouterr().out


def test_in_english_on_request(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """`--lang en`: the same answers, table and questions in English."""
    assert world.cli_en("list") == 0
    lines = printed(capsys)
    assert lines[0].split() == ["group", "members", "leaders", "events", "reminders", "chat"]
    assert lines[4].split() == ["第", "一活动组", "2", "(+1", "left)", "钱七", "2", "1",
                                "“一组（误建）”"]
    assert lines[6:] == [
        "4 group(s)",
        f"  ! {SLIPPED} looks like {ONE}: a slip? liaison-bot groups merge '{SLIPPED}' {ONE} "
        f"moves everything of {SLIPPED} to {ONE}",
    ]
    assert world.cli_en("delete", SLIPPED) == 1
    assert printed(capsys) == [
        f"groups delete: {SLIPPED} is not empty (2 member(s), 1 former member(s), 2 event(s), "
        "1 reminder schedule(s), 3 membership record(s), 1 supervision record(s), the chat "
        "“一组（误建）”): deleting it would lose them; merge it into another group instead, "
        f"which moves everything of it: liaison-bot groups merge '{SLIPPED}' {ONE}"]
    assert world.cli_en("delete", "第四 活动组") == 1
    assert printed(capsys) == ["groups delete: no group named '第四 活动组'; did you mean "
                               f"{EMPTY}? (liaison-bot groups list shows them)"]
    assert world.cli_en("rename", TWO, "第二组", "--dry-run") == 0
    assert printed(capsys) == [
        f"rename group {TWO} to 第二组; what names it follows the new name: 2 member(s), "
        "1 event(s), 1 reminder schedule(s), 2 membership record(s)",
        f"  a roster file that still names {TWO} would create that group again at the next "
        "import: correct the file too",
        "(dry run: nothing written)"]
    assert world.cli_en("merge", SLIPPED, ONE) == 1  # no terminal, no --yes
    assert printed(capsys)[-2:] == [
        f"Merge {SLIPPED} into {ONE}? [y/N] no (not a terminal: add --yes to confirm)",
        "nothing written"]
    assert world.cli_en("merge", SLIPPED, ONE, "--yes") == 0
    assert printed(capsys)[-2:] == [
        f"merged group {SLIPPED} into {ONE}: 3 member(s), 2 event(s), 1 reminder schedule(s) "
        f"moved; {SLIPPED} deleted",
        "the chat “一组（误建）” is no longer bound: send /bindgroup there to bind it to another "
        "group, or remove the assistant from it"]
    assert world.cli_en("delete", EMPTY, "--yes") == 0
    assert printed(capsys) == [f"delete group {EMPTY} (nothing names it)",
                               f"Delete group {EMPTY}? [y/N] yes (--yes)",
                               f"deleted group {EMPTY}"]
