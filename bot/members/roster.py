"""The roster: read a spreadsheet of members, check every row, then import it in one go.

A file is either wholly imported or not at all: every bad row is reported with its row
number (as the spreadsheet shows it, header = row 1) and then nothing is written. Members
are matched by phone, so importing the same file again changes nothing, and a corrected
file updates names, sectors, groups and roles. Members missing from the file are listed,
never deleted: their attendance and reports stay on record; the ones the operator confirms
are deactivated (bot/members/departures.py), and a later file that names them brings them
back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.core.cli import say
from bot.core.phones import normalize_roster_phone
from bot.core.tables import RowError, TableFileError, read_lines
from bot.members.departures import deactivate_in
from bot.members.group_names import lookalike
from domain.models import Member, Role
from storage.audit import record_audit
from storage.db import Database
from storage.members import MemberRepository

MAX_NAME = 50
MAX_FIELD = 100

# Header texts accepted for each column (compared after strip + lower-case).
_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名"),
    "phone": ("phone", "手机号", "手机", "手机号码", "电话"),
    "sector": ("sector", "界别"),
    "group": ("group", "活动组", "小组"),
    "role": ("role", "角色"),
}
_REQUIRED_COLUMNS = ("name", "phone")


def column_label(column: str) -> str:
    """A column's name (and a field's, in an update) in the command line's language."""
    labels = {
        "name": say("cli_roster.column_name"),
        "phone": say("cli_roster.column_phone"),
        "sector": say("cli_roster.column_sector"),
        "group": say("cli_roster.column_group"),
        "role": say("cli_roster.column_role"),
    }
    return labels[column]

_ROLES: dict[str, Role] = {
    "member": Role.MEMBER,
    "委员": Role.MEMBER,
    "leader": Role.LEADER,
    "组长": Role.LEADER,
    "deputy": Role.DEPUTY,
    "deputy leader": Role.DEPUTY,  # as the English list names it
    "副组长": Role.DEPUTY,
    "staff": Role.STAFF,
    "工作人员": Role.STAFF,
    "admin": Role.ADMIN,
    "管理员": Role.ADMIN,
}
# Roles that act for a group, so a row without one is refused.
_GROUP_ROLES = (Role.LEADER, Role.DEPUTY)


def role_label(role: Role) -> str:
    """A role as the roster's role column names it, in the command line's language."""
    labels = {
        Role.MEMBER: "cli_roster.role_member",
        Role.LEADER: "cli_roster.role_leader",
        Role.DEPUTY: "cli_roster.role_deputy",
        Role.STAFF: "cli_roster.role_staff",
        Role.ADMIN: "cli_roster.role_admin",
    }
    return say(labels[role])


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    phone: str
    sector: str
    group: str | None
    role: Role


@dataclass
class ImportPlan:
    """What importing the rows would do to the roster."""

    added: list[RosterRow] = field(default_factory=list)
    updated: list[tuple[RosterRow, list[str]]] = field(default_factory=list)
    unchanged: list[RosterRow] = field(default_factory=list)
    not_in_file: list[Member] = field(default_factory=list)  # active ones only
    new_groups: list[str] = field(default_factory=list)
    deactivated: list[Member] = field(default_factory=list)
    # new groups whose name differs from another's only by a slip: (the new name, the other)
    lookalike_groups: list[tuple[str, str]] = field(default_factory=list)


