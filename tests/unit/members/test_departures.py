"""Members who leave the roster: deactivated at import (after a listing and a confirmation) or
one by one; they keep their history in exports, are no longer expected or told, and a new
import that names them again brings them back."""

import io
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.attendance.export import AttendanceExporter, AttendanceFilter
from bot.core.auth import Actor
from bot.core.cli import speaking
from bot.core.config import Config
from bot.members.cli import deactivate_cli, import_roster_cli, list_members_cli
from bot.members.departures import deactivate_members
from domain.models import CheckInMethod, ReportStatus
from tests.clock import utc_now
from tests.unit.attendance.test_attendance import START, build_world
from tests.unit.reports.test_reports import open_world

HEADER = "name,phone,sector,group,role\n"
EVERYONE = HEADER + "A,13800000001,,g,member\nB,13800000002,,g,member\nC,13800000003,,g,leader\n"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config.model_validate(
        {"telegram": {"token": "1:x"}, "storage": {"path": str(tmp_path / "bot.db")}}
    )


def roster_file(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def states(config: Config) -> dict[str, bool]:
    """Name → active, as stored."""
    with sqlite3.connect(config.storage.path) as conn:
        rows = conn.execute("SELECT name, deactivated_at IS NULL FROM members").fetchall()
    return {name: bool(active) for name, active in rows}


def answering(answer: str, asked: list[str]) -> Callable[[str], str]:
    def ask(question: str) -> str:
        asked.append(question)
        return answer

    return ask


async def test_import_lists_the_missing_and_deactivates_them_only_when_confirmed(
    tmp_path: Path, config: Config
) -> None:
    everyone = roster_file(tmp_path, EVERYONE, "all.csv")
    assert await import_roster_cli(config, everyone, dry_run=False, out=io.StringIO()) == 0
    only_a = roster_file(tmp_path, HEADER + "A,13800000001,,g,member\n", "a.csv")

    out = io.StringIO()  # without asking for it: listed, kept
    assert await import_roster_cli(config, only_a, dry_run=False, out=out) == 0
    assert ("  ? B（13800000002）不在文件中（予以保留；加 --deactivate-missing 可将其停用）"
            in out.getvalue())
    assert states(config) == {"A": True, "B": True, "C": True}

    asked: list[str] = []
    out = io.StringIO()  # asked, and the answer is no: nothing written at all
    assert await import_roster_cli(config, only_a, dry_run=False, out=out,
                                   deactivate_missing=True, ask=answering("n", asked)) == 1
    assert asked == ["停用以上2人吗？[是/否] "]
    lines = out.getvalue().splitlines()
    assert "  - B（13800000002，g，委员）不在文件中" in lines
    assert "  - C（13800000003，g，组长）不在文件中" in lines
    assert lines[-1] == "未写入任何内容"
    assert states(config) == {"A": True, "B": True, "C": True}

    out = io.StringIO()  # asked, and confirmed
    assert await import_roster_cli(config, only_a, dry_run=False, out=out,
                                   deactivate_missing=True, ask=answering("yes", [])) == 0
    assert out.getvalue().splitlines()[-1] == "新增0人，更新0人，未变1人，停用2人"
    assert states(config) == {"A": True, "B": False, "C": False}
    with sqlite3.connect(config.storage.path) as conn:
        audit = conn.execute(
            "SELECT subject FROM audit_log WHERE action = 'member_deactivate'"
        ).fetchall()
    assert len(audit) == 2

    out = io.StringIO()  # the departed are not listed again; naming one again brings it back
    assert await import_roster_cli(config, only_a, dry_run=False, out=out,
                                   deactivate_missing=True, ask=answering("yes", [])) == 0
    assert "不在文件中" not in out.getvalue()
    back = roster_file(tmp_path, HEADER + "A,13800000001,,g,member\nB,13800000002,,g,member\n",
                       "ab.csv")
    out = io.StringIO()
    assert await import_roster_cli(config, back, dry_run=False, out=out) == 0
    assert "  ~ 第3行：B（13800000002）更新：重新启用" in out.getvalue()
    assert states(config) == {"A": True, "B": True, "C": False}


async def test_deactivate_one_by_one_and_list(tmp_path: Path, config: Config) -> None:
    everyone = roster_file(tmp_path, EVERYONE, "all.csv")
    assert await import_roster_cli(config, everyone, dry_run=False, out=io.StringIO()) == 0
    out = io.StringIO()
    assert await deactivate_cli(config, "138-0000-0002", out=out) == 0
    assert out.getvalue() == "B（13800000002）：已停用\n"
    out = io.StringIO()
    assert await deactivate_cli(config, "13800000002", out=out) == 0
    assert out.getvalue() == "B（13800000002）：此前已停用\n"
    out = io.StringIO()
    assert await deactivate_cli(config, "13900000000", out=out) == 1
    assert out.getvalue() == "名册中没有手机号为“13900000000”的委员\n"
    assert states(config) == {"A": True, "B": False, "C": True}

    out = io.StringIO()
    assert await list_members_cli(config, group=None, out=out) == 0
    names = [line.split()[0] for line in out.getvalue().splitlines()[2:-1]]
    assert names == ["A", "C"]
    assert out.getvalue().splitlines()[-1] == "共2人；另有1名已停用者未列出（加 --all 显示）"
    out = io.StringIO()
    assert await list_members_cli(config, group=None, out=out, everyone=True) == 0
    assert "已停用" in next(line for line in out.getvalue().splitlines()
                            if line.startswith("B "))
    assert out.getvalue().splitlines()[-1] == "共3人"


async def test_departures_in_english_on_request(tmp_path: Path, config: Config) -> None:
    """With `--lang en` the same answers are in English."""
    everyone = roster_file(tmp_path, EVERYONE, "all.csv")
    assert await import_roster_cli(config, everyone, dry_run=False, out=io.StringIO()) == 0
    only_a = roster_file(tmp_path, HEADER + "A,13800000001,,g,member\n", "a.csv")
    asked: list[str] = []
    out = io.StringIO()
    with speaking("en"):
        assert await import_roster_cli(config, only_a, dry_run=False, out=out,
                                       deactivate_missing=True, ask=answering("y", asked)) == 0
        assert asked == ["Deactivate these 2 member(s)? [y/N] "]
        lines = out.getvalue().splitlines()
        assert "  - B (13800000002, g, member) is not in the file" in lines
        assert "  - C (13800000003, g, leader) is not in the file" in lines
        assert lines[-1] == "0 added, 0 updated, 1 unchanged, 2 deactivated"
        out = io.StringIO()
        assert await deactivate_cli(config, "13800000002", out=out) == 0
        assert out.getvalue() == "B (13800000002): was deactivated already\n"
        out = io.StringIO()
        assert await list_members_cli(config, group=None, out=out) == 0
        assert out.getvalue().splitlines()[-1] == "1 member(s); 2 deactivated not shown (--all)"
        out = io.StringIO()
        back = roster_file(tmp_path, EVERYONE, "back.csv")
        assert await import_roster_cli(config, back, dry_run=True, out=out) == 0
        assert "  ~ row 3: B (13800000002) would be updated: reactivated" in out.getvalue()


async def test_the_departed_keep_their_history_and_are_no_longer_expected_or_told(
    tmp_path: Path,
) -> None:
    async for world in build_world(tmp_path / "t.db"):
        service, people = world.service, world.people
        past = await world.event()
        await service.check_in(people["委员三"], past, CheckInMethod.BUTTON, at=START)
        world.clock.now = START + timedelta(days=1)
        assert await deactivate_members(
            world.db, [people["委员三"], people["组长甲"]], source="test"
        ) == 2
        soon = utc_now() + timedelta(days=2)
        future = await world.event(starts_at=soon, ends_at=soon + timedelta(hours=2))

        # the past event's sheet still has them; the later event does not expect them
        both = AttendanceFilter(date_from=START.date(), date_to=soon.date() + timedelta(days=1))
        sheet = await AttendanceExporter(world.db, service).build(both)
        names_of = {(row.event_id, row.name) for row in sheet.rows}
        assert (past, "委员三") in names_of and (past, "组长甲") in names_of
        assert (future, "委员三") not in names_of and (future, "组长甲") not in names_of
        assert (future, "委员一") in names_of

        # no pushes: a member's leave goes to the staff, not to the departed leader
        leave = await service.ask_leave(people["委员一"], future, "出差")
        assert [m.name for m in leave.deciders] == ["工作人员"]
        change = await service.cancel_event(world.actor("工作人员"), future)
        told = {m.name for m in change.notify}
        assert "委员一" in told and not told & {"委员三", "组长甲"}

        # and cannot act: the departed leader holds no role any more
        leader = people["组长甲"]
        departed = (await world.service.members.by_id(leader.id))
        assert departed is not None and not departed.active
        actor = Actor.resolve(1001, departed, set())
        assert not actor.is_bound and not actor.is_leader


async def test_a_departed_authors_reports_stay_on_record_and_nobody_is_told(
    tmp_path: Path,
) -> None:
    async with open_world(tmp_path) as world:
        report = await world.report_in(ReportStatus.SUBMITTED, author="张三")
        zhang = await world.member("张三")
        assert await deactivate_members(world.db, [zhang], source="test") == 1
        staff = await world.actor("赵六")
        moved = await world.service.move(
            report.id, staff, ReportStatus.ACCEPTED, expected_status=ReportStatus.SUBMITTED
        )
        assert moved.report.status is ReportStatus.ACCEPTED  # kept, and reviewed as usual
        assert moved.notify_telegram_ids == ()  # but the departed author is not told
        assert moved.report.author_name == "张三"
