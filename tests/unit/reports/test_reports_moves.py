"""Report review: every allowed and disallowed move, required notes, who may review, one
winner when two press at once, leader comments, the queue, search, the stale list, history."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.auth import Actor, Why
from bot.reports.service import ReportService
from bot.reports.workflow import Refusal, is_allowed_move, review_moves
from domain.models import ReportCategory, ReportStatus
from storage.db import Database
from storage.members import MemberRepository
from storage.reports import ReportRepository
from tests.clock import SYSTEM
from tests.unit.reports.test_reports import SHANGHAI, World, open_world, refused

S = ReportStatus


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with open_world(tmp_path) as opened:
        yield opened


# The status machine as the issue states it, written out independently of the code.
REVIEW_ALLOWED = {
    (S.SUBMITTED, S.ACCEPTED),
    (S.SUBMITTED, S.RETURNED),
    (S.ACCEPTED, S.ADOPTED),
    (S.ACCEPTED, S.FORWARDED),
    (S.ACCEPTED, S.KEPT),
    (S.ACCEPTED, S.NOT_ADOPTED),
    (S.FORWARDED, S.ADOPTED),
    (S.FORWARDED, S.NOT_ADOPTED),
    # as practice has it (issue 13, item 19): an accepted report may still be returned for
    # changes, and an adopted one forwarded (报送) to a higher level
    (S.ACCEPTED, S.RETURNED),
    (S.ADOPTED, S.FORWARDED),
}
AUTHOR_ALLOWED = {(S.DRAFT, S.SUBMITTED), (S.RETURNED, S.SUBMITTED)}
ALL_PAIRS = list(itertools.product(ReportStatus, ReportStatus))

# What each target status needs for the move to go through.
EXTRA: dict[ReportStatus, dict[str, object]] = {
    S.RETURNED: {"note": "请补充"},
    S.NOT_ADOPTED: {"note": "不予采用的理由"},
    S.ADOPTED: {"level": "province", "note": "省委办公厅采用"},
    S.FORWARDED: {"forwarded_to": "市政府办公室"},
}


def test_the_code_has_exactly_the_moves_of_the_issue() -> None:
    for from_status, to_status in ALL_PAIRS:
        expected = (from_status, to_status) in REVIEW_ALLOWED | AUTHOR_ALLOWED
        assert is_allowed_move(from_status, to_status) is expected, (from_status, to_status)
    assert {(f, t) for f in ReportStatus for t in review_moves(f)} == REVIEW_ALLOWED


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
async def test_staff_move(world: World, from_status: S, to_status: S) -> None:
    report = await world.report_in(from_status)
    staff = await world.actor("王五")
    moves_before = await world.count("SELECT count(*) FROM report_moves")
    audits_before = await world.audit("report_move")
    world.clock.advance(hours=1)
    if (from_status, to_status) in REVIEW_ALLOWED:
        result = await world.service.move(
            report.id, staff, to_status, expected_status=from_status,
            **EXTRA.get(to_status, {}),  # type: ignore[arg-type]
        )
        assert result.report.status is to_status
        assert result.report.status_at == world.clock.now
        assert (result.move.from_status, result.move.to_status) == (from_status, to_status)
        assert result.move.actor_member_id == staff.member.id  # type: ignore[union-attr]
        assert result.move.actor_name == "王五"
        assert result.move.note == EXTRA.get(to_status, {}).get("note")
        assert result.notify_telegram_ids == (501,)
        assert await world.count("SELECT count(*) FROM report_moves") == moves_before + 1
        assert await world.audit("report_move") == audits_before + 1
        return
    error = await refused(
        world.service.move(
            report.id, staff, to_status, expected_status=from_status,
            **EXTRA.get(to_status, {}),  # type: ignore[arg-type]
        )
    )
    if from_status is S.DRAFT:
        assert error.reason is Refusal.NOT_FOUND  # staff do not see drafts
    else:
        assert (error.reason, error.status) == (Refusal.MOVE_NOT_ALLOWED, from_status)
    stored = await world.service.history(report.id, await world.actor("张三"))
    assert stored.report.status is from_status
    assert await world.count("SELECT count(*) FROM report_moves") == moves_before
    assert await world.audit("report_move") == audits_before


@pytest.mark.parametrize("from_status", list(ReportStatus))
async def test_author_submit_from(world: World, from_status: S) -> None:
    report = await world.report_in(from_status)
    zhang = await world.member("张三")
    if (from_status, S.SUBMITTED) in AUTHOR_ALLOWED:
        result = await world.service.submit(zhang, report.id)
        assert result.report.status is S.SUBMITTED
        assert result.resubmitted is (from_status is S.RETURNED)
        return
    error = await refused(world.service.submit(zhang, report.id))
    assert (error.reason, error.status) == (Refusal.ALREADY_HANDLED, from_status)


async def test_required_notes_level_and_addressee(world: World) -> None:
    staff = await world.actor("王五")
    submitted = await world.report_in(S.SUBMITTED)
    for note in (None, "", "   \n"):
        error = await refused(
            world.service.move(
                submitted.id, staff, S.RETURNED, expected_status=S.SUBMITTED, note=note
            )
        )
        assert error.reason is Refusal.NOTE_REQUIRED
    long_note = await refused(
        world.service.move(
            submitted.id, staff, S.RETURNED, expected_status=S.SUBMITTED, note="长" * 1001
        )
    )
    assert (long_note.reason, long_note.length, long_note.limit) == (
        Refusal.NOTE_TOO_LONG, 1001, 1000
    )
    accepted = await world.report_in(S.ACCEPTED)
    cases = [
        (S.NOT_ADOPTED, {}, Refusal.NOTE_REQUIRED),
        (S.ADOPTED, {"note": "好"}, Refusal.LEVEL_REQUIRED),
        (S.FORWARDED, {}, Refusal.FORWARDED_TO_REQUIRED),
        (S.FORWARDED, {"forwarded_to": "  "}, Refusal.FORWARDED_TO_REQUIRED),
    ]
    for to_status, extra, reason in cases:
        error = await refused(
            world.service.move(
                accepted.id, staff, to_status, expected_status=S.ACCEPTED,
                **extra,  # type: ignore[arg-type]
            )
        )
        assert error.reason is reason, to_status
    assert await world.count("SELECT count(*) FROM report_moves WHERE from_status != 'draft' "
                             "AND from_status != 'submitted'") == 0
    for report_id, status in ((submitted.id, S.SUBMITTED), (accepted.id, S.ACCEPTED)):
        assert (await world.service.get_for_review(staff, report_id)).status is status
    # kept and accepted need nothing
    kept = await world.service.move(accepted.id, staff, S.KEPT, expected_status=S.ACCEPTED)
    assert kept.move.note is None


async def test_forwarded_then_adopted_keeps_both(world: World) -> None:
    staff = await world.actor("王五")
    report = await world.report_in(S.FORWARDED)
    result = await world.service.move(
        report.id, staff, S.ADOPTED, expected_status=S.FORWARDED,
        level="national", note="全国政协采用",
    )
    assert (result.report.level, result.report.forwarded_to) == (
        "national", "省政协"
    )
    assert (result.move.level, result.move.note) == ("national", "全国政协采用")
    row = await world.db.fetch_one(
        "SELECT detail FROM audit_log WHERE action = 'report_move' ORDER BY id DESC LIMIT 1"
    )
    assert row is not None
    assert '"to": "adopted"' in row["detail"]
    assert '"level": "national"' in row["detail"]


async def test_who_may_review(world: World) -> None:
    report = await world.report_in(S.SUBMITTED, author="张三")
    member = await world.actor("李四")
    for call in (
        world.service.move(report.id, member, S.ACCEPTED, expected_status=S.SUBMITTED),
        world.service.check_move(report.id, member, S.ACCEPTED, expected_status=S.SUBMITTED),
        world.service.queue(member),
        world.service.search(member),
        world.service.get_for_review(member, report.id),
    ):
        assert (await refused(call)).reason is Why.NOT_ALLOWED

    # a staff member who wrote or co-wrote the report
    wang = await world.member("王五")
    zhao = await world.member("赵六")
    own = await world.complete_draft("王五")
    await world.service.add_coauthor(wang, own.id, zhao.id)
    own = (await world.service.submit(wang, own.id)).report
    for name in ("王五", "赵六"):
        error = await refused(
            world.service.move(own.id, await world.actor(name), S.ACCEPTED,
                               expected_status=S.SUBMITTED)
        )
        assert error.reason is Refusal.OWN_REPORT
    assert (await world.service.history(own.id, await world.actor("王五"))).report.status is (
        S.SUBMITTED
    )

    # a bootstrap administrator with no roster entry may review
    admin = Actor.resolve(900, None, {900})
    result = await world.service.move(own.id, admin, S.ACCEPTED, expected_status=S.SUBMITTED)
    assert (result.move.actor_tg_id, result.move.actor_member_id) == (900, None)
    assert result.notify_telegram_ids == (503, 504)
    assert (await refused(
        world.service.move(9999, admin, S.ACCEPTED, expected_status=S.SUBMITTED)
    )).reason is Refusal.NOT_FOUND


async def test_two_staff_pressing_at_once_one_wins(world: World) -> None:
    report = await world.report_in(S.SUBMITTED)
    wang, zhao = await world.actor("王五"), await world.actor("赵六")
    outcomes = await asyncio.gather(
        world.service.move(report.id, wang, S.ACCEPTED, expected_status=S.SUBMITTED),
        world.service.move(
            report.id, zhao, S.RETURNED, expected_status=S.SUBMITTED, note="退回"
        ),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1
    assert len(losers) == 1
    loser = losers[0]
    assert getattr(loser, "reason", None) is Refusal.ALREADY_HANDLED
    assert getattr(loser, "status", None) is winners[0].report.status
    assert await world.count(
        "SELECT count(*) FROM report_moves WHERE report_id = ? AND from_status = 'submitted'",
        report.id,
    ) == 1
    assert await world.audit("report_move") == 1


async def test_two_processes_pressing_at_once_one_wins(world: World) -> None:
    """Two database connections (as two bot processes) on the same file."""
    report = await world.report_in(S.ACCEPTED)
    wang, zhao = await world.actor("王五"), await world.actor("赵六")
    async with Database(world.path, SYSTEM) as other:
        second = ReportService(other, MemberRepository(other), SHANGHAI, world.clock)
        outcomes = await asyncio.gather(
            world.service.move(
                report.id, wang, S.ADOPTED, expected_status=S.ACCEPTED, level="city"
            ),
            second.move(report.id, zhao, S.KEPT, expected_status=S.ACCEPTED),
            return_exceptions=True,
        )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert (len(winners), len(losers)) == (1, 1)
    assert getattr(losers[0], "reason", None) is Refusal.ALREADY_HANDLED
    assert await world.count(
        "SELECT count(*) FROM report_moves WHERE report_id = ? AND from_status = 'accepted'",
        report.id,
    ) == 1


async def test_the_status_update_itself_checks_the_expected_status(world: World) -> None:
    """The guard under the service's checks: UPDATE … WHERE status = expected."""
    report = await world.report_in(S.ACCEPTED)
    async with world.db.transaction() as conn:
        moved = await ReportRepository.change_status(
            conn, report.id, expected=S.SUBMITTED, to=S.RETURNED, at=world.clock.now
        )
    assert not moved
    assert (await ReportRepository(world.db).get(report.id)).status is S.ACCEPTED  # type: ignore[union-attr]


