"""Pydantic models returned by the repositories and used by the services."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    """What a person on the roster is, besides being a member."""

    MEMBER = "member"
    LEADER = "leader"
    STAFF = "staff"
    ADMIN = "admin"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class ActivityGroup(_Model):
    id: int
    name: str
    chat_id: int | None = None
    chat_title: str | None = None


class Member(_Model):
    id: int
    name: str
    phone: str
    sector: str
    group_id: int | None
    group_name: str | None = None
    role: Role
    telegram_user_id: int | None = None
    bound_at: datetime | None = None


class Invite(_Model):
    token: str
    member_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = None


class Conversation(_Model):
    telegram_user_id: int
    chat_id: int
    kind: str
    step: str
    data: dict[str, object]
    updated_at: datetime
