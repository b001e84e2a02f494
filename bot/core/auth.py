"""Who may do what: roles, the one permission table, and the acting person of an update."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypedDict

from domain.models import Member, Role


class Action(StrEnum):
    """Everything that needs more than being a bound member."""

    BIND_GROUP = "bind_group"
    REBIND_GROUP = "rebind_group"  # move a chat bound to one group to another
    INVITE = "invite"
    UNBIND = "unbind"
    VIEW_ROSTER = "view_roster"
    REVIEW_REPORTS = "review_reports"  # review queue, moves, leader comments, export
    MANAGE_EVENTS = "manage_events"  # create, edit, cancel events
    SHOW_CHECKIN_CODE = "show_checkin_code"  # rotating QR code and typed code of an event
    MARK_PRESENT = "mark_present"  # record someone's check-in for them
    DECIDE_LEAVE = "decide_leave"  # approve or decline leave requests
    VIEW_ATTENDANCE = "view_attendance"  # who is present, late, on leave, missing
    EXPORT_ATTENDANCE = "export_attendance"  # attendance sheets
    MANAGE_REMINDERS = "manage_reminders"  # schedules, notices, the calendar, the delivery log
    VIEW_DUTY_RECORDS = "view_duty_records"  # members' duty records (/group, /me of another)
    MANAGE_DUTY_RECORDS = "manage_duty_records"  # /stats, grades, the digest switch, exports


class Scope(StrEnum):
    """How far a role's permission reaches."""

    OWN_GROUP = "own_group"
    ANY_GROUP = "any_group"


# The permission table: action → the roles that may do it, and how far.
PERMISSIONS: dict[Action, dict[Role, Scope]] = {
    Action.BIND_GROUP: {Role.LEADER: Scope.OWN_GROUP, Role.STAFF: Scope.ANY_GROUP},
    Action.REBIND_GROUP: {Role.STAFF: Scope.ANY_GROUP},
    Action.INVITE: {Role.STAFF: Scope.ANY_GROUP},
    Action.UNBIND: {Role.STAFF: Scope.ANY_GROUP},
    Action.VIEW_ROSTER: {
        Role.LEADER: Scope.OWN_GROUP, Role.DEPUTY: Scope.OWN_GROUP, Role.STAFF: Scope.ANY_GROUP,
    },
    Action.REVIEW_REPORTS: {Role.STAFF: Scope.ANY_GROUP},
    Action.MANAGE_EVENTS: {Role.LEADER: Scope.OWN_GROUP, Role.STAFF: Scope.ANY_GROUP},
    Action.SHOW_CHECKIN_CODE: {Role.LEADER: Scope.OWN_GROUP, Role.STAFF: Scope.ANY_GROUP},
    Action.MARK_PRESENT: {Role.LEADER: Scope.OWN_GROUP, Role.STAFF: Scope.ANY_GROUP},
    Action.DECIDE_LEAVE: {Role.LEADER: Scope.OWN_GROUP, Role.STAFF: Scope.ANY_GROUP},
    Action.VIEW_ATTENDANCE: {
        Role.LEADER: Scope.OWN_GROUP, Role.DEPUTY: Scope.OWN_GROUP, Role.STAFF: Scope.ANY_GROUP,
    },
    Action.EXPORT_ATTENDANCE: {Role.STAFF: Scope.ANY_GROUP},
    Action.MANAGE_REMINDERS: {Role.STAFF: Scope.ANY_GROUP},
    Action.VIEW_DUTY_RECORDS: {
        Role.LEADER: Scope.OWN_GROUP, Role.DEPUTY: Scope.OWN_GROUP, Role.STAFF: Scope.ANY_GROUP,
    },
    Action.MANAGE_DUTY_RECORDS: {Role.STAFF: Scope.ANY_GROUP},
}