async def test_a_stale_button_is_told_what_happened(world: World) -> None:
    report = await world.report_in(S.SUBMITTED)
    wang, zhao = await world.actor("王五"), await world.actor("赵六")
    await world.service.move(report.id, wang, S.ACCEPTED, expected_status=S.SUBMITTED)
    for call in (
        world.service.check_move(report.id, zhao, S.RETURNED, expected_status=S.SUBMITTED),
        world.service.move(
            report.id, zhao, S.RETURNED, expected_status=S.SUBMITTED, note="退回"
        ),
    ):
        error = await refused(call)
        assert (error.reason, error.status) == (Refusal.ALREADY_HANDLED, S.ACCEPTED)
    checked = await world.service.check_move(
        report.id, zhao, S.KEPT, expected_status=S.ACCEPTED
    )
    assert checked.id == report.id


async def test_leader_comment_only_on_adopted(world: World) -> None:
    staff = await world.actor("王五")
    accepted = await world.report_in(S.ACCEPTED)
    error = await refused(world.service.add_leader_comment(accepted.id, staff, "张市长", "阅"))
    assert (error.reason, error.status) == (Refusal.NOT_ADOPTED, S.ACCEPTED)
    adopted = await world.report_in(S.ADOPTED)
    assert (await refused(
        world.service.add_leader_comment(adopted.id, staff, " ", "阅")
    )).reason is Refusal.LEADER_REQUIRED
    assert (await refused(
        world.service.add_leader_comment(adopted.id, staff, "张市长", "")
    )).reason is Refusal.COMMENT_EMPTY
    assert (await refused(
        world.service.add_leader_comment(adopted.id, await world.actor("李四"), "张市长", "阅")
    )).reason is Why.NOT_ALLOWED
    result = await world.service.add_leader_comment(
        adopted.id, staff, "张市长", "请市住建局研究落实。"
    )
    assert (result.comment.leader, result.comment.text) == ("张市长", "请市住建局研究落实。")
    assert result.notify_telegram_ids == (501,)
    history = await world.service.history(adopted.id, await world.actor("张三"))
    assert [(c.leader, c.text) for c in history.comments] == [("张市长", "请市住建局研究落实。")]
    assert await world.audit("report_leader_comment") == 1


