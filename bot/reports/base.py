"""What every part of the report service holds (database, roster, zone, clock, adoption levels)
and shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.core.auth import Action, Actor, NotAllowed, Refused
from bot.core.config import DutyRecordConfig, LevelConfig
from bot.reports.workflow import Refusal
from domain.clock import Now
from domain.models import Report
from storage.db import Database
from storage.members import MemberRepository
from storage.reports import ReportRepository


class ReportServiceBase:
    """The database, roster, committee zone, clock and adoption levels the report service
    works with."""

    def __init__(
        self,
        db: Database,
        members: MemberRepository,
        zone: tzinfo,
        clock: Now | None = None,
        levels: Sequence[LevelConfig] | None = None,
    ) -> None:
        self.db = db
        self.members = members
        self.zone = zone
        self.clock = clock or db.clock
        # the levels a report can be adopted at, lowest first ([[duty_record.levels]])
        self.levels = levels if levels is not None else DutyRecordConfig().levels
        self.reports = ReportRepository(db)

    def _require_reviewer(self, actor: Actor) -> None:
        if not actor.can(Action.REVIEW_REPORTS):
            raise NotAllowed


def one_line(text: str) -> str:
    return " ".join(text.split())


def optional_text(text: str | None) -> str | None:
    stripped = (text or "").strip()
    return stripped or None


def check_length(text: str, limit: int, reason: Refusal) -> None:
    if len(text) > limit:
        raise Refused(reason, length=len(text), limit=limit)


def notify_ids(report: Report) -> tuple[int, ...]:
    """Whom to tell of a change: the author and co-authors' Telegram ids, author first."""
    ids: list[int] = []
    for tg_id in [report.author_telegram_id, *(c.telegram_user_id for c in report.coauthors)]:
        if tg_id is not None and tg_id not in ids:
            ids.append(tg_id)
    return tuple(ids)


def audit_subject(report_id: int) -> str:
    """The subject of a report's rows in the audit trail."""
    return f"report:{report_id}"
