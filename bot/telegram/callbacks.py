"""Callback data: a small typed, signed codec, `prefix:version:field…:signature`.

Data from the client is untrusted. Each kind of button is a pydantic model with a short
prefix; encoding appends a truncated HMAC so forged or altered data is refused before any
lookup, and a version bump makes the buttons of an older release stale.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

VERSION = "1"
MAX_BYTES = 64
_SIG_CHARS = 8


class InvalidCallback(Exception):
    """Callback data that does not parse, is not signed by us, or is of an older version."""


class CallbackData(BaseModel):
    """Base of every button payload; subclasses set PREFIX and declare their fields."""

    model_config = ConfigDict(frozen=True)
    PREFIX: ClassVar[str]
    registry: ClassVar[dict[str, type[CallbackData]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        prefix = cls.__dict__.get("PREFIX")
        if prefix is not None:
            if ":" in prefix or prefix in CallbackData.registry:
                raise ValueError(f"bad or duplicate callback prefix {prefix!r}")
            CallbackData.registry[prefix] = cls


class CallbackCodec:
    """Encodes CallbackData to signed strings and back."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._secret, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_SIG_CHARS]

    def encode(self, data: CallbackData) -> str:
        fields = []
        for name in type(data).model_fields:
            value = getattr(data, name)
            text = "" if value is None else str(value)
            if ":" in text:
                raise ValueError(f"':' in callback field {name}")
            fields.append(text)
        body = ":".join([data.PREFIX, VERSION, *fields])
        encoded = f"{body}:{self._sign(body)}"
        if len(encoded.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {encoded!r}")
        return encoded

    def decode(self, raw: str | None) -> CallbackData:
        if not raw or len(raw.encode()) > MAX_BYTES:
            raise InvalidCallback("empty or oversized")
        body, _, signature = raw.rpartition(":")
        if not body or not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            raise InvalidCallback("bad signature")
        prefix, version, *values = body.split(":")
        if version != VERSION:
            raise InvalidCallback("stale version")
        kind = CallbackData.registry.get(prefix)
        if kind is None or len(values) != len(kind.model_fields):
            raise InvalidCallback("unknown kind")
        try:
            fields = zip(kind.model_fields, values, strict=True)
            return kind.model_validate({name: (v if v != "" else None) for name, v in fields})
        except ValidationError as exc:
            raise InvalidCallback("bad fields") from exc
