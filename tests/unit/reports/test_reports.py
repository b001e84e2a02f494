"""Report drafts and submission: saved as they go, limits, co-authors, numbering, versions.

The fixtures and helpers here are shared by the other test_reports_* files.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.auth import Actor, Refused
from bot.reports.service import ReportService
from bot.reports.workflow import Refusal
from bot.reports.writing import MAX_ATTACHMENTS, MAX_BODY, MAX_TITLE
from domain.models import (
    AttachmentKind,
    Member,
    Report,
    ReportCategory,
    ReportStatus,
)
from storage.db import Database, to_db_time
from storage.members import MemberRepository
from tests.clock import SYSTEM

SHANGHAI = ZoneInfo("Asia/Shanghai")

# name, phone, group, role, telegram id (None = not bound)
ROSTER = [
    ("张三", "13800000001", "第一活动组", "member", 501),
    ("李四", "13800000002", "第二活动组", "member", 502),
    ("王五", "13800000003", "第一活动组", "staff", 503),
    ("赵六", "13800000004", "第二活动组", "staff", 504),
    ("孙七", "13800000005", "第二活动组", "member", None),
]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    path: Path
    db: Database
    clock: FakeClock
    service: ReportService

    async def member(self, name: str) -> Member:
        found = [m for m in await MemberRepository(self.db).list_members() if m.name == name]
        assert len(found) == 1
        return found[0]

    async def actor(self, name: str) -> Actor:
        member = await self.member(name)
        assert member.telegram_user_id is not None
        return Actor.resolve(member.telegram_user_id, member, set())

    async def count(self, sql: str, *params: object) -> int:
        row = await self.db.fetch_one(sql, params)
        assert row is not None
        return int(row[0])

    async def audit(self, action: str) -> int:
        return await self.count("SELECT count(*) FROM audit_log WHERE action = ?", action)

    async def complete_draft(
        self, author: str, title: str = "老旧小区加装电梯", body: str = "建议简化审批。"
    ) -> Report:
        """A draft with a title, a category and a text, ready to submit."""
        member = await self.member(author)
        draft = await self.service.start_draft(member)
        await self.service.set_title(member, draft.id, title)
        await self.service.set_category(member, draft.id, ReportCategory.LIVELIHOOD)
        return await self.service.append_body(member, draft.id, body)

    async def submitted(self, author: str = "张三", title: str = "老旧小区加装电梯") -> Report:
        report = await self.complete_draft(author, title)
        return (await self.service.submit(await self.member(author), report.id)).report

    async def report_in(self, status: ReportStatus, author: str = "张三") -> Report:
        """A report brought to `status` along allowed moves, by 赵六 (staff)."""
        member = await self.member(author)
        if status is ReportStatus.DRAFT:
            return await self.complete_draft(author)
        report = await self.submitted(author)
        staff = await self.actor("赵六")
        path: dict[ReportStatus, list[tuple[ReportStatus, dict[str, object]]]] = {
            ReportStatus.SUBMITTED: [],
            ReportStatus.ACCEPTED: [(ReportStatus.ACCEPTED, {})],
            ReportStatus.RETURNED: [(ReportStatus.RETURNED, {"note": "请补充数据"})],
            ReportStatus.ADOPTED: [
                (ReportStatus.ACCEPTED, {}),
                (ReportStatus.ADOPTED, {"level": "city", "note": "市政府采用"}),
            ],
            ReportStatus.FORWARDED: [
                (ReportStatus.ACCEPTED, {}),
                (ReportStatus.FORWARDED, {"forwarded_to": "省政协"}),
            ],
            ReportStatus.KEPT: [(ReportStatus.ACCEPTED, {}), (ReportStatus.KEPT, {})],
            ReportStatus.NOT_ADOPTED: [
                (ReportStatus.ACCEPTED, {}),
                (ReportStatus.NOT_ADOPTED, {"note": "已有类似意见"}),
            ],
        }
        for to_status, extra in path[status]:
            result = await self.service.move(
                report.id, staff, to_status, expected_status=report.status,
                **extra,  # type: ignore[arg-type]
            )
            report = result.report
        assert report.status is status
        assert report.author_member_id == member.id
        return report


async def make_world(path: Path, clock: FakeClock) -> Database:
    db = Database(path, SYSTEM)
    await db.open()
    async with db.transaction() as conn:
        now = to_db_time(clock())
        for name, phone, group, role, tg_id in ROSTER:
            group_id = await MemberRepository.ensure_group(conn, group, now=SYSTEM())
            await conn.execute(
                "INSERT INTO members(name, phone, sector, group_id, role, telegram_user_id, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (name, phone, "经济界", group_id, role, tg_id, now, now),
            )
    return db


@asynccontextmanager
async def open_world(folder: Path) -> AsyncIterator[World]:
    """A fresh database with the roster above, a clock at 2026-03-02 10:00 Shanghai time."""
    clock = FakeClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    path = folder / "reports.db"
    db = await make_world(path, clock)
    try:
        yield World(path, db, clock, ReportService(db, MemberRepository(db), SHANGHAI, clock))
    finally:
        await db.close()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with open_world(tmp_path) as opened:
        yield opened


async def refused(awaitable: object) -> Refused:
    with pytest.raises(Refused) as info:
        await awaitable  # type: ignore[misc]
    return info.value


# -- drafts ------------------------------------------------------------------------------------


async def test_draft_is_kept_across_a_new_service_on_the_same_file(world: World) -> None:
    zhang = await world.member("张三")
    li = await world.member("李四")
    draft = await world.service.start_draft(zhang)
    await world.service.set_title(zhang, draft.id, "  关于  加装电梯\n的建议 ")
    await world.service.set_category(zhang, draft.id, ReportCategory.LIVELIHOOD)
    await world.service.append_body(zhang, draft.id, "第一段。", message_id=10)
    await world.service.append_body(zhang, draft.id, "  第二段。\n", message_id=11)
    await world.service.add_attachment(
        zhang, draft.id, AttachmentKind.PHOTO, "photo-file-1", "uniq-1"
    )
    await world.service.add_attachment(
        zhang, draft.id, AttachmentKind.DOCUMENT, "doc-file-1", "uniq-2",
        file_name="数据.pdf", mime="application/pdf",
    )
    await world.service.add_coauthor(zhang, draft.id, li.id)
    await world.db.close()

    # as after a restart: a new connection and a new service on the same file
    async with Database(world.path, SYSTEM) as reopened:
        service = ReportService(reopened, MemberRepository(reopened), SHANGHAI, world.clock)
        resumed = await service.current_draft(zhang)
        assert resumed is not None
        assert resumed.id == draft.id
        assert resumed.title == "关于 加装电梯 的建议"
        assert resumed.category is ReportCategory.LIVELIHOOD
        assert resumed.body == "第一段。\n第二段。"
        assert [(a.position, a.kind, a.file_id, a.file_name) for a in resumed.attachments] == [
            (1, AttachmentKind.PHOTO, "photo-file-1", None),
            (2, AttachmentKind.DOCUMENT, "doc-file-1", "数据.pdf"),
        ]
        assert [c.name for c in resumed.coauthors] == ["李四"]
        assert resumed.status is ReportStatus.DRAFT
        assert resumed.number is None
        assert [d.id for d in await service.list_drafts(zhang)] == [draft.id]
    await world.db.open()  # for the fixture to close


async def test_resume_picks_the_last_edited_draft(world: World) -> None:
    zhang = await world.member("张三")
    first = await world.service.start_draft(zhang)
    world.clock.advance(minutes=1)
    second = await world.service.start_draft(zhang)
    world.clock.advance(minutes=1)
    await world.service.set_title(zhang, first.id, "先写的")
    assert (await world.service.current_draft(zhang)).id == first.id  # type: ignore[union-attr]
    assert [d.id for d in await world.service.list_drafts(zhang)] == [first.id, second.id]
    assert await world.service.current_draft(await world.member("李四")) is None


async def test_the_same_message_delivered_twice_is_added_once(world: World) -> None:
    zhang = await world.member("张三")
    draft = await world.service.start_draft(zhang)
    await world.service.append_body(zhang, draft.id, "一", message_id=20)
    await world.service.append_body(zhang, draft.id, "一", message_id=20)
    again = await world.service.append_body(zhang, draft.id, "二", message_id=21)
    assert again.body == "一\n二"
    # the same photo of an album delivered again
    for _ in range(2):
        report = await world.service.add_attachment(
            zhang, draft.id, AttachmentKind.PHOTO, "f", "u-same"
        )
    assert len(report.attachments) == 1


async def test_title_limit(world: World) -> None:
    zhang = await world.member("张三")
    draft = await world.service.start_draft(zhang)
    error = await refused(world.service.set_title(zhang, draft.id, "长" * 1000))
    assert (error.reason, error.length, error.limit) == (Refusal.TITLE_TOO_LONG, 1000, MAX_TITLE)
    assert (await refused(world.service.set_title(zhang, draft.id, " \n "))).reason is (
        Refusal.TITLE_EMPTY
    )
    assert (await world.service.set_title(zhang, draft.id, "题" * MAX_TITLE)).title == (
        "题" * MAX_TITLE
    )
    stored = await world.service.editable_report(zhang, draft.id)
    assert stored.title == "题" * MAX_TITLE


async def test_body_limit_counts_the_joined_text(world: World) -> None:
    zhang = await world.member("张三")
    draft = await world.service.start_draft(zhang)
    await world.service.append_body(zhang, draft.id, "字" * 4000)
    error = await refused(world.service.append_body(zhang, draft.id, "多" * 1000))
    # 4000 + the newline + 1000
    assert (error.reason, error.length, error.limit) == (Refusal.BODY_TOO_LONG, 5001, MAX_BODY)
    assert len((await world.service.editable_report(zhang, draft.id)).body) == 4000
    full = await world.service.append_body(zhang, draft.id, "好" * 999)
    assert len(full.body) == MAX_BODY
    assert (await refused(world.service.append_body(zhang, draft.id, "  "))).reason is (
        Refusal.TEXT_EMPTY
    )
    over = await refused(world.service.set_body(zhang, draft.id, "x" * 6000))
    assert (over.reason, over.length) == (Refusal.BODY_TOO_LONG, 6000)
    assert (await world.service.set_body(zhang, draft.id, "重写")).body == "重写"


async def test_at_most_nine_attachments(world: World) -> None:
    zhang = await world.member("张三")
    draft = await world.service.start_draft(zhang)
    for n in range(MAX_ATTACHMENTS):
        await world.service.add_attachment(zhang, draft.id, AttachmentKind.PHOTO, f"f{n}", f"u{n}")
    error = await refused(
        world.service.add_attachment(zhang, draft.id, AttachmentKind.PHOTO, "f9", "u9")
    )
    assert (error.reason, error.length, error.limit) == (
        Refusal.TOO_MANY_ATTACHMENTS, 9, MAX_ATTACHMENTS
    )
    stored = await world.service.editable_report(zhang, draft.id)
    assert [a.file_id for a in stored.attachments] == [f"f{n}" for n in range(9)]
    # removing one closes the gap and makes room again
    after = await world.service.remove_attachment(zhang, draft.id, 3)
    assert [(a.position, a.file_id) for a in after.attachments][:4] == [
        (1, "f0"), (2, "f1"), (3, "f3"), (4, "f4"),
    ]
    after = await world.service.add_attachment(zhang, draft.id, AttachmentKind.PHOTO, "f9", "u9")
    assert [a.position for a in after.attachments] == list(range(1, 10))
    assert after.attachments[-1].file_id == "f9"
    missing = await refused(world.service.remove_attachment(zhang, draft.id, 42))
    assert missing.reason is Refusal.ATTACHMENT_NOT_FOUND
    assert (await world.service.clear_attachments(zhang, draft.id)).attachments == ()


async def test_coauthors_come_from_the_roster(world: World) -> None:
    zhang = await world.member("张三")
    li = await world.member("李四")
    draft = await world.service.start_draft(zhang)
    assert (await refused(world.service.add_coauthor(zhang, draft.id, zhang.id))).reason is (
        Refusal.COAUTHOR_IS_AUTHOR
    )
    assert (await refused(world.service.add_coauthor(zhang, draft.id, 9999))).reason is (
        Refusal.COAUTHOR_UNKNOWN
    )
    await world.service.add_coauthor(zhang, draft.id, li.id)
    twice = await world.service.add_coauthor(zhang, draft.id, li.id)
    assert [c.member_id for c in twice.coauthors] == [li.id]
    assert [m.name for m in await world.service.coauthor_candidates(zhang, "张")] == []
    assert [m.name for m in await world.service.coauthor_candidates(zhang, "李")] == ["李四"]
    removed = await world.service.remove_coauthor(zhang, draft.id, li.id)
    assert removed.coauthors == ()


async def test_only_the_author_edits_and_only_drafts_or_returned(world: World) -> None:
    zhang = await world.member("张三")
    li = await world.member("李四")
    draft = await world.service.start_draft(zhang)
    assert (await refused(world.service.set_title(li, draft.id, "别人的"))).reason is (
        Refusal.NOT_FOUND
    )
    assert (await refused(world.service.set_title(zhang, 9999, "没有"))).reason is (
        Refusal.NOT_FOUND
    )
    report = await world.submitted()
    error = await refused(world.service.append_body(zhang, report.id, "提交后补充"))
    assert (error.reason, error.status) == (Refusal.NOT_EDITABLE, ReportStatus.SUBMITTED)
    assert (await world.service.editable_report(zhang, draft.id)).id == draft.id
    stored = await world.service.history(report.id, await world.actor("张三"))
    assert stored.report.body == "建议简化审批。"


async def test_discard_only_unsubmitted_drafts(world: World) -> None:
    zhang = await world.member("张三")
    draft = await world.service.start_draft(zhang)
    await world.service.add_attachment(zhang, draft.id, AttachmentKind.PHOTO, "f", "u")
    await world.service.discard_draft(zhang, draft.id)
    assert await world.service.list_drafts(zhang) == []
    assert await world.count("SELECT count(*) FROM report_attachments") == 0
    assert await world.audit("report_draft_discard") == 1
    report = await world.submitted()
    error = await refused(world.service.discard_draft(zhang, report.id))
    assert (error.reason, error.status) == (Refusal.NOT_EDITABLE, ReportStatus.SUBMITTED)


async def test_submit_needs_title_category_and_text(world: World) -> None:
    zhang = await world.member("张三")
    draft = await world.service.start_draft(zhang)
    assert (await refused(world.service.submit(zhang, draft.id))).reason is Refusal.TITLE_EMPTY
    await world.service.set_title(zhang, draft.id, "标题")
    assert (await refused(world.service.submit(zhang, draft.id))).reason is (
        Refusal.CATEGORY_MISSING
    )
    await world.service.set_category(zhang, draft.id, ReportCategory.ECOLOGY)
    assert (await refused(world.service.submit(zhang, draft.id))).reason is Refusal.BODY_EMPTY
    assert await world.count("SELECT count(*) FROM report_versions") == 0
    await world.service.append_body(zhang, draft.id, "正文")
    result = await world.service.submit(zhang, draft.id)
    assert result.report.status is ReportStatus.SUBMITTED
    assert not result.resubmitted
    assert result.move.from_status is ReportStatus.DRAFT
    assert result.move.actor_member_id == zhang.id
    # pressing submit twice
    again = await refused(world.service.submit(zhang, draft.id))
    assert (again.reason, again.status) == (Refusal.ALREADY_HANDLED, ReportStatus.SUBMITTED)
    assert await world.count("SELECT count(*) FROM report_versions") == 1
    assert await world.audit("report_submit") == 1
    assert await world.audit("report_draft_start") == 1
    assert await world.audit("report_draft_edit") == 3


async def test_numbers_count_per_year_in_the_committee_zone(world: World) -> None:
    first = await world.submitted()
    second = await world.submitted(author="李四")
    assert (first.number, second.number) == ("2026-0001", "2026-0002")
    # 2026-12-31 17:00 UTC is already 2027-01-01 in Shanghai
    world.clock.now = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    third = await world.submitted()
    assert third.number == "2027-0001"
    world.clock.now = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)
    fourth = await world.submitted()
    assert fourth.number == "2026-0003"
    # a draft never submitted has no number and takes none
    await world.complete_draft("张三")
    world.clock.now = datetime(2027, 2, 1, tzinfo=UTC)
    assert (await world.submitted()).number == "2027-0002"


async def test_submissions_at_the_same_moment_get_distinct_numbers(world: World) -> None:
    drafts = [await world.complete_draft(name) for name in ("张三", "李四", "张三", "李四")]
    authors = {m.id: m for m in [await world.member("张三"), await world.member("李四")]}
    results = await asyncio.gather(
        *(world.service.submit(authors[d.author_member_id], d.id) for d in drafts)
    )
    assert sorted(r.report.number or "" for r in results) == [
        "2026-0001", "2026-0002", "2026-0003", "2026-0004",
    ]


async def test_resubmission_keeps_the_number_and_both_versions(world: World) -> None:
    zhang = await world.member("张三")
    staff = await world.actor("赵六")
    report = await world.submitted()
    world.clock.advance(days=1)
    await world.service.move(
        report.id, staff, ReportStatus.RETURNED, expected_status=ReportStatus.SUBMITTED,
        note="请补充具体数据",
    )
    world.clock.advance(days=1)
    await world.service.append_body(zhang, report.id, "补充：全区有120栋楼。")
    await world.service.add_attachment(zhang, report.id, AttachmentKind.PHOTO, "p", "pu")
    world.clock.now = datetime(2027, 1, 5, tzinfo=UTC)  # a new year does not renumber it
    result = await world.service.submit(zhang, report.id)
    assert result.resubmitted
    assert result.report.number == report.number == "2026-0001"
    assert result.report.version == 2
    assert result.report.submitted_at == report.submitted_at  # the register date stays
    history = await world.service.history(report.id, await world.actor("张三"))
    assert [v.body for v in history.versions] == [
        "建议简化审批。",
        "建议简化审批。\n补充：全区有120栋楼。",
    ]
    assert [len(v.attachments) for v in history.versions] == [0, 1]
    assert history.versions[1].attachments[0].file_id == "p"
    assert [(m.from_status, m.to_status, m.note) for m in history.moves] == [
        (ReportStatus.DRAFT, ReportStatus.SUBMITTED, None),
        (ReportStatus.SUBMITTED, ReportStatus.RETURNED, "请补充具体数据"),
        (ReportStatus.RETURNED, ReportStatus.SUBMITTED, None),
    ]
    assert await world.count("SELECT last FROM report_numbers WHERE year = 2026") == 1
    assert await world.count("SELECT count(*) FROM report_numbers WHERE year = 2027") == 0