async def test_queue_oldest_first_with_counts(world: World) -> None:
    staff = await world.actor("王五")
    first = await world.report_in(S.SUBMITTED)
    world.clock.advance(hours=1)
    accepted = await world.report_in(S.ACCEPTED, author="李四")
    world.clock.advance(hours=1)
    third = await world.report_in(S.SUBMITTED, author="李四")
    world.clock.advance(hours=1)
    await world.report_in(S.KEPT)
    await world.complete_draft("张三")  # drafts are not counted
    queue = await world.service.queue(staff)
    assert [r.id for r in queue.reports] == [first.id, accepted.id, third.id]
    assert queue.total == 3
    assert queue.counts[S.SUBMITTED] == 2
    assert queue.counts[S.ACCEPTED] == 1
    assert queue.counts[S.KEPT] == 1
    assert queue.counts[S.ADOPTED] == 0
    assert S.DRAFT not in queue.counts
    page = await world.service.queue(staff, limit=1, offset=1)
    assert [r.id for r in page.reports] == [accepted.id]
    only = await world.service.queue(staff, status=S.SUBMITTED)
    assert ([r.id for r in only.reports], only.total) == ([first.id, third.id], 2)
    kept = await world.service.queue(staff, status=S.KEPT)
    assert kept.total == 1


