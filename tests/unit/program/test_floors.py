"""SQL lives in storage/: above it (the program, handlers, services, the domain) no module holds
a SQL statement or runs one. Services may open a transaction (their unit of work) and hand its
connection to the repositories; what runs in it is the repositories' business. Import
contracts cannot see this (running SQL through `services.db` needs no import), so this test
reads the code."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[3]
ABOVE_STORAGE = ("liaison", "bot", "handlers", "domain")
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|PRAGMA|WITH)\s")
SQL_CLAUSE = re.compile(r"\b(FROM|INTO|SET|TABLE|WHERE|VALUES|user_version)\b")
RUNS_SQL = {"execute", "executemany", "executescript", "fetch_one", "fetch_all", "fetchone",
            "fetchall"}


def sql_outside_storage(root: Path) -> list[str]:
    """`path:line what` for each SQL statement written, or run, above storage."""
    found = []
    for folder in ABOVE_STORAGE:
        for path in sorted((root / folder).rglob("*.py")):
            where = path.relative_to(root)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and SQL.match(node.value) and SQL_CLAUSE.search(node.value)):
                    found.append(f"{where}:{node.lineno} SQL {node.value.split()[0]}")
                elif isinstance(node, ast.Attribute) and node.attr in RUNS_SQL:
                    found.append(f"{where}:{node.lineno} .{node.attr}(…)")
    return found


def test_no_sql_above_storage() -> None:
    assert sql_outside_storage(ROOT) == []


def test_a_handler_running_sql_through_the_services_is_found(tmp_path: Path) -> None:
    handler = tmp_path / "handlers" / "attendance" / "planted.py"
    handler.parent.mkdir(parents=True)
    handler.write_text(
        "async def count(context):\n"
        "    return await context.services.db.fetch_all(\n"
        "        'SELECT COUNT(*) FROM checkins WHERE event_id = ?', (1,))\n",
        encoding="utf-8",
    )
    assert sql_outside_storage(tmp_path) == [
        "handlers/attendance/planted.py:2 .fetch_all(…)",
        "handlers/attendance/planted.py:3 SQL SELECT",
    ]
