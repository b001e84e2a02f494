"""Writing a report: the member's drafts, saved on every change, and submitting them.

A member writes a report as a draft that is saved on every change; submitting it gives it a
number for the year (2026-0137), kept across resubmissions, and keeps what was submitted as a
version. Only drafts and returned reports change (bot.reports.workflow: EDITABLE).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

import aiosqlite

from bot.core.auth import Refused
from bot.reports.base import ReportServiceBase, audit_subject, check_length, one_line
from bot.reports.workflow import EDITABLE, Refusal
from domain.models import (
    AttachmentKind,
    Member,
    Report,
    ReportCategory,
    ReportMove,
    ReportStatus,
)
from storage.audit import record_audit
from storage.reports import ReportQuery, ReportRepository

MAX_TITLE = 60
MAX_BODY = 5000
MAX_ATTACHMENTS = 9
MAX_COAUTHORS = 10

_S = ReportStatus


@dataclass(frozen=True)
class SubmitResult:
    """A report just submitted: its number, and whether it was a resubmission."""

    report: Report
    move: ReportMove
    resubmitted: bool


class ReportWriting(ReportServiceBase):
    """The author's side: drafts, their title, category, text, files and co-authors, submitting."""

    async def start_draft(self, member: Member) -> Report:
        """A new empty draft by `member`, stored at once."""
        now = self.clock()
        async with self.db.transaction() as conn:
            report_id = await ReportRepository.insert_draft(conn, member.id, now)
            await record_audit(
                conn, "report_draft_start", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=audit_subject(report_id), at=now,
            )
            report = await ReportRepository.load(conn, report_id)
        assert report is not None
        return report

    async def current_draft(self, member: Member) -> Report | None:
        """The member's most recently edited draft, to resume."""
        drafts = await self.list_drafts(member, limit=1)
        return drafts[0] if drafts else None

    async def list_drafts(self, member: Member, *, limit: int | None = None) -> list[Report]:
        """The member's drafts, last edited first."""
        return await self.reports.find(
            ReportQuery(
                statuses=[_S.DRAFT], author_member_id=member.id, order="recently_edited",
                limit=limit,
            )
        )

    async def editable_report(self, member: Member, report_id: int) -> Report:
        """A draft or returned report of the member's, to show or continue editing."""
        return _own(await self.reports.get(report_id), member, EDITABLE, Refusal.NOT_EDITABLE)

    async def _edit(
        self,
        member: Member,
        report_id: int,
        change: Callable[[aiosqlite.Connection, Report], Awaitable[dict[str, object] | None]],
    ) -> Report:
        """Apply `change` to an editable report of the member's in one audited transaction.

        `change` returns the audit detail, or None when there was nothing to change.
        """
        now = self.clock()
        async with self.db.transaction() as conn:
            report = _own(await ReportRepository.load(conn, report_id), member, EDITABLE,
                          Refusal.NOT_EDITABLE)
            detail = await change(conn, report)
            if detail is None:
                return report
            await ReportRepository.touch(conn, report_id, now)
            await record_audit(
                conn, "report_draft_edit", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=audit_subject(report_id), detail=detail, at=now,
            )
            changed = await ReportRepository.load(conn, report_id)
        assert changed is not None
        return changed

    async def set_title(self, member: Member, report_id: int, title: str) -> Report:
        """Set the title (one line, at most MAX_TITLE characters)."""
        clean = one_line(title)
        if not clean:
            raise Refused(Refusal.TITLE_EMPTY)
        check_length(clean, MAX_TITLE, Refusal.TITLE_TOO_LONG)

        async def change(conn: aiosqlite.Connection, report: Report) -> dict[str, object]:
            await ReportRepository.update_fields(conn, report.id, self.clock(), title=clean)
            return {"field": "title", "length": len(clean)}

        return await self._edit(member, report_id, change)

    async def set_category(
        self, member: Member, report_id: int, category: ReportCategory
    ) -> Report:
        async def change(conn: aiosqlite.Connection, report: Report) -> dict[str, object]:
            await ReportRepository.update_fields(
                conn, report.id, self.clock(), category=str(category)
            )
            return {"field": "category", "category": str(category)}

        return await self._edit(member, report_id, change)

    async def append_body(
        self, member: Member, report_id: int, text: str, *, message_id: int | None = None
    ) -> Report:
        """Add a piece of text to the body, joined with a newline (at most MAX_BODY in all).

        `message_id` is the Telegram message the text came in: the same message delivered
        again (after a crash before Telegram was told it was handled) is not added twice.
        """
        piece = text.strip()
        if not piece:
            raise Refused(Refusal.TEXT_EMPTY)

        async def change(conn: aiosqlite.Connection, report: Report) -> dict[str, object] | None:
            seen = report.body_message_id
            if message_id is not None and seen is not None and message_id <= seen:
                return None
            body = f"{report.body}\n{piece}" if report.body else piece
            check_length(body, MAX_BODY, Refusal.BODY_TOO_LONG)
            await ReportRepository.update_fields(
                conn, report.id, self.clock(), body=body,
                body_message_id=message_id if message_id is not None else seen,
            )
            return {"field": "body", "added": len(piece), "length": len(body)}

        return await self._edit(member, report_id, change)

    async def set_body(
        self, member: Member, report_id: int, text: str, *, message_id: int | None = None
    ) -> Report:
        """Replace the body (to rewrite it); an empty text clears it."""
        body = text.strip()
        check_length(body, MAX_BODY, Refusal.BODY_TOO_LONG)

        async def change(conn: aiosqlite.Connection, report: Report) -> dict[str, object]:
            await ReportRepository.update_fields(
                conn, report.id, self.clock(), body=body,
                body_message_id=message_id if message_id is not None else report.body_message_id,
            )
            return {"field": "body", "length": len(body), "replaced": True}

        return await self._edit(member, report_id, change)

    async def add_attachment(
        self,
        member: Member,
        report_id: int,
        kind: AttachmentKind,
        file_id: str,
        file_unique_id: str,
        *,
        file_name: str | None = None,
        mime: str | None = None,
    ) -> Report:
        """Attach a photo or document (at most MAX_ATTACHMENTS; the same file once)."""

        async def change(conn: aiosqlite.Connection, report: Report) -> dict[str, object] | None:
            if any(a.file_unique_id == file_unique_id for a in report.attachments):
                return None
            if len(report.attachments) >= MAX_ATTACHMENTS:
                raise Refused(
                    Refusal.TOO_MANY_ATTACHMENTS,
                    length=len(report.attachments), limit=MAX_ATTACHMENTS,
                )
            await ReportRepository.add_attachment(
                conn, report.id, kind, file_id, file_unique_id, file_name, mime
            )
            count = len(report.attachments) + 1
            return {"field": "attachments", "added": str(kind), "count": count}

        return await self._edit(member, report_id, change)

    async def remove_attachment(self, member: Member, report_id: int, position: int) -> Report:
        """Remove the attachment at `position` (1-based); later ones move up."""

        async def change(conn: aiosqlite.Connection, report: Report) -> dict[str, object]:
            if not await ReportRepository.remove_attachment(conn, report.id, position):
                raise Refused(Refusal.ATTACHMENT_NOT_FOUND)
            return {"field": "attachments", "removed": position}

        return await self._edit(member, report_id, change)

    async def clear_attachments(self, member: Member, report_id: int) -> Report:
        async def change(conn: aiosqlite.Connection, report: Report) -> dict[str, object] | None:
            if not report.attachments:
                return None
            await ReportRepository.clear_attachments(conn, report.id)
            return {"field": "attachments", "removed": len(report.attachments)}

        return await self._edit(member, report_id, change)

    async def coauthor_candidates(
        self, member: Member, name_part: str, *, limit: int = 10
    ) -> list[Member]:
        """Roster members whose name contains `name_part`, the author left out."""
        part = name_part.strip()
        if not part:
            return []
        found = [
            m for m in await self.members.list_members() if part in m.name and m.id != member.id
        ]
        return found[:limit]

    async def add_coauthor(self, member: Member, report_id: int, coauthor_id: int) -> Report:
        """Name a co-author from the roster (not the author; at most MAX_COAUTHORS)."""
        if coauthor_id == member.id:
            raise Refused(Refusal.COAUTHOR_IS_AUTHOR)
        coauthor = await self.members.by_id(coauthor_id)
        if coauthor is None:
            raise Refused(Refusal.COAUTHOR_UNKNOWN)

        async def change(conn: aiosqlite.Connection, report: Report) -> dict[str, object] | None:
            if any(c.member_id == coauthor.id for c in report.coauthors):
                return None
            if len(report.coauthors) >= MAX_COAUTHORS:
                raise Refused(Refusal.TOO_MANY_COAUTHORS, limit=MAX_COAUTHORS)
            await ReportRepository.add_coauthor(conn, report.id, coauthor.id)
            return {"field": "coauthors", "added": coauthor.id}

        return await self._edit(member, report_id, change)

    async def remove_coauthor(self, member: Member, report_id: int, coauthor_id: int) -> Report:
        async def change(conn: aiosqlite.Connection, report: Report) -> dict[str, object] | None:
            if not await ReportRepository.remove_coauthor(conn, report.id, coauthor_id):
                return None
            return {"field": "coauthors", "removed": coauthor_id}

        return await self._edit(member, report_id, change)

    async def discard_draft(self, member: Member, report_id: int) -> None:
        """Delete a draft that was never submitted (submitted reports are never deleted)."""
        async with self.db.transaction() as conn:
            report = _own(await ReportRepository.load(conn, report_id), member, {_S.DRAFT},
                          Refusal.NOT_EDITABLE)
            await ReportRepository.delete(conn, report_id)
            await record_audit(
                conn, "report_draft_discard", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=audit_subject(report_id),
                detail={"title": report.title, "length": len(report.body)}, at=self.clock(),
            )

    # -- submission --------------------------------------------------------------------------
    async def submit(self, member: Member, report_id: int) -> SubmitResult:
        """Submit a draft, or resubmit a returned report; the first submission numbers it."""
        now = self.clock()
        async with self.db.transaction() as conn:
            report = _own(await ReportRepository.load(conn, report_id), member, EDITABLE,
                          Refusal.ALREADY_HANDLED)
            if not report.title:
                raise Refused(Refusal.TITLE_EMPTY)
            check_length(report.title, MAX_TITLE, Refusal.TITLE_TOO_LONG)
            if report.category is None:
                raise Refused(Refusal.CATEGORY_MISSING)
            if not report.body.strip():
                raise Refused(Refusal.BODY_EMPTY)
            check_length(report.body, MAX_BODY, Refusal.BODY_TOO_LONG)
            number = report.number
            if number is None:
                year = now.astimezone(self.zone).year
                number = f"{year}-{await ReportRepository.next_number(conn, year):04d}"
            if not await ReportRepository.mark_submitted(
                conn, report_id, expected=report.status, number=number, at=now
            ):  # cannot happen inside this transaction, but never write over a change
                raise Refused(Refusal.ALREADY_HANDLED, status=report.status)
            submitted = await ReportRepository.load(conn, report_id)
            assert submitted is not None
            await ReportRepository.insert_version(conn, submitted, now)
            move_id = await ReportRepository.insert_move(
                conn, report_id, at=now, actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, from_status=report.status, to_status=_S.SUBMITTED,
                version=submitted.version,
            )
            await record_audit(
                conn, "report_submit", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=audit_subject(report_id),
                detail={
                    "number": submitted.number, "version": submitted.version,
                    "from": str(report.status),
                }, at=now,
            )
            move = await ReportRepository.load_move(conn, move_id)
        return SubmitResult(submitted, move, resubmitted=report.status is _S.RETURNED)


def _own(
    report: Report | None, member: Member, statuses: Collection[ReportStatus], refusal: Refusal
) -> Report:
    """`report` when it is the member's and in one of `statuses`; else refused: NOT_FOUND for
    another's (or none), `refusal` with the status found for one in another status."""
    if report is None or report.author_member_id != member.id:
        raise Refused(Refusal.NOT_FOUND)
    if report.status not in statuses:
        raise Refused(refusal, status=report.status)
    return report
