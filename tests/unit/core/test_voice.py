"""Item 29: the zh-CN catalog speaks in the office's voice (../shared/ZH-STYLE.md).

One word for one thing, statuses as members read them, dates as people read them, titles in
their marks, event numbers in words, and a next step at the end of every refusal.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core import when
from bot.core.texts import catalog, tr

ZONE = ZoneInfo("Asia/Shanghai")
# 12月3日（周四）14:00 in Shanghai
THURSDAY_2PM = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)

# ZH-STYLE "One word for one thing" (and the format rules), as data: the thing, the word to
# use, and what must not appear in any zh-CN text. Compounds that legitimately contain a
# forbidden word are let through by the patterns (履职登记表, 社情民意登记表, 调研报告).
ONE_WORD: list[tuple[str, str, str]] = [
    ("linking the account to the roster", "绑定", r"登记(?!表)"),
    ("leaving a guided conversation (/cancel)", "退出", r"离开|放弃|取消当前操作"),
    ("a public-opinion report", "社情民意信息", r"(?<!调研)报告"),
    ("leave decisions", "审批；已批准／未批准／待审批", r"获批|待批|不批准"),
    ("attendance states", "已签到／迟到／请假／未签到", r"未到|缺席|出席"),
    ("a report's history", "办理记录", r"(?<!已)经过(?!去)"),
    ("an event's number", "活动编号12", r"#\s*(\{number\}|\d)"),
    ("a member", "您", r"你"),
    ("the level of adoption", "本级／省级／全国", r"市/区县级"),
    ("an ellipsis", "……", r"(?<!…)…(?!…)|\.\.\."),
    ("rules and notices", "no ✅ before a rule, no ⬜", r"✅\s*\{rule\}|⬜"),
    ("numbers in Chinese", "7天, 3篇, 12月3日",
     r"[\u4e00-\u9fff] (\d|\{[a-z_]+\})|(\d|\{[a-z_]+\}) [\u4e00-\u9fff]"),
    ("full-width punctuation", "，。；？！（）",
     r"[\u4e00-\u9fff][,;?!()]|[,;?!()][\u4e00-\u9fff]"),
]


# texts that show what to type (arguments are separated by spaces there)
TYPED_EXAMPLES = {
    "review.export_usage", "review.search_hint", "proposal.set_usage", "reminders.ask_day",
    "reminders.bad_moment",
}


@pytest.mark.parametrize(("thing", "use", "forbidden"), ONE_WORD, ids=[t[0] for t in ONE_WORD])
def test_one_word_for_one_thing(thing: str, use: str, forbidden: str) -> None:
    pattern = re.compile(forbidden)
    found = {key: text for key, text in catalog("zh").items()
             if key not in TYPED_EXAMPLES and pattern.search(text)}
    assert found == {}, f"{thing}: use {use}"


def test_authors_are_reflectors_outside_the_exports() -> None:
    """作者 only in the spreadsheets; in chat the author is the 反映人."""
    found = [key for key, text in catalog("zh").items()
             if "作者" in text and not key.startswith("report_export.")]
    assert found == []


def test_leaving_a_conversation_is_exiting() -> None:
    zh = catalog("zh")
    assert "退出" in zh["cmd.cancel"]
    assert "退出" in zh["common.cancelled"]
    assert all("退出" in text for text in zh.values() if re.search(r"/cancel\b", text))


# -- statuses as members read them ------------------------------------------------------------
def test_members_read_not_adopted_and_kept_gently() -> None:
    from handlers.reports.render import status_detail
    from storage.models import ReportStatus

    assert status_detail("zh", ReportStatus.NOT_ADOPTED, member=True) == "未采用"
    assert status_detail("zh", ReportStatus.KEPT, member=True) == "留存备用"
    # staff keep the office terms
    assert status_detail("zh", ReportStatus.NOT_ADOPTED) == "不予采用"
    assert status_detail("zh", ReportStatus.KEPT) == "留存"


def test_a_late_check_in_is_a_success() -> None:
    late = tr("zh", "checkin.late", time="14:05")
    assert late.startswith("✅ 签到成功（晚于开始时间）")
    assert "迟到" not in late
    assert "迟到" not in tr("zh", "events.status_late", time="14:05")
    assert "晚于开始时间" in tr("zh", "events.status_late", time="14:05")


def test_a_refused_leave_does_not_contradict_itself() -> None:
    declined = tr("zh", "leave.declined_push", name="张三组长", title="读书会",
                  when="12月3日（周四）14:00至16:00")
    assert "请按时参加；如确有困难，请与张三组长联系" in declined
    assert "如能参加" not in declined
    assert "❌" not in declined
    assert "未批准" in declined


def test_leave_waits_for_a_role_not_a_list_of_names() -> None:
    requested = tr("zh", "leave.requested", title="读书会", deciders="组长")
    assert "请等候组长审批" in requested


# -- format -----------------------------------------------------------------------------------
def test_dates_for_people() -> None:
    this_year, last_year = date(2026, 11, 1), date(2025, 12, 31)
    assert when.day_text("zh", THURSDAY_2PM, ZONE, today=this_year) == "12月3日（周四）"
    assert when.moment_text("zh", THURSDAY_2PM, ZONE, today=this_year) == "12月3日（周四）14:00"
    assert when.moment_text("zh", THURSDAY_2PM, ZONE, today=last_year) == (
        "2026年12月3日（周四）14:00")
    ends = THURSDAY_2PM.replace(hour=8)
    assert when.when_text("zh", THURSDAY_2PM, ends, ZONE, today=this_year) == (
        "12月3日（周四）14:00至16:00")
    later = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert when.when_text("zh", THURSDAY_2PM, later, ZONE, today=this_year) == (
        "12月3日（周四）14:00至12月5日（周六）16:00")
    assert "2026" not in when.when_text("en", THURSDAY_2PM, ends, ZONE, today=this_year)


def test_one_formatter_for_dates() -> None:
    """The attendance screens use bot/core/when.py, not copies of their own."""
    from handlers.attendance import render

    for name in ("clock", "day_text", "moment_text", "when_text"):
        if hasattr(render, name):
            assert getattr(render, name) is getattr(when, name), name


def test_report_history_dates_for_people() -> None:
    from handlers.reports import render

    assert not hasattr(render, "local_time") or "-" not in render.local_time(
        "zh", THURSDAY_2PM, ZONE, THURSDAY_2PM.date())


EVENT_PREFIXES = ("event.", "events.", "checkin.", "leave.", "qr.", "attendance.",
                  "reminder.event_")
REPORT_PREFIXES = ("report.", "review.")


def _unbold(text: str) -> str:
    return text.replace("<b>", "").replace("</b>", "")


def test_event_titles_in_quotes_and_report_titles_in_book_marks() -> None:
    wrong = []
    for key, text in catalog("zh").items():
        if "{title}" not in text:
            continue
        plain = _unbold(text)
        if key.startswith(EVENT_PREFIXES) and "“{title}”" not in plain:
            wrong.append(key)
        if key.startswith(REPORT_PREFIXES) and "《{title}》" not in plain:
            wrong.append(key)
    assert wrong == []


def test_event_numbers_in_words() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert "活动编号{number}" in zh["event.announcement"]
    assert "Event no. {number}" in en["event.announcement"]
    assert not [key for key, text in en.items() if "#{number}" in text]


def test_no_tick_before_the_check_in_rule_in_announcements() -> None:
    from handlers.attendance.render import card
    from storage.models import EventDraft, EventPolicy, EventType

    draft = EventDraft(type=EventType.READING, title="读书会", starts_at=THURSDAY_2PM,
                       ends_at=THURSDAY_2PM.replace(hour=8), place="三楼", group_ids=[],
                       policy=EventPolicy.OPEN, venue=None)
    shown = card("zh", draft, ZONE, THURSDAY_2PM.date(), [])
    assert "✅" not in shown
    assert "“读书会”" in shown


def test_no_cross_on_notices_to_members() -> None:
    zh = catalog("zh")
    for key in ("event.announcement_cancelled", "event.notice_cancelled",
                "events.status_absent", "leave.declined_push"):
        assert "❌" not in zh[key], key
    assert "【活动取消通知】" in zh["event.notice_cancelled"]


# -- every refusal says what to do next -------------------------------------------------------
# a command, a button, a request (请…), or someone to contact
NEXT_STEP = re.compile(r"/[a-z]+|点|按钮|请|联系")
# outcomes that are not refusals: the thing was done, or needs nothing more
DONE = {"recorded", "late", "already", "requested", "bound", "already_yours",
        "already_pending", "already_approved", "checked_in"}


def refusal_keys() -> list[str]:
    from bot.attendance.outcomes import CheckInOutcome, LeaveOutcome
    from bot.attendance.rules import EventProblem
    from bot.members.registration import BindOutcome

    zh = catalog("zh")
    keys = (
        [f"event.problem_{p.value}" for p in EventProblem]
        + [f"checkin.{o.value}" for o in CheckInOutcome if o.value not in DONE]
        + [f"leave.{o.value}" for o in LeaveOutcome if o.value not in DONE]
        + [f"bind.{o.value}" for o in BindOutcome if o.value not in DONE]
        + [key for key in zh if key.startswith(("report_refusal.", "auth."))]
    )
    assert len(keys) > 60
    return keys


def last_sentence(text: str) -> str:
    sentences = [s for s in re.split(r"(?<=[。！？])", text.strip()) if s.strip()]
    return sentences[-1]


def test_every_refusal_ends_with_a_next_step() -> None:
    zh = catalog("zh")
    without = {key: zh[key] for key in refusal_keys()
               if not NEXT_STEP.search(last_sentence(zh[key]))}
    assert without == {}