# -- reading --------------------------------------------------------------------------------
def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = title.lower()
        for column, names in _HEADERS.items():
            if key in names:
                if column in columns:
                    raise TableFileError(say("cli_roster.column_twice",
                                             column=column_label(column)))
                columns[column] = index
    missing = [c for c in _REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise TableFileError(say(
            "cli_roster.missing_columns",
            missing=say("cli_members.separator").join(column_label(c) for c in missing),
        ))
    return columns


def _parse_row(
    line: int, cells: list[str], columns: dict[str, int]
) -> tuple[RosterRow | None, str | None, list[RowError]]:
    """The row (None when bad), its phone in normal form (None when missing or malformed)
    and every problem found in it, not only the first."""

    def get(column: str) -> str:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    name, raw_phone, raw_role = get("name"), get("phone"), get("role")
    group = get("group") or None
    problems: list[str] = []
    if not name:
        problems.append(say("cli_roster.missing_name"))
    elif len(name) > MAX_NAME:
        problems.append(say("cli_roster.name_too_long", max=MAX_NAME))
    phone = normalize_roster_phone(raw_phone) if raw_phone else None
    if not raw_phone:
        problems.append(say("cli_roster.missing_phone"))
    elif phone is None:
        problems.append(say("cli_roster.bad_phone", phone=raw_phone))
    role = _ROLES.get(raw_role.lower()) if raw_role else Role.MEMBER
    if role is None:
        problems.append(say("cli_roster.unknown_role", role=raw_role))
    elif role in _GROUP_ROLES and group is None:
        problems.append(say("cli_roster.needs_group", role=role_label(role)))
    if len(get("sector")) > MAX_FIELD or (group and len(group) > MAX_FIELD):
        problems.append(say("cli_roster.too_long", max=MAX_FIELD))
    errors = [RowError(line, problem) for problem in problems]
    if errors or phone is None or role is None:
        return None, phone, errors
    return RosterRow(line, name, phone, get("sector"), group, role), phone, []


def read_roster(path: Path) -> tuple[list[RosterRow], list[RowError]]:
    """Every good row and every problem of every bad one, in one pass (a row can have several:
    a phone that repeats an earlier row's is reported even when the earlier row is bad too);
    TableFileError when the file is unusable. The problems are in the command line's language
    (bot.core.cli.say), as the import prints them."""
    header: list[str] | None = None
    columns: dict[str, int] = {}
    rows: list[RosterRow] = []
    errors: list[RowError] = []
    first_line_of: dict[str, int] = {}
    for number, cells in read_lines(path):
        if header is None:
            header = cells
            columns = _columns(header)
            continue
        row, phone, problems = _parse_row(number, cells, columns)
        errors += problems
        if phone is not None:
            earlier = first_line_of.setdefault(phone, number)
            if earlier != number:
                errors.append(RowError(number, say("cli_roster.same_phone", line=earlier)))
                continue
        if row is not None and not problems:
            rows.append(row)
    if header is None:
        raise TableFileError(say("cli_roster.empty"))
    return rows, errors


# -- planning and applying ------------------------------------------------------------------
def _changes(row: RosterRow, member: Member) -> list[str]:
    changed = []
    if row.name != member.name:
        changed.append("name")
    if row.sector != member.sector:
        changed.append("sector")
    if row.group != member.group_name:
        changed.append("group")
    if row.role != member.role:
        changed.append("role")
    if not member.active:
        changed.append("reactivated")
    return changed


def plan_import(
    rows: list[RosterRow], existing: list[Member], groups: Iterable[str]
) -> ImportPlan:
    by_phone = {member.phone: member for member in existing}
    named = list(groups)
    known_groups = set(named)
    plan = ImportPlan()
    for row in rows:
        member = by_phone.pop(row.phone, None)
        if member is None:
            plan.added.append(row)
        elif changed := _changes(row, member):
            plan.updated.append((row, changed))
        else:
            plan.unchanged.append(row)
        if row.group and row.group not in known_groups:
            similar = lookalike(row.group, named)
            if similar is not None:
                plan.lookalike_groups.append((row.group, similar))
            known_groups.add(row.group)
            named.append(row.group)
            plan.new_groups.append(row.group)
    plan.not_in_file = sorted((m for m in by_phone.values() if m.active), key=lambda m: m.id)
    return plan


async def _write_row(conn: aiosqlite.Connection, row: RosterRow, now: datetime) -> None:
    group_id = (
        await MemberRepository.ensure_group(conn, row.group, now=now) if row.group else None
    )
    await MemberRepository.put_from_roster(
        conn, name=row.name, phone=row.phone, sector=row.sector, group_id=group_id,
        role=row.role, now=now,
    )


async def apply_import(
    db: Database, rows: list[RosterRow], *, source: str, actor_tg_id: int | None = None,
    deactivate: Collection[int] = (),
) -> ImportPlan:
    """Import the rows in one transaction; returns what was done. Members not in the file
    whose ids are in `deactivate` (the ones the operator confirmed) are deactivated."""
    members = MemberRepository(db)
    async with db.transaction() as conn:
        # Planned inside the writer's transaction, so a concurrent change cannot slip between.
        plan = plan_import(
            rows, await members.list_members(conn=conn),
            [g.name for g in await members.list_groups(conn=conn)],
        )
        now = db.clock()
        for row in plan.added + [row for row, _ in plan.updated]:
            await _write_row(conn, row, now)
        plan.deactivated = [m for m in plan.not_in_file if m.id in set(deactivate)]
        await deactivate_in(
            conn, plan.deactivated, source=source, now=now, actor_tg_id=actor_tg_id
        )
        await record_audit(
            conn,
            "roster_import",
            actor_tg_id=actor_tg_id,
            subject=source,
            detail={
                "added": len(plan.added),
                "updated": len(plan.updated),
                "unchanged": len(plan.unchanged),
                "new_groups": plan.new_groups,
                **({"lookalike_groups": [new for new, _ in plan.lookalike_groups]}
                   if plan.lookalike_groups else {}),
                "deactivated": len(plan.deactivated),
            },
            at=now,
        )
    return plan
