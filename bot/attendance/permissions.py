"""Who may act on which event: the one rule per attendance action, for service and handlers.

Two shapes of rule, both read from the permission table (bot.core.auth):
- *every group*: creating, editing and cancelling an event, marking someone present and
  deciding leave touch all the groups concerned, so the actor must hold the action for each
  (and nobody decides their own leave);
- *some group*: showing the check-in code and viewing attendance work for whoever holds the
  action for at least one of the event's groups (a leader sees their own group's members).

`actor=None` is the operator at the command line, who may do everything.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.core.auth import Action, Actor, NotAllowed
from domain.models import Event, Member


def may_act_for_groups(actor: Actor | None, action: Action, group_ids: Collection[int]) -> bool:
    """Whether `actor` may do `action` for every one of `group_ids` (none given: only those
    who may do it for any group)."""
    if actor is None:
        return True
    allowed = actor.groups_for(action)
    if allowed is None:
        return True
    return bool(group_ids) and set(group_ids) <= allowed


def require_groups(actor: Actor | None, action: Action, group_ids: Collection[int]) -> None:
    """NotAllowed unless `may_act_for_groups`."""
    if not may_act_for_groups(actor, action, group_ids):
        raise NotAllowed


def may_manage(actor: Actor | None, event: Event) -> bool:
    """Whether `actor` may edit or cancel `event` (leaders: events of their own group only)."""
    return may_act_for_groups(actor, Action.MANAGE_EVENTS, event.group_ids)


def groups_reached(actor: Actor | None, action: Action, event: Event) -> set[int] | None:
    """The event's groups `actor` may do `action` for: None for all of them, else the set
    (empty when none)."""
    if actor is None:
        return None
    allowed = actor.groups_for(action)
    if allowed is None:
        return None
    return allowed & set(event.group_ids)


def may_reach(actor: Actor | None, action: Action, event: Event) -> bool:
    """Whether `actor` may do `action` for at least one of the event's groups."""
    reached = groups_reached(actor, action, event)
    return reached is None or bool(reached)


def require_reach(actor: Actor | None, action: Action, event: Event) -> set[int] | None:
    """`groups_reached`, or NotAllowed when it is none of them."""
    reached = groups_reached(actor, action, event)
    if reached is not None and not reached:
        raise NotAllowed
    return reached


def may_decide_leave(actor: Actor | None, member: Member) -> bool:
    """Whether `actor` may approve or decline `member`'s leave: leaders their group's members,
    staff anyone's; nobody their own."""
    if actor is not None and actor.member_id == member.id:
        return False
    return may_act_for_groups(actor, Action.DECIDE_LEAVE, [member.group_id or 0])
