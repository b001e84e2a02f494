"""Who a reminder goes to: everyone, some groups or some roles (stored as JSON)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.models import Role


class Audience(BaseModel):
    """Everyone on the roster with an account, or only these groups and/or roles."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    everyone: bool = False
    group_ids: tuple[int, ...] = ()
    roles: tuple[Role, ...] = ()

    @classmethod
    def all_members(cls) -> Audience:
        return cls(everyone=True)

    def is_empty(self) -> bool:
        return not (self.everyone or self.group_ids or self.roles)
