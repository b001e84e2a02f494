"""Item 29: the zh-CN catalog speaks in the office's voice (../shared/ZH-STYLE.md).

One word for one thing (the settled words are in docs/glossary.md, which this test reads, zh and
en side by side), no command line or English in what members and leaders read, statuses as
members read them, dates as people read them, titles in their marks, event numbers in words,
and a next step at the end of every refusal, in both languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core import when
from bot.core.texts import catalog, tr

ZONE = ZoneInfo("Asia/Shanghai")
# 12月3日（周四）14:00 in Shanghai
THURSDAY_2PM = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)

# ZH-STYLE's format rules (and the address), as data: the thing, the way to write it, and what
# must not appear in any zh-CN text. The words themselves ("one word for one thing") are in
# docs/glossary.md, checked below.
ONE_WORD: list[tuple[str, str, str]] = [
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
def test_format_rules(thing: str, use: str, forbidden: str) -> None:
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
    from bot.core.config import DutyRecordConfig
    from bot.reports.wording import status_detail
    from domain.models import ReportStatus

    levels = DutyRecordConfig().levels
    assert status_detail("zh", levels, ReportStatus.NOT_ADOPTED, member=True) == "未采用"
    assert status_detail("zh", levels, ReportStatus.KEPT, member=True) == "留存备用"
    # staff keep the office terms
    assert status_detail("zh", levels, ReportStatus.NOT_ADOPTED) == "不予采用"
    assert status_detail("zh", levels, ReportStatus.KEPT) == "留存"


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
    from domain.models import EventDraft, EventPolicy, EventType
    from handlers.attendance.render import card

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


def test_every_refusal_ends_with_a_next_step_in_english_too() -> None:
    """The English says what the Chinese says: the next steps added to zh are in en as well."""
    en = catalog("en")
    next_step = re.compile(
        r"(?i)/[a-z]+|\b(tap|press|button|please|contact|send|ask|type|choose)\b")
    without = {}
    for key in refusal_keys():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", en[key].strip()) if s.strip()]
        if not next_step.search(sentences[-1]):
            without[key] = en[key]
    assert without == {}


# -- the glossary: one word for one thing, zh and en side by side -------------------------------
GLOSSARY = Path(__file__).parents[3] / "docs" / "glossary.md"
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class Term:
    """One row of the glossary's table."""

    zh: tuple[str, ...]  # the settled word, its forms
    en: tuple[str, ...]  # the settled English, its forms (matched at the start of a word)
    reserved: tuple[str, ...]  # English forms used only where the zh text uses the term
    meaning: str
    forbidden: tuple[str, ...]  # regular expressions no text may match

    @property
    def name(self) -> str:
        return " / ".join(self.zh)


def _cells(row: str) -> list[str]:
    """The cells of a Markdown table row; `\\|` is a | inside a cell."""
    cells = re.split(r"(?<!\\)\|", row.strip().strip("|"))
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def glossary_terms() -> list[Term]:
    rows = [line for line in _section(GLOSSARY.read_text(encoding="utf-8"), "Terms").splitlines()
            if line.startswith("|")][2:]  # the header and its rule
    terms = []
    for row in rows:
        zh, en, meaning, forbidden = _cells(row)
        forms = [form.strip() for form in en.split(" / ")]
        terms.append(Term(
            zh=tuple(form.strip() for form in zh.split(" / ")),
            en=tuple(form.strip("*") for form in forms),
            reserved=tuple(form.strip("*") for form in forms if form.startswith("**")),
            meaning=meaning,
            forbidden=tuple(re.findall(r"`([^`]+)`", forbidden)),
        ))
    return terms


def staff_only_prefixes() -> tuple[str, ...]:
    """The ids of texts only the office's staff read, by prefix (the glossary lists them)."""
    section = _section(GLOSSARY.read_text(encoding="utf-8"), "Texts only the office's staff read")
    listed = section[section.index("\n`"):]  # the list after the explanation
    return tuple(re.findall(r"`([a-z_.]+)`", listed))


TERMS = glossary_terms()
FORBIDDEN = [(term, pattern) for term in TERMS for pattern in term.forbidden]


def test_the_glossary_is_read() -> None:
    assert len(TERMS) > 25
    names = {term.name for term in TERMS}
    assert {"绑定", "退出", "请假", "填报", "督导提醒"} <= names
    assert all(term.zh and term.en and term.meaning for term in TERMS)
    assert "告知" in next(t for t in TERMS if t.name == "填报").forbidden
    assert len(staff_only_prefixes()) > 30


def _english_form(forms: tuple[str, ...]) -> re.Pattern[str]:
    """The forms at the start of a word; a hyphen reads as a space ("check-in", "check in")."""
    spaced = (re.escape(form.replace("-", " ")) for form in forms)
    return re.compile(r"(?i)(?<![\w/])(" + "|".join(spaced) + ")")


