"""The one base of the domain's records."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A record of the domain: frozen, so a value read once cannot change under its reader."""

    model_config = ConfigDict(frozen=True)
