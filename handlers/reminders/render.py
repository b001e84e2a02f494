"""What a reminder says, per occurrence and recipient language, and the buttons it carries."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.attendance.links import leave_link_payload
from bot.core.texts import Html, tr
from bot.core.when import clock, moment_text
from bot.reminders.events import EventReminder, which_of
from bot.reminders.service import DueOccurrence
from bot.reports.links import advice_link_payload
from domain.models import Event, Member, ReportCategory
from domain.proposal_models import ProposalWindow
from domain.reminder_models import ReminderKind, ReminderOccurrence, ReminderSchedule
from handlers.reminders.buttons import ReadingNoteStart, ReminderAck
from handlers.reminders.proposal_render import filed_keyboard, occurrence_text
from handlers.shared.context import Services


def schedule_text(language: str, schedule: ReminderSchedule) -> str:
    """What a schedule's occurrences say (a notice: its title and text)."""
    if schedule.kind is ReminderKind.NOTICE:
        return tr(language, "reminder.notice", title=schedule.title, body=schedule.body)
    return tr(language, f"reminder.{schedule.kind.value}")


class Rendered:
    """The text of one occurrence in each language asked for, and its buttons; what it is
    about comes with it (ReminderService.due or describe), nothing is read here."""

    def __init__(self, services: Services, due: DueOccurrence, bot_username: str) -> None:
        self.services = services
        self.occurrence: ReminderOccurrence = due.occurrence
        self.schedule: ReminderSchedule | None = due.schedule
        self.event: Event | None = due.event
        self.window: ProposalWindow | None = due.window
        self.bot_username = bot_username
        self._texts: dict[str, str] = {}

    def text(self, language: str, name: str) -> str:
        cached = self._texts.get(language)
        if cached is None:
            cached = self._texts[language] = self._text(language)
        return cached.replace("\x00name\x00", html.escape(name))

    def _text(self, language: str) -> str:
        zone = self.services.config.zone
        schedule, event = self.schedule, self.event
        if self.window is not None:
            return occurrence_text(language, self.window, self.occurrence, zone, "\x00name\x00")
        if schedule is not None:
            return schedule_text(language, schedule)
        assert event is not None
        which = which_of(self.occurrence)
        values = {
            "title": event.title, "place": event.place or tr(language, "reminder.no_place"),
            "when": moment_text(language, event.starts_at, zone, today=self.services.today()),
            "time": clock(event.starts_at, zone), "name": "\x00name\x00",
        }
        return tr(language, f"reminder.event_{which.value}", **values)

    def about(self, language: str) -> Html:
        """What this occurrence is, to quote it to staff: its kind and title ("“座谈会”活动提醒",
        "通知“年终座谈会”"), never its text as written for one member."""
        if self.window is not None:
            return Html(tr(language, "reminder.about_proposal", title=self.window.title))
        schedule, event = self.schedule, self.event
        if schedule is not None:
            if schedule.kind is ReminderKind.NOTICE:
                return Html(tr(language, "reminder.about_notice", title=schedule.title))
            return Html(tr(language, "reminder.about_themed",
                           kind=tr(language, f"reminder_kind.{schedule.kind.value}")))
        assert event is not None
        return Html(tr(language, f"reminder.about_event_{which_of(self.occurrence).value}",
                       title=event.title))

    def sent_at(self, language: str) -> Html:
        """The occurrence by what it is and when it went out: "3月9日（周二）18:00发出的“座谈会”
        活动提醒"."""
        when = moment_text(language, self.occurrence.due_at, self.services.config.zone,
                           today=self.services.today())
        return Html(tr(language, "reminder.sent_at", when=when, what=self.about(language)))

    def markup(self, language: str, member: Member | None = None) -> InlineKeyboardMarkup | None:
        """The buttons under the occurrence; those of a proposal window are `member`'s own."""
        schedule, event = self.schedule, self.event
        codec = self.services.codec
        if self.window is not None:
            return None if member is None else filed_keyboard(
                codec, language, self.window.id, member.id)
        if schedule is not None:
            button = None
            if schedule.kind is ReminderKind.READING_DAY:
                data = codec.encode(ReadingNoteStart(occurrence_id=self.occurrence.id))
                button = InlineKeyboardButton(tr(language, "reading.button"), callback_data=data)
            elif schedule.kind is ReminderKind.ADVICE_DAY:
                category = ReportCategory(self.services.config.reminders.advice_day.category)
                link = f"https://t.me/{self.bot_username}?start={advice_link_payload(category)}"
                button = InlineKeyboardButton(tr(language, "reminder.advice_button"), url=link)
            elif schedule.ack:
                data = codec.encode(ReminderAck(occurrence_id=self.occurrence.id))
                button = InlineKeyboardButton(tr(language, "reminder.ack_button"),
                                              callback_data=data)
            return InlineKeyboardMarkup([[button]]) if button else None
        if event is None or which_of(self.occurrence) is EventReminder.LEAVE_UNDECIDED:
            return None
        link = f"https://t.me/{self.bot_username}?start={leave_link_payload(event.id)}"
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(tr(language, "reminder.leave_button"), url=link)]]
        )