async def test_search_by_author_group_category_status_and_date(world: World) -> None:
    staff = await world.actor("王五")
    li = await world.member("李四")
    # 2026-03-01 23:30 in Shanghai
    world.clock.now = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    early = await world.submitted(title="早的")
    # 2026-03-02 00:30 in Shanghai
    world.clock.now = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    draft = await world.complete_draft("李四", title="李的")
    await world.service.set_category(li, draft.id, ReportCategory.HEALTH)
    late = (await world.service.submit(li, draft.id)).report
    await world.complete_draft("张三", title="未提交")

    async def titles(**filters: object) -> list[str]:
        found = await world.service.search(staff, **filters)  # type: ignore[arg-type]
        return [r.title for r in found]

    assert await titles() == ["李的", "早的"]
    assert await titles(author_name="张") == ["早的"]
    assert await titles(group_id=li.group_id) == ["李的"]
    assert await titles(category=ReportCategory.HEALTH) == ["李的"]
    assert await titles(status=S.SUBMITTED) == ["李的", "早的"]
    assert await titles(status=S.ADOPTED) == []
    assert await titles(status=S.DRAFT) == []
    assert await titles(date_from=date(2026, 3, 2)) == ["李的"]
    assert await titles(date_to=date(2026, 3, 1)) == ["早的"]
    assert await titles(date_from=date(2026, 3, 1), date_to=date(2026, 3, 2)) == ["李的", "早的"]
    assert await titles(number=early.number) == ["早的"]
    assert await titles(number=late.number, author_name="张") == []


