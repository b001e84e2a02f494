"""Public-opinion reports (社情民意信息): drafts, the status machine, numbering, review, search.

A member writes a report as a draft that is saved on every change; submitting it gives it a
number for the year (2026-0137), kept across resubmissions, and keeps what was submitted as a
version. Staff move it along the allowed moves only; each move is one transaction with a row in
the report's history and one in the audit trail, and happens only if the report is still in the
status the staff member saw (two people pressing at once: the first wins). Every refusal is a
`Refused` with a `Refusal` code that handlers turn into a text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

import aiosqlite

from bot.core.auth import Action, Actor, Refused
from storage.audit import record_audit
from storage.db import Database, utc_now
from storage.members import MemberRepository
from storage.models import (
    AdoptionLevel,
    AttachmentKind,
    LeaderComment,
    Member,
    Report,
    ReportCategory,
    ReportHistory,
    ReportMove,
    ReportStatus,
)
from storage.reports import ReportQuery, ReportRepository

Clock = Callable[[], datetime]

MAX_TITLE = 60
MAX_BODY = 5000
MAX_ATTACHMENTS = 9
MAX_COAUTHORS = 10
MAX_NOTE = 1000
MAX_FORWARDED_TO = 100
MAX_LEADER = 50
MAX_COMMENT = 2000
DEFAULT_STALE_DAYS = 3

_S = ReportStatus

# The status machine: every allowed move and who makes it. Nothing else is allowed.
AUTHOR_MOVES: frozenset[tuple[ReportStatus, ReportStatus]] = frozenset(
    {(_S.DRAFT, _S.SUBMITTED), (_S.RETURNED, _S.SUBMITTED)}
)
REVIEW_MOVES: dict[ReportStatus, tuple[ReportStatus, ...]] = {
    _S.SUBMITTED: (_S.ACCEPTED, _S.RETURNED),
    _S.ACCEPTED: (_S.ADOPTED, _S.FORWARDED, _S.KEPT, _S.NOT_ADOPTED),
    _S.FORWARDED: (_S.ADOPTED, _S.NOT_ADOPTED),
}
# Moves that need a note (adopted needs a level, forwarded needs an addressee).
NOTE_REQUIRED: frozenset[ReportStatus] = frozenset({_S.RETURNED, _S.NOT_ADOPTED})
# Where the author may still change the report.
EDITABLE: frozenset[ReportStatus] = frozenset({_S.DRAFT, _S.RETURNED})
# What staff still have to act on: the review queue.
QUEUE_STATUSES: tuple[ReportStatus, ...] = (_S.SUBMITTED, _S.ACCEPTED, _S.FORWARDED)


def review_moves(status: ReportStatus) -> tuple[ReportStatus, ...]:
    """The statuses staff may move a report in `status` to (the buttons to show)."""
    return REVIEW_MOVES.get(status, ())


def is_allowed_move(from_status: ReportStatus, to_status: ReportStatus) -> bool:
    """Whether the status machine has this move at all, by author or staff."""
    return (from_status, to_status) in AUTHOR_MOVES or to_status in review_moves(from_status)


class Refusal(StrEnum):
    """Why a report operation was refused; handlers map each code to a catalog text."""

    NOT_FOUND = "not_found"  # no such report, or not one this person may see
    NOT_PERMITTED = "not_permitted"  # reviewing needs the REVIEW_REPORTS permission
    NOT_EDITABLE = "not_editable"  # only drafts and returned reports change (status given)
    TITLE_EMPTY = "title_empty"
    TITLE_TOO_LONG = "title_too_long"  # length, limit
    CATEGORY_MISSING = "category_missing"
    BODY_EMPTY = "body_empty"
    BODY_TOO_LONG = "body_too_long"  # length (after joining), limit
    TEXT_EMPTY = "text_empty"  # an empty piece of text was sent
    TOO_MANY_ATTACHMENTS = "too_many_attachments"  # length (already there), limit
    ATTACHMENT_NOT_FOUND = "attachment_not_found"
    COAUTHOR_UNKNOWN = "coauthor_unknown"
    COAUTHOR_IS_AUTHOR = "coauthor_is_author"
    TOO_MANY_COAUTHORS = "too_many_coauthors"  # limit
    OWN_REPORT = "own_report"  # staff may not review what they wrote or co-wrote
    MOVE_NOT_ALLOWED = "move_not_allowed"  # status = the status moved from
    ALREADY_HANDLED = "already_handled"  # status = what it is now
    NOTE_REQUIRED = "note_required"
    NOTE_TOO_LONG = "note_too_long"  # length, limit
    LEVEL_REQUIRED = "level_required"
    FORWARDED_TO_REQUIRED = "forwarded_to_required"
    FORWARDED_TO_TOO_LONG = "forwarded_to_too_long"  # length, limit
    NOT_ADOPTED = "not_adopted"  # leader comments only on adopted reports (status given)
    LEADER_REQUIRED = "leader_required"
    LEADER_TOO_LONG = "leader_too_long"  # length, limit
    COMMENT_EMPTY = "comment_empty"
    COMMENT_TOO_LONG = "comment_too_long"  # length, limit


@dataclass(frozen=True)
class SubmitResult:
    """A report just submitted: its number, and whether it was a resubmission."""

    report: Report
    move: ReportMove
    resubmitted: bool


@dataclass(frozen=True)
class MoveResult:
    """A status change made by staff, with whom to tell (Telegram ids, author first)."""

    report: Report
    move: ReportMove
    notify_telegram_ids: tuple[int, ...]

    @property
    def author_telegram_id(self) -> int | None:
        return self.report.author_telegram_id


@dataclass(frozen=True)
class CommentResult:
    comment: LeaderComment
    report: Report
    notify_telegram_ids: tuple[int, ...]


@dataclass(frozen=True)
class ReviewQueue:
    """A page of the reports staff must act on, oldest first, and counts per status."""

    reports: list[Report]
    total: int  # reports in the queue (all pages)
    counts: dict[ReportStatus, int]  # every status but draft, zeros included


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _optional_text(text: str | None) -> str | None:
    stripped = (text or "").strip()
    return stripped or None


def _check_length(text: str, limit: int, reason: Refusal) -> None:
    if len(text) > limit:
        raise Refused(reason, length=len(text), limit=limit)


def _notify_ids(report: Report) -> tuple[int, ...]:
    ids: list[int] = []
    for tg_id in [report.author_telegram_id, *(c.telegram_user_id for c in report.coauthors)]:
        if tg_id is not None and tg_id not in ids:
            ids.append(tg_id)
    return tuple(ids)


def _subject(report_id: int) -> str:
    return f"report:{report_id}"


class ReportService:
    """Drafts, submission, review moves, leader comments, the queue, search and history."""

    def __init__(
        self,
        db: Database,
        members: MemberRepository,
        zone: tzinfo,
        clock: Clock = utc_now,
    ) -> None:
        self.db = db
        self.members = members
        self.zone = zone
        self.clock = clock
        self.reports = ReportRepository(db)

    # -- drafts ------------------------------------------------------------------------------
    async def start_draft(self, member: Member) -> Report:
        """A new empty draft by `member`, stored at once."""
        now = self.clock()
        async with self.db.transaction() as conn:
            report_id = await ReportRepository.insert_draft(conn, member.id, now)
            await record_audit(
                conn, "report_draft_start", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=_subject(report_id),
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
        report = await self.reports.get(report_id)
        if report is None or report.author_member_id != member.id:
            raise Refused(Refusal.NOT_FOUND)
        if report.status not in EDITABLE:
            raise Refused(Refusal.NOT_EDITABLE, status=report.status)
        return report

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
            report = await ReportRepository.load(conn, report_id)
            if report is None or report.author_member_id != member.id:
                raise Refused(Refusal.NOT_FOUND)
            if report.status not in EDITABLE:
                raise Refused(Refusal.NOT_EDITABLE, status=report.status)
            detail = await change(conn, report)
            if detail is None:
                return report
            await ReportRepository.touch(conn, report_id, now)
            await record_audit(
                conn, "report_draft_edit", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=_subject(report_id), detail=detail,
            )
            changed = await ReportRepository.load(conn, report_id)
        assert changed is not None
        return changed

    async def set_title(self, member: Member, report_id: int, title: str) -> Report:
        """Set the title (one line, at most MAX_TITLE characters)."""
        clean = _one_line(title)
        if not clean:
            raise Refused(Refusal.TITLE_EMPTY)
        _check_length(clean, MAX_TITLE, Refusal.TITLE_TOO_LONG)

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
            _check_length(body, MAX_BODY, Refusal.BODY_TOO_LONG)
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
        _check_length(body, MAX_BODY, Refusal.BODY_TOO_LONG)

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
            report = await ReportRepository.load(conn, report_id)
            if report is None or report.author_member_id != member.id:
                raise Refused(Refusal.NOT_FOUND)
            if report.status is not _S.DRAFT:
                raise Refused(Refusal.NOT_EDITABLE, status=report.status)
            await ReportRepository.delete(conn, report_id)
            await record_audit(
                conn, "report_draft_discard", actor_tg_id=member.telegram_user_id,
                actor_member_id=member.id, subject=_subject(report_id),
                detail={"title": report.title, "length": len(report.body)},
            )

    # -- submission --------------------------------------------------------------------------
    async def submit(self, member: Member, report_id: int) -> SubmitResult:
        """Submit a draft, or resubmit a returned report; the first submission numbers it."""
        now = self.clock()
        async with self.db.transaction() as conn:
            report = await ReportRepository.load(conn, report_id)
            if report is None or report.author_member_id != member.id:
                raise Refused(Refusal.NOT_FOUND)
            if report.status not in EDITABLE:
                raise Refused(Refusal.ALREADY_HANDLED, status=report.status)
            if not report.title:
                raise Refused(Refusal.TITLE_EMPTY)
            _check_length(report.title, MAX_TITLE, Refusal.TITLE_TOO_LONG)
            if report.category is None:
                raise Refused(Refusal.CATEGORY_MISSING)
            if not report.body.strip():
                raise Refused(Refusal.BODY_EMPTY)
            _check_length(report.body, MAX_BODY, Refusal.BODY_TOO_LONG)
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
                actor_member_id=member.id, subject=_subject(report_id),
                detail={
                    "number": submitted.number, "version": submitted.version,
                    "from": str(report.status),
                },
            )
            move = await ReportRepository.load_move(conn, move_id)
        return SubmitResult(submitted, move, resubmitted=report.status is _S.RETURNED)

    # -- review ------------------------------------------------------------------------------
    def _require_reviewer(self, actor: Actor) -> None:
        if not actor.can(Action.REVIEW_REPORTS):
            raise Refused(Refusal.NOT_PERMITTED)

    @staticmethod
    def _check_not_own(actor: Actor, report: Report) -> None:
        if actor.member is not None and report.involves(actor.member.id):
            raise Refused(Refusal.OWN_REPORT)

    def _check_move(
        self,
        actor: Actor,
        report: Report | None,
        to_status: ReportStatus,
        expected_status: ReportStatus,
    ) -> Report:
        if report is None or report.status is _S.DRAFT:
            raise Refused(Refusal.NOT_FOUND)
        self._check_not_own(actor, report)
        if to_status not in review_moves(expected_status):
            raise Refused(Refusal.MOVE_NOT_ALLOWED, status=expected_status)
        if report.status is not expected_status:
            raise Refused(Refusal.ALREADY_HANDLED, status=report.status)
        return report

    async def check_move(
        self,
        report_id: int,
        actor: Actor,
        to_status: ReportStatus,
        *,
        expected_status: ReportStatus,
    ) -> Report:
        """Everything `move` checks except the note, level and addressee.

        For a handler to call on a button press before asking for a note.
        """
        self._require_reviewer(actor)
        report = await self.reports.get(report_id)
        return self._check_move(actor, report, to_status, expected_status)

    async def move(
        self,
        report_id: int,
        actor: Actor,
        to_status: ReportStatus,
        *,
        expected_status: ReportStatus,
        note: str | None = None,
        level: AdoptionLevel | None = None,
        forwarded_to: str | None = None,
    ) -> MoveResult:
        """Move a report from `expected_status` to `to_status`, if it is still there.

        returned and not_adopted need a note, adopted a level, forwarded an addressee.
        """
        self._require_reviewer(actor)
        if level is not None and to_status is not _S.ADOPTED:
            raise ValueError("a level goes with adopted only")
        if forwarded_to is not None and to_status is not _S.FORWARDED:
            raise ValueError("an addressee goes with forwarded only")
        clean_note = _optional_text(note)
        clean_to = _optional_text(forwarded_to)
        now = self.clock()
        async with self.db.transaction() as conn:
            report = self._check_move(
                actor, await ReportRepository.load(conn, report_id), to_status, expected_status
            )
            if to_status in NOTE_REQUIRED and clean_note is None:
                raise Refused(Refusal.NOTE_REQUIRED)
            if clean_note is not None:
                _check_length(clean_note, MAX_NOTE, Refusal.NOTE_TOO_LONG)
            if to_status is _S.ADOPTED and level is None:
                raise Refused(Refusal.LEVEL_REQUIRED)
            if to_status is _S.FORWARDED:
                if clean_to is None:
                    raise Refused(Refusal.FORWARDED_TO_REQUIRED)
                _check_length(clean_to, MAX_FORWARDED_TO, Refusal.FORWARDED_TO_TOO_LONG)
            if not await ReportRepository.change_status(
                conn, report_id, expected=expected_status, to=to_status, at=now,
                level=level, forwarded_to=clean_to,
            ):
                current = await ReportRepository.load(conn, report_id)
                raise Refused(
                    Refusal.ALREADY_HANDLED, status=current.status if current else None
                )
            move_id = await ReportRepository.insert_move(
                conn, report_id, at=now, actor_tg_id=actor.telegram_user_id,
                actor_member_id=actor.member_id, from_status=expected_status,
                to_status=to_status, version=report.version, note=clean_note, level=level,
                forwarded_to=clean_to,
            )
            await record_audit(
                conn, "report_move", actor_tg_id=actor.telegram_user_id,
                actor_member_id=actor.member_id, subject=_subject(report_id),
                detail={
                    "number": report.number, "from": str(expected_status),
                    "to": str(to_status), "note": clean_note,
                    "level": str(level) if level else None, "forwarded_to": clean_to,
                },
            )
            moved = await ReportRepository.load(conn, report_id)
            move = await ReportRepository.load_move(conn, move_id)
        assert moved is not None
        return MoveResult(moved, move, _notify_ids(moved))

    async def add_leader_comment(
        self, report_id: int, actor: Actor, leader: str, text: str
    ) -> CommentResult:
        """Record a leader's comment (领导批示: who, what) on an adopted report."""
        self._require_reviewer(actor)
        who = _one_line(leader)
        if not who:
            raise Refused(Refusal.LEADER_REQUIRED)
        _check_length(who, MAX_LEADER, Refusal.LEADER_TOO_LONG)
        words = text.strip()
        if not words:
            raise Refused(Refusal.COMMENT_EMPTY)
        _check_length(words, MAX_COMMENT, Refusal.COMMENT_TOO_LONG)
        now = self.clock()
        async with self.db.transaction() as conn:
            report = await ReportRepository.load(conn, report_id)
            if report is None or report.status is _S.DRAFT:
                raise Refused(Refusal.NOT_FOUND)
            self._check_not_own(actor, report)
            if report.status is not _S.ADOPTED:
                raise Refused(Refusal.NOT_ADOPTED, status=report.status)
            comment = await ReportRepository.insert_comment(
                conn, report_id, leader=who, text=words, at=now,
                recorded_by_tg_id=actor.telegram_user_id, recorded_by_member=actor.member_id,
            )
            await record_audit(
                conn, "report_leader_comment", actor_tg_id=actor.telegram_user_id,
                actor_member_id=actor.member_id, subject=_subject(report_id),
                detail={"number": report.number, "leader": who, "length": len(words)},
            )
        return CommentResult(comment, report, _notify_ids(report))

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
                number=_optional_text(number),
                author_name=_optional_text(author_name),
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
