"""What proposal windows say (announcement, countdown, a member's card) and the 已提交N件
buttons, per language."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.texts import plain, tr
from bot.core.when import date_text
from bot.reminders.proposals import ProposalReminder, WindowView, parse_proposal_key
from bot.telegram.callbacks import CallbackCodec
from domain.proposal_models import ProposalWindow
from domain.reminder_models import ReminderOccurrence
from handlers.reminders.proposal_buttons import ProposalFiled

# The counts offered as buttons; 其他 asks for the number.
OFFERED = (1, 2, 3)


def day_text(language: str, day: date, today: date) -> str:
    """12月3日（周四） / Thu 3 Dec; with the year when it is not this year (bot.core.when)."""
    return date_text(language, day, today)


def occurrence_text(
    language: str, window: ProposalWindow, occurrence: ReminderOccurrence, zone: tzinfo,
    name: str,
) -> str:
    """The announcement or a countdown reminder, to member `name` (HTML)."""
    _, which = parse_proposal_key(occurrence)
    sent_on = occurrence.due_at.astimezone(zone).date()
    deadline = day_text(language, window.deadline, sent_on)
    if which is ProposalReminder.OPEN:
        return tr(language, "proposal.announce", name=name, title=window.title,
                  deadline=deadline)
    days = (window.deadline - sent_on).days
    if days <= 0:
        return tr(language, "proposal.reminder_today", name=name, title=window.title,
                  deadline=deadline)
    return tr(language, "proposal.reminder", name=name, title=window.title,
              deadline=deadline, days=days)


def filed_keyboard(
    codec: CallbackCodec, language: str, window_id: int, member_id: int
) -> InlineKeyboardMarkup:
    """已提交1件 / 2件 / 3件 / 其他, for this member only."""

    def button(label: str, count: int) -> InlineKeyboardButton:
        data = ProposalFiled(window_id=window_id, member_id=member_id, count=count)
        return InlineKeyboardButton(label, callback_data=codec.encode(data))

    first, *more = OFFERED
    return InlineKeyboardMarkup([[
        button(plain(language, "proposal.filed_first", count=first), first),
        *(button(plain(language, "proposal.filed_more", count=n), n) for n in more),
        button(plain(language, "proposal.filed_other"), 0),
    ]])


def window_card(language: str, view: WindowView, today: date) -> str:
    """A window as a member sees it in /proposals: its days and what they have filed (HTML)."""
    window, filing = view.window, view.filing
    if filing is None or filing.count == 0:
        status = tr(language, "proposal.status_none")
    elif filing.audited:
        status = tr(language, "proposal.status_confirmed", count=filing.count)
    else:
        status = tr(language, "proposal.status_filed", count=filing.count)
    return tr(language, "proposal.card", title=window.title,
              opens=day_text(language, window.opens_on, today),
              deadline=day_text(language, window.deadline, today), status=status)


def local_today(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()
