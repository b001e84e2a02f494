"""Binding Telegram accounts to roster members (own contact or invite link) and group chats."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.auth import Action, Actor, NotAllowed, Refused, audited_as
from bot.core.phones import normalize_phone
from domain.models import ActivityGroup, Member, Role
from storage.audit import record_audit
from storage.db import Database
from storage.members import MemberRepository

INVITE_PREFIX = "inv_"
INVITE_LIFETIME = timedelta(days=7)
_INVITE_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")


class BindOutcome(StrEnum):
    BOUND = "bound"
    ALREADY_YOURS = "already_yours"
    NOT_OWN_CONTACT = "not_own_contact"
    UNKNOWN_PHONE = "unknown_phone"
    ACCOUNT_TAKEN = "account_taken"  # this Telegram account is bound to another member
    MEMBER_TAKEN = "member_taken"  # the member is bound to another Telegram account
    INVITE_INVALID = "invite_invalid"
    INVITE_USED = "invite_used"
    INVITE_EXPIRED = "invite_expired"


@dataclass(frozen=True)
class BindResult:
    outcome: BindOutcome
    member: Member | None = None


class ChatBindingWhy(StrEnum):
    """Why a group chat's binding was left as it was."""

    BOUND_ELSEWHERE = "bound_elsewhere"  # the chat serves another group: staff move it, asked
    CHANGED_MEANWHILE = "changed_meanwhile"  # a rebind confirmed after the binding changed


@dataclass(frozen=True)
class Rebound:
    """A confirmed rebind: the chat's group now, the one it served before (None when nothing
    changed: it served `group` already) and that group's leaders with an account, to be told."""

    group: ActivityGroup
    previous: ActivityGroup | None
    old_leaders: list[Member]
    at: datetime


