"""The product uses python-telegram-bot's public API only: no module of liaison/, bot/,
handlers/, storage/ or domain/ imports from `telegram._…` (PTB's private modules, which change
without notice between minor versions). import-linter cannot forbid a subpackage of an external
package, so this test reads the code."""

import ast
from pathlib import Path

ROOT = Path(__file__).parents[3]
PRODUCT = ("liaison", "bot", "handlers", "storage", "domain")


def _private(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "telegram" and any(part.startswith("_") for part in parts[1:])


def private_ptb_imports(root: Path) -> list[str]:
    """`path:line module` for each import of a private PTB module in the product."""
    found = []
    for folder in PRODUCT:
        for path in sorted((root / folder).rglob("*.py")):
            where = path.relative_to(root)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    modules = [node.module] if _private(node.module) else [
                        f"{node.module}.{alias.name}" for alias in node.names]
                else:
                    continue
                found += [f"{where}:{node.lineno} {m}" for m in modules if _private(m)]
    return found


def test_no_private_ptb_imports_in_the_product() -> None:
    assert private_ptb_imports(ROOT) == []


def test_each_form_of_a_private_import_is_found(tmp_path: Path) -> None:
    planted = tmp_path / "bot" / "telegram" / "planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(
        "import telegram._bot\n"
        "from telegram._utils.types import ODVInput\n"
        "from telegram import _utils\n"
        "from telegram.request import BaseRequest\n"
        "from telegram.ext import Application\n",
        encoding="utf-8",
    )
    assert private_ptb_imports(tmp_path) == [
        "bot/telegram/planted.py:1 telegram._bot",
        "bot/telegram/planted.py:2 telegram._utils.types",
        "bot/telegram/planted.py:3 telegram._utils",
    ]
