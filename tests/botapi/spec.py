"""Bot API reference facts (``spec.json``): parameter coercion and object validation.

Incoming parameters arrive either as JSON values or as strings (form fields, where nested
objects are JSON-encoded, exactly as Telegram accepts them).  :func:`Spec.coerce_params`
turns them into Python values according to the reference, raising :class:`ApiError`
with a Telegram-style description when a required parameter is missing or a value has the
wrong type.  :func:`Spec.check_object` lists required fields missing from an object that
the server is about to return.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("spec.json")
PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})
_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

# Telegram words a few "missing parameter" errors differently from "<name> is empty".
_EMPTY_TEXT = {
    "text": "message text is empty",
    "message_id": "message identifier is not specified",
    "photo": "there is no photo in the request",
    "document": "there is no document in the request",
    "callback_query_id": "query_id is empty",
}
_JSON_NAMES = {"reply_markup": "reply keyboard markup"}


class ApiError(Exception):
    """An error answered to the client as ``{"ok": false, "error_code": ..., ...}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> ApiError:
    """Shorthand for a ``400 Bad Request: <text>`` error."""
    return ApiError(400, f"Bad Request: {text}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


class _Mismatch(Exception):
    """Internal: a value does not fit the expected type (message is Telegram-style)."""


@dataclass(frozen=True)
class Param:
    name: str
    types: tuple[str, ...]
    required: bool


class Spec:
    """The loaded ``spec.json``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data["version"]
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self.types: dict[str, dict[str, Any]] = data["types"]
        self._lower = {name.lower(): name for name in self.methods}

    # -- lookup -------------------------------------------------------------------------
    def canonical_method(self, name: str) -> str | None:
        """Telegram method names are case-insensitive."""
        return self._lower.get(name.lower())

    def params(self, method: str) -> list[Param]:
        return [Param(n, tuple(t), r) for n, t, r in self.methods[method]["params"]]

    def returns(self, method: str) -> list[str]:
        return list(self.methods[method]["returns"])

    def fields(self, type_name: str) -> list[Param]:
        return [Param(n, tuple(t), r) for n, t, r in self.types[type_name]["fields"]]

    def required_fields(self, type_name: str) -> list[str]:
        return [p.name for p in self.fields(type_name) if p.required]

    # -- input coercion -----------------------------------------------------------------
    def coerce_params(
        self, method: str, raw: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        """Validate ``raw`` against ``method``'s parameters and return converted values.

        Unknown parameters are ignored (as Telegram does).  Empty strings count as absent.
        """
        out: dict[str, Any] = {}
        for param in self.params(method):
            value = raw.get(param.name)
            if value is None and param.name in files:
                value = files[param.name]
            if value is None or value == "":
                if param.required:
                    raise bad_request(_EMPTY_TEXT.get(param.name, f"{param.name} is empty"))
                continue
            try:
                out[param.name] = self._coerce_any(value, param.types, files, top=True)
            except _Mismatch as exc:
                if str(exc) == "json":
                    label = _JSON_NAMES.get(param.name, param.name.replace("_", " "))
                    raise bad_request(f"can't parse {label} JSON object") from None
                if str(exc).startswith("field ") or str(exc).startswith("Can't"):
                    label = _JSON_NAMES.get(param.name, param.name.replace("_", " "))
                    raise bad_request(f"can't parse {label}: {exc}") from None
                wanted = " or ".join(param.types)
                raise bad_request(f'field "{param.name}" must be of type {wanted}') from None
        return out

    def _coerce_any(
        self,
        value: Any,
        types: tuple[str, ...] | list[str],
        files: dict[str, UploadedFile],
        *,
        top: bool = False,
    ) -> Any:
        last: _Mismatch | None = None
        for type_name in types:
            try:
                return self._coerce(value, type_name, files, top=top)
            except _Mismatch as exc:
                if last is None or str(last) in ("", "type"):
                    last = exc
        raise last or _Mismatch("type")

    def _coerce(
        self, value: Any, type_name: str, files: dict[str, UploadedFile], *, top: bool
    ) -> Any:
        if type_name.startswith("Array of "):
            inner = type_name[len("Array of ") :]
            if isinstance(value, str):
                value = _loads(value)
            if not isinstance(value, list):
                raise _Mismatch("type")
            return [self._coerce(item, inner, files, top=False) for item in value]
        if type_name == "Integer":
            if isinstance(value, bool):
                raise _Mismatch("type")
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and _INT_RE.match(value.strip()):
                return int(value.strip())
            raise _Mismatch("type")
        if type_name == "Float":
            if isinstance(value, bool):
                raise _Mismatch("type")
            if isinstance(value, int | float):
                return float(value)
            if isinstance(value, str) and _FLOAT_RE.match(value.strip()):
                return float(value.strip())
            raise _Mismatch("type")
        if type_name == "String":
            if isinstance(value, str):
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
            raise _Mismatch("type")
        if type_name in ("Boolean", "True"):
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
                return value.strip().lower() in ("true", "1")
            raise _Mismatch("type")
        if type_name == "InputFile":
            if isinstance(value, UploadedFile):
                return value
            if isinstance(value, str) and value.startswith("attach://"):
                part = files.get(value[len("attach://") :])
                if part is not None:
                    return part
            raise _Mismatch("type")
        if type_name not in self.types:
            raise _Mismatch("type")
        if type_name == "KeyboardButton" and isinstance(value, str):
            return {"text": value}  # legacy: plain strings are accepted as buttons
        if isinstance(value, str) and top:
            value = _loads(value)
        if not isinstance(value, dict):
            raise _Mismatch("type")
        return self._coerce_object(value, type_name, files)

    def _coerce_object(
        self, value: dict[str, Any], type_name: str, files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        entry = self.types[type_name]
        subtypes = entry.get("subtypes")
        if subtypes:
            candidates = [s for s in subtypes if s in self.types and self._const_ok(value, s)]
            last: _Mismatch = _Mismatch(f"unsupported {type_name}")
            for sub in candidates or subtypes:
                try:
                    return self._coerce(value, sub, files, top=False)
                except _Mismatch as exc:
                    last = exc
            raise last
        out = dict(value)
        attached: dict[str, UploadedFile] = {}
        if type_name.startswith("InputMedia"):  # "attach://<name>": a part of the upload
            for key in ("media", "thumbnail", "photo"):
                named = value.get(key)
                if isinstance(named, str) and named.startswith("attach://"):
                    part = files.get(named[len("attach://") :])
                    if part is None:
                        raise _Mismatch(f'Can\'t find attached file "{named}"')
                    attached[key] = part
        for field in self.fields(type_name):
            if field.name not in value or value[field.name] is None:
                if field.required:
                    raise _Mismatch(f'Can\'t find field "{field.name}"')
                continue
            try:
                out[field.name] = self._coerce_any(value[field.name], field.types, files)
            except _Mismatch as exc:
                if str(exc) == "type":
                    wanted = " or ".join(field.types)
                    raise _Mismatch(f'field "{field.name}" must be of type {wanted}') from None
                raise
        out.update(attached)
        return out

    def _const_ok(self, value: dict[str, Any], type_name: str) -> bool:
        const = self.types[type_name].get("const")
        return const is None or value.get(const[0]) == const[1]

    # -- output validation --------------------------------------------------------------
    def check_object(
        self, value: Any, types: list[str] | tuple[str, ...], path: str = "$"
    ) -> list[str]:
        """Return a list of problems (missing required fields, wrong primitive types)."""
        best: list[str] | None = None
        for type_name in types:
            problems = self._check(value, type_name, path)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _check(self, value: Any, type_name: str, path: str) -> list[str]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {type_name}"]
            inner = type_name[len("Array of ") :]
            out: list[str] = []
            for i, item in enumerate(value):
                out.extend(self._check(item, inner, f"{path}[{i}]"))
            return out
        checks = {
            "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "String": lambda v: isinstance(v, str),
            "Boolean": lambda v: isinstance(v, bool),
            "True": lambda v: v is True,
            "InputFile": lambda v: isinstance(v, str),
        }
        if type_name in checks:
            return [] if checks[type_name](value) else [f"{path}: expected {type_name}"]
        if type_name not in self.types:
            return [f"{path}: unknown type {type_name}"]
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name} object"]
        subtypes = self.types[type_name].get("subtypes")
        if subtypes:
            candidates = [s for s in subtypes if s in PRIMITIVES or s in self.types]
            narrowed = [s for s in candidates if s in self.types and self._const_ok(value, s)]
            return self.check_object(value, narrowed or candidates, path)
        problems: list[str] = []
        for field in self.fields(type_name):
            if field.name not in value:
                if field.required:
                    problems.append(f"{path}: {type_name}.{field.name} is required")
                continue
            problems.extend(
                self.check_object(value[field.name], field.types, f"{path}.{field.name}")
            )
        return problems


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise _Mismatch("json") from None


@cache
def load_spec(path: str | None = None) -> Spec:
    """Load (and cache) the committed ``spec.json``."""
    source = Path(path) if path else SPEC_PATH
    return Spec(json.loads(source.read_text(encoding="utf-8")))
