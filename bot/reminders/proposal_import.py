"""Who filed proposals, from the proposal office's export (.xlsx or .csv): a name or phone
column (提案人 / 姓名 / 手机号) and optionally a count column (件数); without one, each row is
one proposal. Rows that match nobody or several members are reported and left out; the
matched counts replace what was recorded, as confirmed by the office."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.auth import Action, Actor, NotAllowed, audited_as
from bot.core.cli import say
from bot.core.numbers import parse_number
from bot.core.phones import normalize_phone
from bot.core.tables import RowError, TableFileError, cell, raw_lines
from bot.reminders.proposals import MAX_COUNT, ProposalService
from domain.models import Member
from domain.proposal_models import FilingSource
from storage.audit import record_audit
from storage.proposals import ProposalRepository

# Header texts accepted for each column (compared after strip + lower-case).
_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名", "委员姓名", "提案人", "第一提案人"),
    "phone": ("phone", "手机号", "手机", "手机号码", "电话", "联系电话"),
    "count": ("count", "件数", "提案件数", "提案数", "数量"),
}


class FilingFileError(TableFileError):
    """The file as a whole cannot be read: wrong type, no header, no name or phone column."""


@dataclass(frozen=True)
class RowProblem:
    line: int  # as the spreadsheet shows it (header = row 1)
    reason: str  # "nobody" | "several" | "empty" | "bad_count"
    text: str  # the name or phone as in the file

    def __str__(self) -> str:
        """第5行：名册中有多位委员名为“委员三”，请改用手机号 (row 5: 委员三 matches several
        members), as every import reports a row."""
        text = self.text or "-"
        reason = {
            "nobody": lambda: say("cli_proposals.row_nobody", text=text),
            "several": lambda: say("cli_proposals.row_several", text=text),
            "empty": lambda: say("cli_proposals.row_empty"),
            "bad_count": lambda: say("cli_proposals.row_bad_count", text=text, limit=MAX_COUNT),
        }[self.reason]()
        return str(RowError(self.line, reason))


@dataclass
class FilingImport:
    """What a file says: the count per matched member and the rows left out."""

    counts: dict[int, int] = field(default_factory=dict)  # member id → proposals
    members: dict[int, Member] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        for column, names in _HEADERS.items():
            if title.lower() in names and column not in columns:
                columns[column] = index
    if "name" not in columns and "phone" not in columns:
        raise FilingFileError(say("cli_proposals.needs_column"))
    return columns


def _get(cells: list[str], columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    return cells[index] if index is not None and index < len(cells) else ""


def read_filings(path: Path, filers: list[Member]) -> FilingImport:
    """Match every row of the file to one member who files proposals (by phone when the row
    has one, else by name)."""
    by_phone = {m.phone: m for m in filers}
    by_name: dict[str, list[Member]] = {}
    for member in filers:
        by_name.setdefault(member.name, []).append(member)
    found = FilingImport()
    counts: Counter[int] = Counter()
    header: dict[str, int] | None = None
    for line, raw in enumerate(raw_lines(path), start=1):
        cells = [cell(value) for value in raw]
        if not any(cells):
            continue
        if header is None:
            header = _columns(cells)
            continue
        found.rows += 1
        name, raw_phone, raw_count = (_get(cells, header, c) for c in ("name", "phone", "count"))
        count = parse_number(raw_count) if raw_count else 1
        if count is None or not 0 <= count <= MAX_COUNT:
            found.problems.append(RowProblem(line, "bad_count", name or raw_phone))
            continue
        phone = normalize_phone(raw_phone) if raw_phone else None
        if phone is not None:
            matches = [by_phone[phone]] if phone in by_phone else []
        elif name:
            matches = by_name.get(name, [])
        else:
            found.problems.append(RowProblem(line, "empty", ""))
            continue
        if len(matches) != 1:
            reason = "nobody" if not matches else "several"
            found.problems.append(RowProblem(line, reason, name or raw_phone))
            continue
        member = matches[0]
        counts[member.id] += count
        found.members[member.id] = member
    if header is None:
        raise FilingFileError(say("cli_proposals.empty"))
    found.counts = {m: min(n, MAX_COUNT) for m, n in counts.items()}
    return found


async def import_filings(
    service: ProposalService, actor: Actor | None, window_id: int, path: Path,
    *, dry_run: bool = False,
) -> FilingImport:
    """Read the file and (unless a dry run) record the matched counts in one transaction."""
    if actor is not None and not actor.can(Action.MANAGE_REMINDERS):
        raise NotAllowed
    await service.window(window_id)
    found = read_filings(path, await service.repo.filers())
    if dry_run:
        return found
    now = service.clock()
    async with service.db.transaction() as conn:
        for member_id, count in found.counts.items():
            await ProposalRepository.set_filing(
                conn, window_id, member_id, count, FilingSource.IMPORT,
                by=actor.telegram_user_id if actor else None, at=now,
            )
        await record_audit(
            conn, "proposal_import", **audited_as(actor), subject=f"proposal:{window_id}",
            detail={"file": path.name, "members": len(found.counts),
                    "problems": len(found.problems)}, at=now,
        )
    return found