_ROLES_OF: dict[Role, frozenset[Role]] = {
    Role.MEMBER: frozenset({Role.MEMBER}),
    Role.LEADER: frozenset({Role.MEMBER, Role.LEADER}),
    Role.DEPUTY: frozenset({Role.MEMBER, Role.DEPUTY}),
    Role.STAFF: frozenset({Role.MEMBER, Role.STAFF}),
    Role.ADMIN: frozenset({Role.MEMBER, Role.STAFF, Role.ADMIN}),
}


@dataclass(frozen=True)
class Actor:
    """The person behind an update: their Telegram id, roster entry (if bound) and roles."""

    telegram_user_id: int
    member: Member | None
    roles: frozenset[Role]

    @classmethod
    def resolve(cls, telegram_user_id: int, member: Member | None, admin_ids: set[int]) -> Actor:
        if member is not None and not member.active:
            member = None  # left the roster: no member's rights, no role
        roles: set[Role] = set(_ROLES_OF[member.role]) if member else set()
        if telegram_user_id in admin_ids:
            roles |= _ROLES_OF[Role.ADMIN] - ({Role.MEMBER} if member is None else set())
        return cls(telegram_user_id, member, frozenset(roles))

    @property
    def is_bound(self) -> bool:
        return self.member is not None

    @property
    def member_id(self) -> int | None:
        return self.member.id if self.member is not None else None

    @property
    def is_staff(self) -> bool:
        return Role.STAFF in self.roles

    @property
    def is_leader(self) -> bool:
        return Role.LEADER in self.roles

    @property
    def is_deputy(self) -> bool:
        return Role.DEPUTY in self.roles

    @property
    def is_privileged(self) -> bool:
        """May do anything beyond a member's own business (and so has a personal menu)."""
        return bool(self.roles & {Role.LEADER, Role.DEPUTY, Role.STAFF, Role.ADMIN})

    def can(self, action: Action, group_id: int | None = None) -> bool:
        """Whether this person may do `action`, for `group_id` when the action is per group."""
        for role, scope in PERMISSIONS[action].items():
            if role not in self.roles:
                continue
            if scope is Scope.ANY_GROUP:
                return True
            if group_id is None or (self.member is not None and self.member.group_id == group_id):
                return True
        return False

    def groups_for(self, action: Action) -> set[int] | None:
        """The groups `action` may touch: None for all, else the set (empty when none)."""
        allowed: set[int] = set()
        for role, scope in PERMISSIONS[action].items():
            if role not in self.roles:
                continue
            if scope is Scope.ANY_GROUP:
                return None
            if self.member is not None and self.member.group_id is not None:
                allowed.add(self.member.group_id)
        return allowed


class Refused(Exception):
    """The one refusal of every capability: nothing was written. `reason` is a member of the
    capability's own StrEnum of reasons, which handlers turn into a text; `status`, `length`
    and `limit` carry what that text may need (the state found, a length over its limit)."""

    def __init__(
        self,
        reason: StrEnum,
        *,
        status: StrEnum | None = None,
        length: int | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.status = status
        self.length = length
        self.limit = limit

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.reason.value}, status={self.status}, "
            f"length={self.length}, limit={self.limit})"
        )


class Why(StrEnum):
    """Reasons shared by every capability."""

    NOT_ALLOWED = "not_allowed"  # the actor lacks the role or the group for this action


class NotAllowed(Refused):
    """Refused(Why.NOT_ALLOWED): the actor lacks the role or the group for this action."""

    def __init__(self) -> None:
        super().__init__(Why.NOT_ALLOWED)


class AuditedAs(TypedDict):
    actor_tg_id: int | None
    actor_member_id: int | None


def audited_as(actor: Actor | None) -> AuditedAs:
    """record_audit's actor_tg_id and actor_member_id for `actor` (None: the command line)."""
    if actor is None:
        return {"actor_tg_id": None, "actor_member_id": None}
    return {"actor_tg_id": actor.telegram_user_id, "actor_member_id": actor.member_id}