async def test_stale_reports_for_the_daily_nudge(world: World) -> None:
    old = await world.report_in(S.SUBMITTED)
    world.clock.advance(days=1)
    await world.report_in(S.ACCEPTED)  # waiting too, but not for the first look
    world.clock.advance(days=1)
    recent = await world.report_in(S.SUBMITTED, author="李四")
    world.clock.advance(days=2)
    assert [r.id for r in await world.service.stale_reports(3)] == [old.id]
    world.clock.advance(days=1)
    assert [r.id for r in await world.service.stale_reports(3)] == [old.id, recent.id]
    await world.service.move(
        old.id, await world.actor("王五"), S.ACCEPTED, expected_status=S.SUBMITTED
    )
    assert [r.id for r in await world.service.stale_reports(3)] == [recent.id]


async def test_my_reports_with_history(world: World) -> None:
    zhang = await world.member("张三")
    li = await world.member("李四")
    staff = await world.actor("王五")
    mine = await world.complete_draft("张三", title="我的")
    await world.service.add_coauthor(zhang, mine.id, li.id)
    await world.service.submit(zhang, mine.id)
    world.clock.advance(hours=1)
    await world.service.move(mine.id, staff, S.ACCEPTED, expected_status=S.SUBMITTED)
    world.clock.advance(hours=1)
    await world.service.move(
        mine.id, staff, S.ADOPTED, expected_status=S.ACCEPTED, level="city",
        note="区政府采用",
    )
    world.clock.advance(hours=1)
    theirs = await world.submitted(author="李四", title="李四的")
    draft = await world.complete_draft("张三", title="草稿")
    await world.service.add_coauthor(zhang, draft.id, li.id)

    listed = await world.service.my_reports(zhang)
    assert [h.report.title for h in listed] == ["我的"]
    history = listed[0]
    assert [(m.to_status, m.note) for m in history.moves] == [
        (S.SUBMITTED, None), (S.ACCEPTED, None), (S.ADOPTED, "区政府采用"),
    ]
    assert history.moves[2].level == "city"
    # the co-author sees it too, but not the author's draft
    assert [h.report.title for h in await world.service.my_reports(li)] == ["李四的", "我的"]
    li_actor = await world.actor("李四")
    assert (await world.service.history(mine.id, li_actor)).report.id == mine.id
    assert (await refused(world.service.history(draft.id, li_actor))).reason is (
        Refusal.NOT_FOUND
    )
    # staff see submitted reports but not drafts; other members see neither
    assert (await world.service.history(theirs.id, staff)).report.id == theirs.id
    assert (await refused(world.service.history(draft.id, staff))).reason is Refusal.NOT_FOUND
    zhang_actor = await world.actor("张三")
    assert (await refused(world.service.history(theirs.id, zhang_actor))).reason is (
        Refusal.NOT_FOUND
    )


async def test_accepted_returned_and_adopted_forwarded_on(world: World) -> None:
    """Practice: an accepted report is returned for changes; an adopted one is forwarded to
    the province and keeps the level it was adopted at (and counts as adopted)."""
    staff = await world.actor("王五")
    accepted = await world.report_in(S.ACCEPTED)
    returned = await world.service.move(
        accepted.id, staff, S.RETURNED, expected_status=S.ACCEPTED, note="请补充数据"
    )
    assert returned.report.status is S.RETURNED
    adopted = await world.report_in(S.ADOPTED)
    forwarded = await world.service.move(
        adopted.id, staff, S.FORWARDED, expected_status=S.ADOPTED, forwarded_to="省政协"
    )
    assert (forwarded.report.status, forwarded.report.level, forwarded.report.forwarded_to) == (
        S.FORWARDED, "city", "省政协"
    )


