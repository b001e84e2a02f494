"""Reviewing a report: staff move it along the status machine and record leader comments.

Staff move a report along the allowed moves only (bot.reports.workflow); each move is one
transaction with a row in the report's history and one in the audit trail, and happens only if
the report is still in the status the staff member saw (two people pressing at once: the first
wins). A wrong move can be undone by staff for a while: a move back that names the move it
undoes, audited; the status, level and addressee are as they were before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.core.auth import Actor, Refused
from bot.core.config import highest_level
from bot.reports.base import (
    ReportServiceBase,
    audit_subject,
    check_length,
    notify_ids,
    one_line,
    optional_text,
)
from bot.reports.workflow import (
    ADDRESSEE_REQUIRED,
    LEVEL_REQUIRED,
    NOTE_REQUIRED,
    Refusal,
    effective_moves,
    review_moves,
)
from domain.models import LeaderComment, Report, ReportMove, ReportStatus
from storage.audit import record_audit
from storage.reports import ReportRepository

MAX_NOTE = 1000
MAX_FORWARDED_TO = 100
MAX_LEADER = 50
MAX_COMMENT = 2000

_S = ReportStatus


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


class ReportReview(ReportServiceBase):
    """The staff's side: checking and making review moves, and leader comments."""

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
        level: str | None = None,
        forwarded_to: str | None = None,
    ) -> MoveResult:
        """Move a report from `expected_status` to `to_status`, if it is still there.

        returned and not_adopted need a note, adopted a level, forwarded an addressee.
        """
        self._require_reviewer(actor)
        if level is not None and to_status not in LEVEL_REQUIRED:
            raise ValueError("a level goes with adopted only")
        if forwarded_to is not None and to_status not in ADDRESSEE_REQUIRED:
            raise ValueError("an addressee goes with forwarded only")
        clean_note = optional_text(note)
        clean_to = optional_text(forwarded_to)
        now = self.clock()
        async with self.db.transaction() as conn:
            report = self._check_move(
                actor, await ReportRepository.load(conn, report_id), to_status, expected_status
            )
            if to_status in NOTE_REQUIRED and clean_note is None:
                raise Refused(Refusal.NOTE_REQUIRED)
            if clean_note is not None:
                check_length(clean_note, MAX_NOTE, Refusal.NOTE_TOO_LONG)
            if to_status in LEVEL_REQUIRED and level not in {x.code for x in self.levels}:
                raise Refused(Refusal.LEVEL_REQUIRED)  # none, or not one of the config's
            if level is not None:  # an adoption made at one level stands: keep the highest
                level = highest_level(self.levels, (report.level, level))
            if to_status in ADDRESSEE_REQUIRED:
                if clean_to is None:
                    raise Refused(Refusal.FORWARDED_TO_REQUIRED)
                check_length(clean_to, MAX_FORWARDED_TO, Refusal.FORWARDED_TO_TOO_LONG)
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
                actor_member_id=actor.member_id, subject=audit_subject(report_id),
                detail={
                    "number": report.number, "from": str(expected_status),
                    "to": str(to_status), "note": clean_note,
                    "level": str(level) if level else None, "forwarded_to": clean_to,
                }, at=now,
            )
            moved = await ReportRepository.load(conn, report_id)
            move = await ReportRepository.load_move(conn, move_id)
        assert moved is not None
        return MoveResult(moved, move, notify_ids(moved))

    async def undo_move(
        self, report_id: int, actor: Actor, move_id: int, *, within: timedelta
    ) -> MoveResult:
        """Undo staff move `move_id`, the report's last, made less than `within` ago, if the
        report has not changed since: back to the status (level, addressee) it had before."""
        self._require_reviewer(actor)
        now = self.clock()
        async with self.db.transaction() as conn:
            report = await ReportRepository.load(conn, report_id)
            if report is None or report.status is _S.DRAFT:
                raise Refused(Refusal.NOT_FOUND)
            self._check_not_own(actor, report)
            moves = await ReportRepository.moves_of(conn, report_id)
            last = moves[-1] if moves else None
            if (
                last is None
                or last.id != move_id
                or last.undoes is not None
                or last.to_status not in review_moves(last.from_status)
            ):
                raise Refused(Refusal.NOTHING_TO_UNDO)
            if now - last.at > within:
                raise Refused(Refusal.UNDO_TOO_LATE, limit=int(within.total_seconds() // 60))
            if report.status is not last.to_status or report.updated_at > last.at:
                raise Refused(Refusal.ALREADY_HANDLED, status=report.status)
            before = effective_moves(moves[:-1])
            level = highest_level(self.levels, (m.level for m in before))
            addressee = next(
                (m.forwarded_to for m in reversed(before) if m.forwarded_to is not None), None
            )
            status_at = before[-1].at if before else report.status_at
            if not await ReportRepository.restore_status(
                conn, report_id, expected=last.to_status, to=last.from_status,
                status_at=status_at, at=now, level=level, forwarded_to=addressee,
            ):  # cannot happen inside this transaction, but never write over a change
                raise Refused(Refusal.ALREADY_HANDLED, status=report.status)
            undo_id = await ReportRepository.insert_move(
                conn, report_id, at=now, actor_tg_id=actor.telegram_user_id,
                actor_member_id=actor.member_id, from_status=last.to_status,
                to_status=last.from_status, version=report.version, level=level,
                forwarded_to=addressee, undoes=last.id,
            )
            await record_audit(
                conn, "report_move_undo", actor_tg_id=actor.telegram_user_id,
                actor_member_id=actor.member_id, subject=audit_subject(report_id),
                detail={
                    "number": report.number, "undone_move": last.id,
                    "from": str(last.to_status), "to": str(last.from_status),
                    "moved_by": last.actor_tg_id, "moved_at": last.at.isoformat(),
                }, at=now,
            )
            restored = await ReportRepository.load(conn, report_id)
            move = await ReportRepository.load_move(conn, undo_id)
        assert restored is not None
        return MoveResult(restored, move, notify_ids(restored))

    async def add_leader_comment(
        self, report_id: int, actor: Actor, leader: str, text: str
    ) -> CommentResult:
        """Record a leader's comment (领导批示: who, what) on an adopted report."""
        self._require_reviewer(actor)
        who = one_line(leader)
        if not who:
            raise Refused(Refusal.LEADER_REQUIRED)
        check_length(who, MAX_LEADER, Refusal.LEADER_TOO_LONG)
        words = text.strip()
        if not words:
            raise Refused(Refusal.COMMENT_EMPTY)
        check_length(words, MAX_COMMENT, Refusal.COMMENT_TOO_LONG)
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
                actor_member_id=actor.member_id, subject=audit_subject(report_id),
                detail={"number": report.number, "leader": who, "length": len(words)}, at=now,
            )
        return CommentResult(comment, report, notify_ids(report))

