"""The permission table: members, leaders (own group), staff, admins, bootstrap admins."""

from bot.core.auth import Action, Actor
from storage.models import Member, Role


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