class RegistrationService:
    """Binds accounts and chats; every change is one transaction with an audit row."""

    def __init__(self, db: Database, members: MemberRepository) -> None:
        self.db = db
        self.members = members

    async def _check_bindable(self, telegram_user_id: int, member: Member) -> BindResult | None:
        if member.telegram_user_id == telegram_user_id:
            return BindResult(BindOutcome.ALREADY_YOURS, member)
        if member.telegram_user_id is not None:
            return BindResult(BindOutcome.MEMBER_TAKEN)
        current = await self.members.by_telegram_id(telegram_user_id)
        if current is not None:
            return BindResult(BindOutcome.ACCOUNT_TAKEN, current)
        return None

    async def bind_by_contact(
        self, telegram_user_id: int, contact_user_id: int | None, phone_number: str
    ) -> BindResult:
        """Bind the sender to the roster entry with the phone of their own shared contact."""
        if contact_user_id != telegram_user_id:
            return BindResult(BindOutcome.NOT_OWN_CONTACT)
        phone = normalize_phone(phone_number)
        member = await self.members.by_phone(phone) if phone else None
        if member is None:
            return BindResult(BindOutcome.UNKNOWN_PHONE)
        refused = await self._check_bindable(telegram_user_id, member)
        if refused is not None:
            return refused
        now = self.db.clock()
        async with self.db.transaction() as conn:
            if not await MemberRepository.bind_telegram(conn, member.id, telegram_user_id, now):
                return BindResult(BindOutcome.MEMBER_TAKEN)
            await record_audit(
                conn, "member_bind", actor_tg_id=telegram_user_id, actor_member_id=member.id,
                subject=f"member:{member.id}", detail={"via": "contact"}, at=now,
            )
        return BindResult(BindOutcome.BOUND, await self.members.by_id(member.id))

    async def create_invite(self, member: Member, created_by: int | None) -> str:
        """A single-use invite deep-link payload for `member`, valid for seven days."""
        token = secrets.token_urlsafe(18)
        now = self.db.clock()
        async with self.db.transaction() as conn:
            await MemberRepository.add_invite(
                conn, token, member.id, created_by, now, now + INVITE_LIFETIME
            )
            await record_audit(
                conn, "member_invite", actor_tg_id=created_by, subject=f"member:{member.id}",
                at=now,
            )
        return INVITE_PREFIX + token

    async def bind_by_invite(self, telegram_user_id: int, payload: str) -> BindResult:
        token = payload.removeprefix(INVITE_PREFIX)
        invite = await self.members.invite(token) if _INVITE_TOKEN.fullmatch(token) else None
        if invite is None:
            return BindResult(BindOutcome.INVITE_INVALID)
        member = await self.members.by_id(invite.member_id)
        if member is None:
            return BindResult(BindOutcome.INVITE_INVALID)
        if invite.used_at is not None:
            if invite.used_by == telegram_user_id and member.telegram_user_id == telegram_user_id:
                return BindResult(BindOutcome.ALREADY_YOURS, member)
            return BindResult(BindOutcome.INVITE_USED)
        now = self.db.clock()
        if invite.expires_at <= now:
            return BindResult(BindOutcome.INVITE_EXPIRED)
        refused = await self._check_bindable(telegram_user_id, member)
        if refused is not None:
            return refused
        try:
            async with self.db.transaction() as conn:
                if not await MemberRepository.use_invite(conn, token, telegram_user_id, now):
                    return BindResult(BindOutcome.INVITE_USED)
                if not await MemberRepository.bind_telegram(
                    conn, member.id, telegram_user_id, now
                ):
                    raise _Rollback  # keeps the invite unused
                await record_audit(
                    conn, "member_bind", actor_tg_id=telegram_user_id, actor_member_id=member.id,
                    subject=f"member:{member.id}", detail={"via": "invite"}, at=now,
                )
        except _Rollback:
            return BindResult(BindOutcome.MEMBER_TAKEN)
        return BindResult(BindOutcome.BOUND, await self.members.by_id(member.id))

    async def unbind(self, actor: Actor | None, member: Member) -> bool:
        """Detach the member's account (staff only; None as actor means the operator's CLI)."""
        if actor is not None and not actor.can(Action.UNBIND):
            raise NotAllowed
        now = self.db.clock()
        async with self.db.transaction() as conn:
            changed = await MemberRepository.unbind_telegram(conn, member.id, now=now)
            if changed:
                await record_audit(
                    conn, "member_unbind",
                    actor_tg_id=actor.telegram_user_id if actor else None,
                    subject=f"member:{member.id}",
                    detail={"telegram_user_id": member.telegram_user_id}, at=now,
                )
        return changed

    async def groups_bindable_by(self, actor: Actor) -> list[ActivityGroup]:
        allowed = actor.groups_for(Action.BIND_GROUP)
        groups = await self.members.list_groups()
        return [g for g in groups if allowed is None or g.id in allowed]

    async def bind_group_chat(
        self, actor: Actor, group_id: int, chat_id: int, title: str | None
    ) -> ActivityGroup:
        if not actor.can(Action.BIND_GROUP, group_id):
            raise NotAllowed
        group = await self.members.group_by_id(group_id)
        if group is None:
            raise NotAllowed
        if group.chat_id == chat_id:  # a second tap on the same button: nothing to change
            return group
        now = self.db.clock()
        async with self.db.transaction() as conn:
            # A chat that serves another group is moved only by rebind_group_chat, once asked.
            if await MemberRepository.group_id_of_chat(conn, chat_id) not in (None, group_id):
                raise Refused(ChatBindingWhy.BOUND_ELSEWHERE)
            await MemberRepository.bind_group_chat(conn, group_id, chat_id, title, now=now)
            await record_audit(
                conn, "group_bind", actor_tg_id=actor.telegram_user_id,
                actor_member_id=actor.member.id if actor.member else None,
                subject=f"group:{group_id}", detail={"chat_id": chat_id, "title": title},
                at=now,
            )
        bound = await self.members.group_by_id(group_id)
        assert bound is not None
        return bound

    async def group_of_chat(self, chat_id: int) -> ActivityGroup | None:
        """The activity group a chat is bound to, if any."""
        return await self.members.group_by_chat(chat_id)

    async def rebind_group_chat(
        self, actor: Actor, group_id: int, chat_id: int, title: str | None, *, replacing: int
    ) -> Rebound:
        """Move a chat bound to group `replacing` to group `group_id`: staff only, once they
        confirmed. Refused(CHANGED_MEANWHILE) when the chat no longer serves `replacing` (the
        question is stale); nothing changes when it serves `group_id` already (a double tap)."""
        if not actor.can(Action.REBIND_GROUP, group_id):
            raise NotAllowed
        group = await self.members.group_by_id(group_id)
        previous = await self.members.group_by_id(replacing)
        if group is None or previous is None:
            raise Refused(ChatBindingWhy.CHANGED_MEANWHILE)
        now = self.db.clock()
        async with self.db.transaction() as conn:
            current = await MemberRepository.group_id_of_chat(conn, chat_id)
            if current == group_id:
                return Rebound(group, None, [], now)
            if current != replacing:
                raise Refused(ChatBindingWhy.CHANGED_MEANWHILE)
            await MemberRepository.bind_group_chat(conn, group_id, chat_id, title, now=now)
            await record_audit(
                conn, "group_rebind", **audited_as(actor), subject=f"group:{group_id}",
                detail={"chat_id": chat_id, "title": title, "from_group_id": previous.id,
                        "from_group": previous.name, "to_group": group.name},
                at=now,
            )
        bound = await self.members.group_by_id(group_id)
        assert bound is not None
        leaders = [
            m for m in await self.members.list_members(previous.name)
            if m.role is Role.LEADER and m.active and m.telegram_user_id is not None
        ]
        return Rebound(bound, previous, leaders, now)


class _Rollback(Exception):
    """Raised inside a transaction to undo it."""