async def test_a_wrong_move_is_undone_within_the_time_and_audited(world: World) -> None:
    staff = await world.actor("王五")
    report = await world.report_in(S.ACCEPTED)
    adopted = await world.service.move(
        report.id, staff, S.ADOPTED, expected_status=S.ACCEPTED, level="city",
    )
    world.clock.advance(minutes=9)
    undone = await world.service.undo_move(
        report.id, await world.actor("赵六"), adopted.move.id, within=timedelta(minutes=10)
    )
    assert (undone.report.status, undone.report.level) == (S.ACCEPTED, None)
    assert (undone.move.from_status, undone.move.to_status) == (S.ADOPTED, S.ACCEPTED)
    assert undone.move.undoes == adopted.move.id
    assert undone.notify_telegram_ids == (501,)
    row = await world.db.fetch_one(
        "SELECT actor_tg_id, detail FROM audit_log WHERE action = 'report_move_undo'"
    )
    assert row is not None and row["actor_tg_id"] == 504
    assert f'"undone_move": {adopted.move.id}' in row["detail"]
    # it reads as accepted again: in the queue, movable from there
    queue = await world.service.queue(staff)
    assert [r.id for r in queue.reports] == [report.id]
    # an undo is not undone, and the move it undid is not undone twice
    for move_id in (undone.move.id, adopted.move.id):
        error = await refused(world.service.undo_move(
            report.id, staff, move_id, within=timedelta(minutes=10)
        ))
        assert error.reason is Refusal.NOTHING_TO_UNDO


async def test_undo_too_late_or_after_a_change_is_refused(world: World) -> None:
    staff = await world.actor("王五")
    report = await world.report_in(S.SUBMITTED)
    accepted = await world.service.move(
        report.id, staff, S.ACCEPTED, expected_status=S.SUBMITTED
    )
    world.clock.advance(minutes=11)
    before = await world.count("SELECT count(*) FROM report_moves")
    error = await refused(world.service.undo_move(
        report.id, staff, accepted.move.id, within=timedelta(minutes=10)
    ))
    assert (error.reason, error.limit) == (Refusal.UNDO_TOO_LATE, 10)
    returned = await world.service.move(
        report.id, staff, S.RETURNED, expected_status=S.ACCEPTED, note="请补充"
    )
    error = await refused(world.service.undo_move(
        report.id, staff, accepted.move.id, within=timedelta(minutes=10)
    ))
    assert error.reason is Refusal.NOTHING_TO_UNDO  # a later move came since
    # the author changed the returned report: the return is not undone under their feet
    world.clock.advance(minutes=1)
    await world.service.append_body(await world.member("张三"), report.id, "补充数据")
    error = await refused(world.service.undo_move(
        report.id, staff, returned.move.id, within=timedelta(minutes=10)
    ))
    assert error.reason is Refusal.ALREADY_HANDLED
    member = await world.actor("张三")
    error = await refused(world.service.undo_move(
        report.id, member, returned.move.id, within=timedelta(minutes=10)
    ))
    assert error.reason is Why.NOT_ALLOWED
    assert await world.count("SELECT count(*) FROM report_moves") == before + 1


async def test_the_batched_notice_lists_what_was_submitted_in_its_window(world: World) -> None:
    """[reports] new_report_notice = "batched": the reports (re)submitted in the window and
    still waiting; one accepted meanwhile is not listed."""
    staff = await world.actor("王五")
    start = world.clock()
    first = await world.submitted(title="第一篇")
    world.clock.advance(minutes=10)
    second = await world.submitted(author="李四", title="第二篇")
    world.clock.advance(minutes=10)
    accepted = await world.submitted(title="已受理的")
    await world.service.move(accepted.id, staff, S.ACCEPTED, expected_status=S.SUBMITTED)
    world.clock.advance(minutes=50)
    late = await world.submitted(title="下一个窗口")
    window = await world.service.submitted_between(start, start + timedelta(minutes=60))
    assert [r.id for r in window] == [first.id, second.id]
    later = await world.service.submitted_between(
        start + timedelta(minutes=60), start + timedelta(minutes=120)
    )
    assert [r.id for r in later] == [late.id]


