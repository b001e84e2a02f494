"""User-facing texts: gettext catalogs (zh-CN default, English), read with Babel at start-up."""

from __future__ import annotations

import html
import unicodedata
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")
# catalog folder per language
_CATALOG_DIRS = {"zh": "zh_CN", "en": "en"}


class Html(str):
    """A string already in Telegram HTML: passed to a text unescaped."""

    __slots__ = ()


def language_for(language_code: str | None, chosen: str | None = None) -> str:
    """The language to answer in: the /lang choice, else the Telegram client's, else Chinese."""
    if chosen in LANGUAGES:
        return chosen
    if language_code and language_code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


@cache
def catalog(language: str) -> dict[str, str]:
    """Message id → text for one language, read from its .po file."""
    folder = _CATALOG_DIRS[language]
    path = resources.files("bot.core").joinpath("locale", folder, "LC_MESSAGES", "messages.po")
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=folder)
    return {str(m.id): str(m.string) for m in parsed if m.id and m.string}


def tr(language: str, key: str, /, **values: object) -> str:
    """The text `key` in `language`, with values HTML-escaped unless they are `Html`."""
    texts = catalog(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    template = texts.get(key) or catalog(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise KeyError(f"no text {key!r}")
    if not values:
        return template
    safe = {
        name: value if isinstance(value, Html) else html.escape(str(value), quote=False)
        for name, value in values.items()
    }
    return template.format(**safe)


def plain(language: str, key: str, /, **values: object) -> str:
    """The text `key` with its values as they are: for plain text (button labels, popups,
    spreadsheets), where Telegram or a spreadsheet shows `&lt;` as it stands."""
    texts = catalog(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    template = texts.get(key) or catalog(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise KeyError(f"no text {key!r}")
    return template.format(**values) if values else template


class _CommandLine:
    """The language the command line speaks (bot.core.cli.speaking sets it for a run)."""

    language = DEFAULT_LANGUAGE


def say(key: str, /, **values: object) -> str:
    """The text `key` in the command line's language, values as they are (a terminal shows
    text as it stands)."""
    return plain(_CommandLine.language, key, **values)


def command_line_language() -> str:
    return _CommandLine.language


def set_command_line_language(language: str) -> str:
    """Makes `language` the command line's; returns the one it replaces."""
    previous = _CommandLine.language
    _CommandLine.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return previous


def labels_lookup(prefix: str, values: list[str]) -> dict[str, str]:
    """Every language's label of `values` (and each value itself), lower-cased → value: what
    a person may type for a status or a category they have seen in a text or a sheet."""
    found: dict[str, str] = {}
    for value in values:
        found[value.lower()] = value
        for language in LANGUAGES:
            found[tr(language, f"{prefix}.{value}").lower()] = value
    return found


def columns(text: str) -> int:
    """How many columns `text` takes in a terminal or a spreadsheet: CJK characters two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
