"""The duty record's chat texts without Telegram: bars, points, the nudge's reason, pages under
Telegram's 4096 characters, a group's overview in chunks, every refusal as a sentence with a
next step in both languages, and buttons that fit in 64 bytes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.config import DutyRecordConfig
from bot.core.texts import catalog, tr
from bot.duty_record.rules import Target, points
from bot.duty_record.service import DutyProblem, DutyRecord
from bot.telegram.callbacks import MAX_BYTES, CallbackCodec
from domain.duty_models import DutyCounts, EventLine, Nudge, Outcome
from domain.models import ActivityGroup, Member, Role
from handlers.duty_record import render
from handlers.duty_record.buttons import GroupMemberRecord, GroupPick, RecordScreen, RecordView
from tests.unit.core.test_voice import NEXT_STEP, last_sentence

ZONE = ZoneInfo("Asia/Shanghai")
CONFIG = DutyRecordConfig()
LIMIT = 4096


def a_record(year: int = 2026, on: date = date(2026, 6, 30), **counts: object) -> DutyRecord:
    c = DutyCounts.model_validate({"member_id": 7, "name": "张三", "phone": "13800000001",
                                   "group_id": 1, "group_name": "第一活动组", "active": True,
                                   **counts})
    return DutyRecord(year, c, points(c, CONFIG), Target.on(CONFIG, year, on))


ZHANG = Member(id=7, name="张三", phone="13800000001", sector="经济界", group_id=1,
               role=Role.MEMBER)


def test_bars_fill_as_far_as_done_and_stay_narrow() -> None:
    assert render.bar(2, 3) == "▓▓░"
    assert render.bar(5, 3) == "▓▓▓"
    assert render.bar(0, 1) == "░"
    assert render.bar(3, 0) == ""
    assert render.bar(50, 100) == "▓▓▓▓▓░░░░░"  # at most ten cells


def test_points_as_people_write_them() -> None:
    assert [render.figure(v) for v in (21.0, 34.5, 0.25, -2.0, -0.0, 0.5)] == [
        "21", "34.5", "0.25", "-2", "0", "0.5"]


def test_the_minimums_due_by_today_this_year_and_the_yearly_ones_after() -> None:
    # half of 2026 gone: 2 of 3 activities due (rounded up), 1 of 1 proposal and report
    current = render.progress_lines("zh", a_record(attended=1), date(2026, 6, 30))
    assert current == ["<b>对照年度要求（截至今天）</b>", "参加活动：1/2 ▓░（全年3）",
                       "提案：0/1 ░", "社情民意信息：0/1 ░"]
    past = render.progress_lines("zh", a_record(2025, attended=1), date(2026, 6, 30))
    assert past[1] == "参加活动：1/3 ▓░░"


def test_the_reason_of_a_nudge() -> None:
    nudge = Nudge(run_key="supervision:2026-Q4", member_id=7, group_id=1,
                  shortfall={"proposals": 1, "reports": 2, "unknown": 4})
    assert render.nudge_line("zh", nudge) == (
        "【督导提醒】2026年第四季度尚差提案1件、社情民意信息2篇。")
    assert render.nudge_line("en", nudge) == (
        "Progress reminder, Q4 2026: short of 1 proposal(s), 2 report(s).")
    other = nudge.model_copy(update={"run_key": "supervision:2026-12-01"})
    assert render.nudge_line("zh", other) == "【督导提醒】2026年尚差提案1件、社情民意信息2篇。"
    assert render.nudge_line("zh", nudge.model_copy(update={"shortfall": {}})) is None


def test_levels_in_the_configs_order_and_names() -> None:
    record = a_record(submitted=4, adopted={"national": 1, "city": 2})
    shown = render.record_text("zh", ZHANG, record, CONFIG.levels, date(2026, 6, 30))
    assert "提交4篇，采用3篇（市级2篇、全国1篇）" in shown.split("\n")
    english = render.record_text("en", ZHANG, record, CONFIG.levels, date(2026, 6, 30))
    assert "Submitted 4, adopted 3 (city 2, national 1)" in english.split("\n")


def test_names_and_titles_are_escaped() -> None:
    member = ZHANG.model_copy(update={"name": "<b>张</b>"})
    shown = render.record_text("zh", member, a_record(), CONFIG.levels, date(2026, 6, 30))
    assert "&lt;b&gt;张&lt;/b&gt;" in shown


def test_a_long_list_is_paged_under_telegrams_limit() -> None:
    lists = render.DutyLists(events=[
        EventLine(member_id=7, event_id=n, title="很长的活动标题" * 20, type="meeting",
                  starts_at=datetime(2026, 3, 1, 1, 0, tzinfo=UTC), outcome=Outcome.ABSENT,
                  expected=True)
        for n in range(200)
    ], reports=[], proposals=[], notes=[])
    lines = render.list_lines("zh", RecordScreen.EVENTS, lists, CONFIG.levels, ZONE)
    assert len(lines) == 200
    pages = [render.list_page("zh", ZHANG, 2026, RecordScreen.EVENTS, lines, n)
             for n in range(30)]
    count = pages[0][2]
    assert count > 1
    assert all(len(text) <= LIMIT for text, _, _ in pages)
    assert sum(len(text.split("\n")) - 1 for text, _, _ in pages[:count]) == 200
    assert "（第1/" in pages[0][0]
    assert pages[-1][1] == count - 1  # a page past the end shows the last
    one = render.paginate(["长" * 10000])
    assert len(one) == 1 and len(one[0][0]) == render.PAGE_CHARS and one[0][0].endswith("……")


def test_a_big_group_comes_in_chunks_each_with_its_members() -> None:
    records = [a_record(member_id=n, name=f"委员{n}") for n in range(1, 121)]
    group = ActivityGroup(id=1, name="第一活动组")
    chunks = render.group_chunks("zh", group, 2026, records, date(2026, 6, 30))
    assert len(chunks) > 1
    assert all(len(text) <= LIMIT for text, _ in chunks)
    assert [r.counts.member_id for _, shown in chunks for r in shown] == list(range(1, 121))
    assert all(text.count("分\n") == len(shown) for text, shown in chunks)
    assert chunks[0][0].startswith("📊 <b>第一活动组2026年履职情况</b>")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_refusal_is_a_sentence_with_a_next_step(language: str) -> None:
    texts = catalog(language)
    for problem in DutyProblem:
        key = f"duty.problem.{problem.value}"
        assert key in texts, key
        shown = tr(language, key, command="me", first=2000, limit=2026, length=30,
                   year=2025, start="2026年3月5日（周四）")
        assert len(shown) <= 200, key  # a popup under a button holds 200 characters
        if language == "zh":
            assert NEXT_STEP.search(last_sentence(shown)), key


def test_buttons_fit_in_64_bytes() -> None:
    codec = CallbackCodec(b"secret")
    for data in (RecordView(member_id=10**12, year=9999, screen=RecordScreen.PROPOSALS,
                            page=999),
                 GroupMemberRecord(member_id=10**12, year=9999),
                 GroupPick(group_id=10**12, year=9999)):
        encoded = codec.encode(data)
        assert len(encoded.encode()) <= MAX_BYTES
        assert codec.decode(encoded) == data


def test_chart_labels_and_months_in_both_languages() -> None:
    assert render.month_labels("zh")[0] == "1月" and len(render.month_labels("zh")) == 12
    assert render.month_labels("en")[11] == "Dec" and len(render.month_labels("en")) == 12
    assert render.chart_labels("zh").adopted == "采用"
