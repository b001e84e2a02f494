"""The permission table: members, leaders and deputies (own group), staff, admins, bootstrap
admins."""

from datetime import UTC, datetime

from bot.core.auth import Action, Actor
from domain.models import Member, Role


def member(role: Role, group_id: int = 1) -> Member:
    return Member(id=1, name="张三", phone="13800000001", sector="", group_id=group_id, role=role)


def test_member_may_not_bind_groups_or_invite() -> None:
    actor = Actor.resolve(10, member(Role.MEMBER), set())
    assert not actor.can(Action.BIND_GROUP)
    assert not actor.can(Action.INVITE)
    assert actor.groups_for(Action.BIND_GROUP) == set()


def test_leader_only_for_own_group() -> None:
    actor = Actor.resolve(10, member(Role.LEADER, group_id=3), set())
    assert actor.can(Action.BIND_GROUP, 3)
    assert not actor.can(Action.BIND_GROUP, 4)
    assert actor.groups_for(Action.BIND_GROUP) == {3}
    assert not actor.can(Action.INVITE)


def test_staff_and_admin_any_group() -> None:
    for role in (Role.STAFF, Role.ADMIN):
        actor = Actor.resolve(10, member(role), set())
        assert actor.can(Action.BIND_GROUP, 99)
        assert actor.groups_for(Action.BIND_GROUP) is None
        assert actor.can(Action.INVITE)


def test_bootstrap_admin_without_roster_entry() -> None:
    actor = Actor.resolve(77, None, {77})
    assert actor.is_staff
    assert not actor.is_bound
    assert Role.MEMBER not in actor.roles
    assert Actor.resolve(78, None, {77}).roles == frozenset()


# A deputy leader (副组长) sees their own group's records, attendance and roster, nothing more.
DEPUTY_MAY = {Action.VIEW_DUTY_RECORDS, Action.VIEW_ATTENDANCE, Action.VIEW_ROSTER}


def test_deputy_sees_own_group_only() -> None:
    actor = Actor.resolve(10, member(Role.DEPUTY, group_id=3), set())
    assert actor.roles == frozenset({Role.MEMBER, Role.DEPUTY})
    assert actor.is_deputy and not actor.is_leader and not actor.is_staff
    assert actor.is_privileged  # so /lang republishes their personal menu
    for action in DEPUTY_MAY:
        assert actor.can(action, 3), action
        assert not actor.can(action, 4), action
        assert actor.groups_for(action) == {3}, action


def test_deputy_has_none_of_the_leaders_other_powers() -> None:
    deputy = Actor.resolve(10, member(Role.DEPUTY, group_id=3), set())
    leader = Actor.resolve(11, member(Role.LEADER, group_id=3), set())
    for action in Action:
        if action in DEPUTY_MAY:
            continue
        assert not deputy.can(action), action
        assert not deputy.can(action, 3), action
        assert deputy.groups_for(action) == set(), action
    # what the leader of the same group may do and the deputy may not
    assert {a for a in Action if leader.can(a, 3) and not deputy.can(a, 3)} == {
        Action.BIND_GROUP, Action.MANAGE_EVENTS, Action.SHOW_CHECKIN_CODE,
        Action.MARK_PRESENT, Action.DECIDE_LEAVE,
    }


def test_deputy_without_a_group_or_who_left_sees_nothing() -> None:
    no_group = Member(id=1, name="张三", phone="13800000001", sector="", group_id=None,
                      role=Role.DEPUTY)
    actor = Actor.resolve(10, no_group, set())
    assert actor.groups_for(Action.VIEW_DUTY_RECORDS) == set()
    assert not actor.can(Action.VIEW_ATTENDANCE, 3)
    left = member(Role.DEPUTY, group_id=3).model_copy(
        update={"deactivated_at": datetime(2025, 7, 1, tzinfo=UTC)})
    gone = Actor.resolve(10, left, set())
    assert gone.roles == frozenset() and not gone.can(Action.VIEW_DUTY_RECORDS, 3)