async def test_an_adoption_stands_when_the_level_it_is_forwarded_to_declines(
    world: World
) -> None:
    """Adopted at the committee's own level, forwarded (报送) to the province, not adopted
    there: the adoption stands. The duty record counts it once, at the highest level adopted
    at, and not as 未采用; the author and the lists read both facts."""
    from bot.core.config import DutyRecordConfig
    from bot.duty_record.service import DutyRecordService
    from bot.reports.wording import office_status, status_detail
    from domain.duty_models import Scope

    staff = await world.actor("王五")
    declined = await world.report_in(S.ADOPTED)
    await world.service.move(declined.id, staff, S.FORWARDED, expected_status=S.ADOPTED,
                             forwarded_to="省政协")
    result = await world.service.move(declined.id, staff, S.NOT_ADOPTED,
                                      expected_status=S.FORWARDED, note="省级未采用")
    report = result.report
    assert (report.status, report.level, report.forwarded_to) == (
        S.NOT_ADOPTED, "city", "省政协")
    levels = DutyRecordConfig().levels
    assert status_detail("zh", levels, report.status, report.level, report.forwarded_to,
                         member=True) == "市级采用；报送省政协未采用"
    assert office_status("zh", levels, report.status, report.level,
                         report.forwarded_to) == "市级采用；报送省政协未采用"
    # adopted at the province, forwarded on, then adopted again lower down: the province stands
    higher = await world.report_in(S.ACCEPTED)
    await world.service.move(higher.id, staff, S.FORWARDED, expected_status=S.ACCEPTED,
                             forwarded_to="省政协")
    await world.service.move(higher.id, staff, S.ADOPTED, expected_status=S.FORWARDED,
                             level="province")
    await world.service.move(higher.id, staff, S.FORWARDED, expected_status=S.ADOPTED,
                             forwarded_to="全国政协")
    lower = await world.service.move(higher.id, staff, S.ADOPTED, expected_status=S.FORWARDED,
                                     level="city")
    assert lower.report.level == "province"
    nowhere = await world.report_in(S.NOT_ADOPTED)
    author = await world.member("张三")
    duty = DutyRecordService(world.db, MemberRepository(world.db), SHANGHAI,
                             clock=world.clock)
    [record] = await duty.records(2026, Scope(member_id=author.id))
    assert (record.counts.submitted, record.counts.adopted, record.counts.not_adopted) == (
        3, {"city": 1, "province": 1}, 1)
    lines = {line.report_id: line for line in (await duty.lists(
        2026, Scope(member_id=author.id))).reports}
    assert (lines[declined.id].level, lines[declined.id].forwarded_to) == ("city", "省政协")
    assert lines[nowhere.id].level is None


async def test_the_levels_are_the_configs(world: World) -> None:
    """A county committee adopts at county, city, province and national level; a code the
    config does not have is refused, a fourth level is stored and counted."""
    from bot.core.config import LevelConfig

    county = [LevelConfig(code="county", zh="县级", en="county", points=2),
              LevelConfig(code="city", zh="市级", en="city", points=3),
              LevelConfig(code="province", zh="省级", en="provincial", points=5),
              LevelConfig(code="national", zh="全国", en="national", points=10)]
    service = ReportService(world.db, MemberRepository(world.db), SHANGHAI, world.clock,
                            levels=county)
    staff = await world.actor("王五")
    report = await world.report_in(S.ACCEPTED)
    assert (await refused(service.move(report.id, staff, S.ADOPTED, expected_status=S.ACCEPTED,
                                       level="township"))).reason is Refusal.LEVEL_REQUIRED
    adopted = await service.move(report.id, staff, S.ADOPTED, expected_status=S.ACCEPTED,
                                 level="county")
    assert adopted.report.level == adopted.move.level == "county"
    assert (await ReportRepository(world.db).get(report.id)).level == "county"  # type: ignore[union-attr]
