"""Binding accounts to members: own contact, invites (once, until expiry), one ↔ one, unbind."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.auth import Actor, NotAllowed, Refused
from bot.members.registration import BindOutcome, ChatBindingWhy, RegistrationService
from domain.models import Member, Role
from storage.conversations import SettingsRepository
from storage.db import Database, to_db_time
from storage.members import MemberRepository
from tests.clock import SYSTEM, utc_now


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with Database(tmp_path / "t.db", SYSTEM) as database:
        async with database.transaction() as conn:
            group = await MemberRepository.ensure_group(conn, "第一活动组", now=SYSTEM())
            now = to_db_time(utc_now())
            for name, phone, role in [
                ("张三", "13800000001", "member"),
                ("李四", "13800000002", "leader"),
                ("王五", "13800000003", "staff"),
            ]:
                await conn.execute(
                    "INSERT INTO members(name, phone, group_id, role, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (name, phone, group, role, now, now),
                )
        yield database


async def member(db: Database, phone: str) -> Member:
    found = await MemberRepository(db).by_phone(phone)
    assert found is not None
    return found


async def audit_count(db: Database, action: str) -> int:
    row = await db.fetch_one("SELECT count(*) FROM audit_log WHERE action = ?", (action,))
    assert row is not None
    return int(row[0])


async def test_own_contact_binds_once(db: Database) -> None:
    service = RegistrationService(db, MemberRepository(db))
    result = await service.bind_by_contact(501, 501, "+86 138 0000 0001")
    assert result.outcome is BindOutcome.BOUND
    assert (await member(db, "13800000001")).telegram_user_id == 501
    assert await audit_count(db, "member_bind") == 1
    again = await service.bind_by_contact(501, 501, "8613800000001")
    assert again.outcome is BindOutcome.ALREADY_YOURS
    assert await audit_count(db, "member_bind") == 1


async def test_refusals_change_nothing(db: Database) -> None:
    service = RegistrationService(db, MemberRepository(db))
    assert (await service.bind_by_contact(501, 999, "13800000001")).outcome is (
        BindOutcome.NOT_OWN_CONTACT
    )
    assert (await service.bind_by_contact(501, None, "13800000001")).outcome is (
        BindOutcome.NOT_OWN_CONTACT
    )
    assert (await service.bind_by_contact(501, 501, "13999999999")).outcome is (
        BindOutcome.UNKNOWN_PHONE
    )
    assert (await member(db, "13800000001")).telegram_user_id is None
    await service.bind_by_contact(501, 501, "13800000001")
    # a second account for the same member, and a second member for the same account
    assert (await service.bind_by_contact(502, 502, "13800000001")).outcome is (
        BindOutcome.MEMBER_TAKEN
    )
    taken = await service.bind_by_contact(501, 501, "13800000002")
    assert taken.outcome is BindOutcome.ACCOUNT_TAKEN
    assert (await member(db, "13800000002")).telegram_user_id is None


async def test_invite_works_once_then_refuses(db: Database) -> None:
    service = RegistrationService(db, MemberRepository(db))
    payload = await service.create_invite(await member(db, "13800000002"), created_by=1)
    assert len(payload) <= 64
    assert payload.replace("_", "").replace("-", "").isalnum()
    assert (await service.bind_by_invite(600, payload)).outcome is BindOutcome.BOUND
    assert (await service.bind_by_invite(601, payload)).outcome is BindOutcome.INVITE_USED
    assert (await service.bind_by_invite(600, payload)).outcome is BindOutcome.ALREADY_YOURS
    assert (await service.bind_by_invite(600, "inv_" + "x" * 24)).outcome is (
        BindOutcome.INVITE_INVALID
    )
    assert (await service.bind_by_invite(600, "inv_'; DROP TABLE")).outcome is (
        BindOutcome.INVITE_INVALID
    )


async def test_expired_invite_is_refused(db: Database) -> None:
    service = RegistrationService(db, MemberRepository(db))
    payload = await service.create_invite(await member(db, "13800000001"), created_by=None)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE invites SET expires_at = ?", (to_db_time(utc_now() - timedelta(seconds=1)),)
        )
    assert (await service.bind_by_invite(700, payload)).outcome is BindOutcome.INVITE_EXPIRED
    assert (await member(db, "13800000001")).telegram_user_id is None


async def test_unbind_needs_staff(db: Database) -> None:
    service = RegistrationService(db, MemberRepository(db))
    await service.bind_by_contact(501, 501, "13800000001")
    target = await member(db, "13800000001")
    plain = Actor.resolve(502, await member(db, "13800000002"), set())
    with pytest.raises(NotAllowed):
        await service.unbind(plain, target)
    staff = Actor.resolve(503, await member(db, "13800000003"), set())
    assert await service.unbind(staff, target)
    assert (await member(db, "13800000001")).telegram_user_id is None
    assert await audit_count(db, "member_unbind") == 1


async def test_group_binding_respects_scope(db: Database) -> None:
    service = RegistrationService(db, MemberRepository(db))
    repo = MemberRepository(db)
    async with db.transaction() as conn:
        other = await MemberRepository.ensure_group(conn, "第二活动组", now=SYSTEM())
    leader = Actor.resolve(10, await member(db, "13800000002"), set())
    own = leader.member.group_id  # type: ignore[union-attr]
    assert [g.name for g in await service.groups_bindable_by(leader)] == ["第一活动组"]
    with pytest.raises(NotAllowed):
        await service.bind_group_chat(leader, other, -1001, "群")
    bound = await service.bind_group_chat(leader, own, -1001, "一组群")  # type: ignore[arg-type]
    assert bound.chat_id == -1001
    again = await service.bind_group_chat(leader, own, -1001, "一组群")  # type: ignore[arg-type]
    assert again == bound
    assert await audit_count(db, "group_bind") == 1  # a double tap is not a second binding
    # the same chat moved to another group: not by a plain binding, even by staff; by staff
    # once they confirmed (rebind), which clears the old binding; a stale confirmation is refused
    staff = Actor.resolve(11, await member(db, "13800000003"), set())
    assert own is not None
    own_id: int = own
    with pytest.raises(Refused) as refused:
        await service.bind_group_chat(staff, other, -1001, "一组群")
    assert refused.value.reason is ChatBindingWhy.BOUND_ELSEWHERE
    with pytest.raises(NotAllowed):
        await service.rebind_group_chat(leader, other, -1001, "一组群", replacing=own_id)
    async with db.transaction() as conn:
        third = await MemberRepository.ensure_group(conn, "第三活动组", now=SYSTEM())
    with pytest.raises(Refused) as refused:  # asked when the chat was the other group's
        await service.rebind_group_chat(staff, third, -1001, "一组群", replacing=other)
    assert refused.value.reason is ChatBindingWhy.CHANGED_MEANWHILE
    assert (await repo.group_by_chat(-1001)).id == own_id  # type: ignore[union-attr]
    rebound = await service.rebind_group_chat(staff, other, -1001, "一组群", replacing=own_id)
    assert rebound.previous is not None
    assert (rebound.group.id, rebound.previous.id) == (other, own_id)
    assert rebound.old_leaders == []  # 李四 has no account to be told on
    assert (await repo.group_by_chat(-1001)).id == other  # type: ignore[union-attr]
    assert (await repo.group_by_id(own_id)).chat_id is None  # type: ignore[union-attr]
    twice = await service.rebind_group_chat(staff, other, -1001, "一组群", replacing=own_id)
    assert twice.previous is None  # a double tap changes nothing
    assert await audit_count(db, "group_rebind") == 1
    assert Role.LEADER in leader.roles


async def test_account_reads_member_and_language_together(db: Database) -> None:
    members, settings = MemberRepository(db), SettingsRepository(db)
    assert await members.account(501) == (None, None)
    await settings.set_language(501, "en")
    assert await members.account(501) == (None, "en")
    await RegistrationService(db, members).bind_by_contact(501, 501, "13800000002")
    bound, language = await members.account(501)
    assert bound is not None and (bound.name, bound.group_name, bound.role) == (
        "李四", "第一活动组", Role.LEADER
    )
    assert language == "en"
    assert await members.account(502) == (None, None)
