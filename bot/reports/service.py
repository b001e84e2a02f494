"""Public-opinion reports (社情民意信息): the report service, and what it finds and shows.

`ReportService` is what handlers call: writing and submitting (bot.reports.writing), review
moves and leader comments (bot.reports.review), following the status machine
(bot.reports.workflow); and, here, the queries: the review queue, search, the reports waiting too
long, a member's own reports and one report's history. Every refusal is a `Refused` with a
`Refusal` reason that handlers turn into a text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.auth import Action, Actor, Refused
from bot.reports.base import optional_text
from bot.reports.review import ReportReview
from bot.reports.workflow import QUEUE_STATUSES, Refusal
from bot.reports.writing import ReportWriting
from domain.models import Member, Report, ReportCategory, ReportHistory, ReportStatus
from storage.reports import ReportQuery

DEFAULT_STALE_DAYS = 3

_S = ReportStatus


@dataclass(frozen=True)
class ReviewQueue:
    """A page of the reports staff must act on, oldest first, and counts per status."""

    reports: list[Report]
    total: int  # reports in the queue (all pages)
    counts: dict[ReportStatus, int]  # every status but draft, zeros included


class ReportService(ReportWriting, ReportReview):
    """Drafts, submission, review moves, leader comments, the queue, search and history."""

    # -- staff: the queue and search ---------------------------------------------------------
    async def get_for_review(self, actor: Actor, report_id: int) -> Report:
        """A submitted report, for staff to look at (drafts stay private)."""
        self._require_reviewer(actor)
        report = await self.reports.get(report_id)
        if report is None or report.status is _S.DRAFT:
            raise Refused(Refusal.NOT_FOUND)
        return report

    async def queue(
        self,
        actor: Actor,
        *,
        status: ReportStatus | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> ReviewQueue:
        """Reports waiting for staff (or those in `status`), oldest first, with counts."""
        self._require_reviewer(actor)
        if status is _S.DRAFT:
            raise Refused(Refusal.NOT_FOUND)
        statuses = [status] if status is not None else list(QUEUE_STATUSES)
        counts = await self.reports.count_by_status()
        every: dict[ReportStatus, int] = {
            s: counts.get(s, 0) for s in ReportStatus if s is not _S.DRAFT
        }
        reports = await self.reports.find(
            ReportQuery(statuses=statuses, order="status_age", limit=limit, offset=offset)
        )
        return ReviewQueue(reports, sum(every[s] for s in statuses), every)

    async def search(
        self,
        actor: Actor,
        *,
        number: str | None = None,
        author_name: str | None = None,
        group_id: int | None = None,
        category: ReportCategory | None = None,
        status: ReportStatus | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Report]:
        """Submitted reports matching every given filter, last submitted first.

        Dates are days in the committee's zone, both included, on the first submission.
        """
        self._require_reviewer(actor)
        if status is _S.DRAFT:
            return []
        statuses = [status] if status is not None else [s for s in ReportStatus if s != _S.DRAFT]
        return await self.reports.find(
            ReportQuery(
                statuses=statuses,
                number=optional_text(number),
                author_name=optional_text(author_name),
                group_id=group_id,
                category=category,
                submitted_from=self.day_start(date_from) if date_from else None,
                submitted_to=self.day_start(date_to + timedelta(days=1)) if date_to else None,
                order="recently_submitted",
                limit=limit,
                offset=offset,
            )
        )

    def day_start(self, day: date) -> datetime:
        """Midnight at the start of `day` in the committee's zone."""
        return datetime.combine(day, time(), tzinfo=self.zone)

    async def stale_reports(self, days: int = DEFAULT_STALE_DAYS) -> list[Report]:
        """Reports submitted and untouched for at least `days`, oldest first (daily nudge)."""
        return await self.reports.find(
            ReportQuery(
                statuses=[_S.SUBMITTED],
                status_before=self.clock() - timedelta(days=days),
                order="status_age",
            )
        )

    async def submitted_between(self, start: datetime, end: datetime) -> list[Report]:
        """Reports (re)submitted in [start, end) and still waiting to be accepted."""
        found = await self.reports.find(
            ReportQuery(statuses=[_S.SUBMITTED], status_before=end, order="status_age")
        )
        return [r for r in found if start <= r.status_at < end]

    # -- the member's own view ---------------------------------------------------------------
    async def my_reports(
        self, member: Member, *, limit: int | None = None, offset: int = 0
    ) -> list[ReportHistory]:
        """Submitted reports the member wrote or co-wrote, last submitted first, with history.

        Drafts are listed by `list_drafts`.
        """
        reports = await self.reports.find(
            ReportQuery(
                statuses=[s for s in ReportStatus if s is not _S.DRAFT],
                involving_member_id=member.id,
                order="recently_submitted",
                limit=limit,
                offset=offset,
            )
        )
        ids = [r.id for r in reports]
        moves = await self.reports.moves(ids)
        comments = await self.reports.comments(ids)
        return [
            ReportHistory(
                report=r, moves=tuple(moves.get(r.id, ())), comments=tuple(comments.get(r.id, ()))
            )
            for r in reports
        ]

    async def history(self, report_id: int, viewer: Actor) -> ReportHistory:
        """One report with its moves, leader comments and submitted versions.

        Open to its author and co-authors (drafts: the author only) and to staff.
        """
        report = await self.reports.get(report_id)
        member_id = viewer.member.id if viewer.member else None
        if report is None:
            raise Refused(Refusal.NOT_FOUND)
        own = member_id is not None and (
            report.author_member_id == member_id
            or (report.status is not _S.DRAFT and report.involves(member_id))
        )
        staff = viewer.can(Action.REVIEW_REPORTS) and report.status is not _S.DRAFT
        if not (own or staff):
            raise Refused(Refusal.NOT_FOUND)
        moves = await self.reports.moves([report_id])
        comments = await self.reports.comments([report_id])
        return ReportHistory(
            report=report,
            moves=tuple(moves.get(report_id, ())),
            comments=tuple(comments.get(report_id, ())),
            versions=tuple(await self.reports.versions(report_id)),
        )
