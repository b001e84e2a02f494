"""Generate ``spec.json`` (facts only) from the machine-readable Bot API reference.

Usage::

    python -m tests.botapi.gen_spec [/work/shared/botapi-spec/api.json]

The input is ``api.json`` of the MIT-licensed PaulSonOfLars/telegram-bot-api-spec project.
The output keeps, for every method, its parameters (name, types, required) and return
types; for every type, its fields (name, types, required), its subtypes for union types and,
where the reference states it, the constant value of the discriminating field (``type``,
``status``, ``source`` …) of each subtype.  No description text is copied.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

DEFAULT_SOURCE = Path("/work/shared/botapi-spec/api.json")
TARGET = Path(__file__).with_name("spec.json")
_CONST = re.compile(r"""(?:must be|always)\s+["“]?([a-z0-9_]+)["”]?""")
_DISCRIMINATORS = ("type", "status", "source")


def _fields(entries: list[dict[str, Any]]) -> list[list[Any]]:
    return [[f["name"], list(f["types"]), bool(f["required"])] for f in entries]


def _const(entries: list[dict[str, Any]]) -> list[str] | None:
    for field in entries:
        if field["name"] in _DISCRIMINATORS and field["types"] == ["String"]:
            match = _CONST.search(field.get("description", ""))
            if match:
                return [field["name"], match.group(1)]
    return None


def build(api: dict[str, Any]) -> dict[str, Any]:
    """Return the compact spec dictionary for the parsed ``api.json``."""
    methods = {
        name: {"params": _fields(m.get("fields", [])), "returns": list(m["returns"])}
        for name, m in api["methods"].items()
    }
    types: dict[str, Any] = {}
    for name, t in api["types"].items():
        entry: dict[str, Any] = {"fields": _fields(t.get("fields", []))}
        if t.get("subtypes"):
            entry["subtypes"] = list(t["subtypes"])
        const = _const(t.get("fields", []))
        if const:
            entry["const"] = const
        types[name] = entry
    return {"version": api["version"], "methods": methods, "types": types}


def dump(spec: dict[str, Any]) -> str:
    """Serialise with one line per method / type so diffs stay readable."""
    lines = ["{", f'"version": {json.dumps(spec["version"])},']
    for section in ("methods", "types"):
        lines.append(f'"{section}": {{')
        items = sorted(spec[section].items())
        for i, (name, entry) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            body = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            lines.append(f"{json.dumps(name)}: {body}{comma}")
        lines.append("}," if section == "methods" else "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0]) if args else DEFAULT_SOURCE
    api = json.loads(source.read_text(encoding="utf-8"))
    TARGET.write_text(dump(build(api)), encoding="utf-8")
    print(f"wrote {TARGET} ({len(api['methods'])} methods, {len(api['types'])} types)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