def _without_commands(text: str) -> str:
    return re.sub(r"/[a-z_]+", "", text)


@pytest.mark.parametrize(("term", "forbidden"), FORBIDDEN,
                         ids=[f"{term.name}: {pattern}" for term, pattern in FORBIDDEN])
def test_no_text_uses_a_word_the_glossary_rules_out(term: Term, forbidden: str) -> None:
    """Each row's words not to use appear in no text: Chinese ones in zh, the rest in en."""
    language = "zh" if CJK.search(forbidden) else "en"
    pattern = re.compile(forbidden)
    found = {key: text for key, text in catalog(language).items() if pattern.search(text)}
    assert found == {}, f"{term.name}: use {' / '.join(term.zh)} ({' / '.join(term.en)})"


# what may be typed after /export, in each language: words, not sentences
TYPED_WORDS = ("export.kind_",)


@pytest.mark.parametrize("term", TERMS, ids=[term.name for term in TERMS])
def test_the_english_uses_the_settled_term(term: Term) -> None:
    """Where a zh text uses a settled word, its English uses the settled English."""
    zh, en = catalog("zh"), catalog("en")
    english = _english_form(term.en)
    found = {key: en[key] for key in zh
             if any(form in zh[key] for form in term.zh) and not key.startswith(TYPED_WORDS)
             and not english.search(_without_commands(en[key]).replace("-", " "))}
    assert found == {}, f"{term.name}: say {' / '.join(term.en)}"


RESERVED = [term for term in TERMS if term.reserved]


@pytest.mark.parametrize("term", RESERVED, ids=[term.name for term in RESERVED])
def test_a_reserved_english_word_means_one_thing(term: Term) -> None:
    """The word "leave" is 请假 and nothing else (/cancel is "exit"); "bind" is 绑定 (never
    "register")."""
    zh, en = catalog("zh"), catalog("en")
    english = _english_form(term.reserved)
    found = {key: en[key] for key in en
             if english.search(_without_commands(en[key]).replace("-", " "))
             and not any(form in zh[key] for form in term.zh)}
    assert found == {}, f"{' / '.join(term.reserved)} is for {term.name} only"


# -- what members and leaders read: no command line, no English ---------------------------------
# the language picker names both languages by design
BILINGUAL = ("lang.",)
ALLOWED_LATIN = {"Telegram"}
COMMAND_LINE = re.compile(r"liaison-bot|(?<![\w-])--[a-z]|\b[a-z]+\|[a-z]+\b")


def reader_commands() -> set[str]:
    """The /commands members and leaders have in their menus (staff's are not for them)."""
    from handlers.shared.capability import Menu
    from liaison.app import CAPABILITIES

    readers = {Menu.UNBOUND, Menu.MEMBER, Menu.LEADER, Menu.DEPUTY, Menu.GROUP}
    return {c.name for cap in CAPABILITIES for c in cap.commands if c.menus & readers}


def reader_texts(language: str) -> dict[str, str]:
    """The texts members and leaders may read: every id but the staff's."""
    staff = staff_only_prefixes()
    return {key: text for key, text in catalog(language).items() if not key.startswith(staff)}


def test_reader_texts_are_most_texts() -> None:
    assert 500 < len(reader_texts("zh")) < len(catalog("zh"))
    assert {"start", "report", "checkin", "leave", "proposals", "me", "newevent"} <= (
        reader_commands())
    assert not {"review", "reminders", "export", "stats", "invite"} & reader_commands()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_member_texts_name_no_command_line(language: str) -> None:
    """No `liaison-bot …`, no --options, no a|b choices, and only the /commands members and
    leaders can send, in what they read (staff texts may name any command)."""
    allowed = reader_commands()
    found = {}
    for key, text in reader_texts(language).items():
        plain = re.sub(r"\{[a-z_]+\}|</?[a-z]+[^>]*>", "", text)
        commands = set(re.findall(r"(?<![\w/])/([a-z_]+)", plain)) - allowed
        if COMMAND_LINE.search(plain) or commands:
            found[key] = text
    assert found == {}


def test_member_texts_in_chinese_have_no_english() -> None:
    """Telegram is a name; the language picker names English by design; nothing else."""
    found = {}
    for key, text in reader_texts("zh").items():
        if key.startswith(BILINGUAL):
            continue
        plain = re.sub(r"\{[a-z_]+\}|</?[a-z]+[^>]*>|/[a-z_]+", "", text)
        words = set(re.findall(r"[A-Za-z]+", plain)) - ALLOWED_LATIN
        if words:
            found[key] = sorted(words)
    assert found == {}
