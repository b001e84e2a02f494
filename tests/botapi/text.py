"""Message text formatting as Telegram does it: parse modes, entities and UTF-16 offsets.

* :func:`parse_html` implements Telegram's HTML subset (b strong i em u ins s strike del
  span.tg-spoiler tg-spoiler a code pre blockquote tg-emoji) and the errors Telegram
  answers for unsupported/unclosed/mismatched tags.
* :func:`parse_markdown_v2` implements MarkdownV2 including the "character is reserved"
  error; :func:`parse_markdown` the legacy Markdown mode.
* :func:`auto_entities` detects bot commands, mentions, hashtags, URLs and e-mails the
  way the server adds them to every message.
* Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

from .spec import bad_request

Entity = dict[str, Any]


def u16len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def client_pieces(text: str, limit: int) -> list[str]:
    """`text` cut as Telegram's apps cut a long message: pieces of at most `limit` UTF-16 code
    units, no character split."""
    pieces: list[str] = []
    start = used = 0
    for index, char in enumerate(text):
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > limit:
            pieces.append(text[start:index])
            start, used = index, 0
        used += size
    pieces.append(text[start:])
    return pieces


def u16_to_index(text: str, offset: int) -> int:
    """Convert a UTF-16 offset into a Python string index."""
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def entity_text(text: str, entity: Entity) -> str:
    """The substring of ``text`` covered by ``entity``."""
    start = u16_to_index(text, entity["offset"])
    end = u16_to_index(text, entity["offset"] + entity["length"])
    return text[start:end]


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(
        (e for e in entities if e["length"] > 0), key=lambda e: (e["offset"], -e["length"])
    )


def _fail(message: str) -> Exception:
    return bad_request(f"can't parse entities: {message}")


class _Builder:
    """Accumulates output text and tracks the UTF-16 position."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += u16len(text)

    def text(self) -> str:
        return "".join(self.parts)


# --------------------------------------------------------------------------------------
# HTML
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ALLOWED_TAGS = {*_SIMPLE_TAGS, "span", "a", "tg-emoji"}
_ATTR_RE = re.compile(r"""\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{1,10});")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram-HTML into ``(plain_text, entities)`` or raise a 400 ApiError."""
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[Entity] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            decoded = None
            if match:
                name = match.group(1)
                if name.startswith("#"):
                    number = int(name[2:], 16) if name[1:2] in "xX" else int(name[1:])
                    if 0 < number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF:
                        decoded = chr(number)
                elif name in ("lt", "gt", "amp", "quot"):
                    decoded = _html.unescape(match.group(0))
            if decoded is not None and match is not None:
                out.add(decoded)
                i = match.end()
            else:
                out.add("&")
                i += 1
            continue
        if char != "<":
            j = i
            while j < n and source[j] not in "<&":
                j += 1
            out.add(source[i:j])
            i = j
            continue
        begin = i
        if source.startswith("</", i):
            close = source.find(">", i)
            if close < 0:
                raise _fail(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise _fail(f"Unexpected end tag at byte offset {_byte_offset(source, begin)}")
            tag, start, open_attrs = stack.pop()
            if name != tag:
                raise _fail(
                    f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                    f'expected "</{tag}>", found "</{name}>"'
                )
            entities.extend(_html_entity(tag, open_attrs, start, out.pos, stack))
            i = close + 1
            continue
        j = i + 1
        while j < n and (source[j].isalnum() or source[j] == "-"):
            j += 1
        name = source[i + 1 : j].lower()
        if name not in _ALLOWED_TAGS:
            raise _fail(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise _fail(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
            if source[j] == ">":
                break
            if source.startswith("/>", j):
                j += 1
                break
            match = _ATTR_RE.match(source, j)
            if not match or match.end() == j:
                raise _fail(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{_byte_offset(source, begin)}"
                )
            value = match.group(2) or ""
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            attrs[match.group(1).lower()] = _html.unescape(value)
            j = match.end()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _fail(
                'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(source, begin)}"
            )
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise _fail(
                'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{_byte_offset(source, begin)}"
            )
        stack.append((name, out.pos, attrs))
        i = j + 1
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    text = out.text()
    return text, _sorted(entities)


def _html_entity(
    tag: str,
    attrs: dict[str, str],
    start: int,
    end: int,
    stack: list[tuple[str, int, dict[str, str]]],
) -> list[Entity]:
    length = end - start
    if length <= 0:
        return []
    entity: Entity = {"offset": start, "length": length}
    if tag == "a":
        href = attrs.get("href", "")
        match = re.match(r"tg://user\?id=(\d+)$", href)
        if match:
            entity.update(type="text_mention", user={"id": int(match.group(1))})
        elif href:
            entity.update(type="text_link", url=href)
        else:
            return []
    elif tag == "span":
        entity["type"] = "spoiler"
    elif tag == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=attrs["emoji-id"])
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
    elif tag == "code" and stack and stack[-1][0] == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1][2]["language"] = language[len("language-") :]
        return []
    elif tag == "pre":
        entity["type"] = "pre"
        if attrs.get("language"):
            entity["language"] = attrs["language"]
    else:
        entity["type"] = _SIMPLE_TAGS[tag]
    return [entity]


# --------------------------------------------------------------------------------------
# MarkdownV2 / Markdown
_RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_V2_MARKS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 into ``(plain_text, entities)`` or raise a 400 ApiError."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (marker, utf16 start, byte offset)
    entities: list[Entity] = []
    i, n = 0, len(source)
    line_start = True
    quote_start: int | None = None
    while i < n:
        char = source[i]
        offset = _byte_offset(source, i)
        if char == "\\" and i + 1 < n and ord(source[i + 1]) < 127:
            out.add(source[i + 1])
            i += 2
            line_start = False
            continue
        if line_start and char == ">":
            if quote_start is None:
                quote_start = out.pos
            i += 1
            line_start = False
            continue
        if char == "\n":
            if quote_start is not None and not source.startswith(">", i + 1):
                entities.append(
                    {"type": "blockquote", "offset": quote_start, "length": out.pos - quote_start}
                )
                quote_start = None
            out.add(char)
            i += 1
            line_start = True
            continue
        line_start = False
        if source.startswith("```", i):
            close = source.find("```", i + 3)
            if close < 0:
                raise _fail(f"Can't find end of Pre entity at byte offset {offset}")
            body = source[i + 3 : close]
            language = ""
            if "\n" in body:
                first, rest = body.split("\n", 1)
                if first and re.fullmatch(r"[\w+#-]+", first):
                    language, body = first, rest
            body = re.sub(r"\\([`\\])", r"\1", body)
            start = out.pos
            out.add(body)
            entity: Entity = {"type": "pre", "offset": start, "length": out.pos - start}
            if language:
                entity["language"] = language
            entities.append(entity)
            i = close + 3
            continue
        if char == "`":
            close = i + 1
            while close < n and source[close] != "`":
                close += 2 if source[close] == "\\" else 1
            if close >= n:
                raise _fail(f"Can't find end of Code entity at byte offset {offset}")
            start = out.pos
            out.add(re.sub(r"\\([`\\])", r"\1", source[i + 1 : close]))
            entities.append({"type": "code", "offset": start, "length": out.pos - start})
            i = close + 1
            continue
        marker = None
        for candidate in ("__", "||", "*", "_", "~"):
            if source.startswith(candidate, i):
                marker = candidate
                break
        if marker:
            if stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                entities.append(
                    {"type": _V2_MARKS[marker], "offset": start, "length": out.pos - start}
                )
            else:
                stack.append((marker, out.pos, offset))
            i += len(marker)
            continue
        if char == "[":
            stack.append(("[", out.pos, offset))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            _, start, begin = stack.pop()
            if not source.startswith("(", i + 1):
                raise _fail(f"Can't find end of TextUrl entity at byte offset {begin}")
            close = i + 2
            while close < n and source[close] != ")":
                close += 2 if source[close] == "\\" else 1
            if close >= n:
                raise _fail(f"Can't find end of TextUrl entity at byte offset {begin}")
            url = re.sub(r"\\([)\\])", r"\1", source[i + 2 : close])
            entities.append(
                {"type": "text_link", "offset": start, "length": out.pos - start, "url": url}
            )
            i = close + 1
            continue
        if char in _RESERVED_V2:
            raise _fail(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(char)
        i += 1
    if stack:
        marker, _, begin = stack[-1]
        kind = "TextUrl" if marker == "[" else _V2_MARKS[marker].title()
        raise _fail(f"Can't find end of {kind} entity at byte offset {begin}")
    if quote_start is not None:
        entities.append(
            {"type": "blockquote", "offset": quote_start, "length": out.pos - quote_start}
        )
    return out.text(), _sorted(entities)


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url)."""
    out = _Builder()
    entities: list[Entity] = []
    i, n = 0, len(source)
    pairs = {"*": "bold", "_": "italic"}
    while i < n:
        char = source[i]
        offset = _byte_offset(source, i)
        if char == "\\" and i + 1 < n and source[i + 1] in "*_`[":
            out.add(source[i + 1])
            i += 2
            continue
        if source.startswith("```", i) or char in "*_`":
            mark = "```" if source.startswith("```", i) else char
            close = source.find(mark, i + len(mark))
            if close < 0:
                raise _fail(f"Can't find end of the entity starting at byte offset {offset}")
            start = out.pos
            out.add(source[i + len(mark) : close])
            kind = "pre" if mark == "```" else "code" if mark == "`" else pairs[mark]
            entities.append({"type": kind, "offset": start, "length": out.pos - start})
            i = close + len(mark)
            continue
        if char == "[":
            match = re.match(r"\[([^\]]*)\]\(([^)]*)\)", source[i:])
            if match:
                start = out.pos
                out.add(match.group(1))
                entities.append(
                    {
                        "type": "text_link",
                        "offset": start,
                        "length": out.pos - start,
                        "url": match.group(2),
                    }
                )
                i += match.end()
                continue
        out.add(char)
        i += 1
    return out.text(), _sorted(entities)


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Apply ``parse_mode`` (None, HTML, MarkdownV2, Markdown; case-insensitive)."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise bad_request("unsupported parse_mode")


# --------------------------------------------------------------------------------------
# Automatic entities
_AUTO_PATTERNS = [
    ("bot_command", re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")),
    ("url", re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")),
    ("email", re.compile(r"(?<![\w.@])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]
_OPAQUE = {
    "code",
    "pre",
    "text_link",
    "text_mention",
    "custom_emoji",
    "url",
    "email",
    "bot_command",
    "mention",
}


def auto_entities(text: str, existing: list[Entity] | None = None) -> list[Entity]:
    """Add the entities Telegram detects itself; ``existing`` ones win on overlap."""
    result = list(existing or [])
    taken = [(e["offset"], e["offset"] + e["length"]) for e in result if e["type"] in _OPAQUE]
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start = u16len(text[: match.start()])
            end = start + u16len(match.group(0))
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            result.append({"type": kind, "offset": start, "length": end - start})
    return _sorted(result)


def validate_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """Check explicit ``entities`` against ``text`` as Telegram does."""
    total = u16len(text)
    clean: list[Entity] = []
    for entity in entities:
        offset, length = entity.get("offset", -1), entity.get("length", -1)
        if offset < 0 or length < 0 or offset + length > total:
            raise bad_request("can't parse entities: entity beyond the end of text")
        clean.append(dict(entity))
    return _sorted(clean)


# --------------------------------------------------------------------------------------
# Rendering back to HTML (handy in assertions)
_RENDER = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "spoiler": "tg-spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote expandable",
}


def to_html(text: str, entities: list[Entity] | None) -> str:
    """Render ``text`` + formatting ``entities`` back to Telegram HTML."""
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in _sorted(list(entities or [])):
        kind = entity["type"]
        if kind == "text_link":
            tag, end_tag = f'a href="{_html.escape(entity["url"])}"', "a"
        elif kind in _RENDER:
            tag = _RENDER[kind]
            end_tag = tag.split()[0]
        else:
            continue
        opens.setdefault(entity["offset"], []).append(tag)
        closes.setdefault(entity["offset"] + entity["length"], []).insert(0, end_tag)
    parts: list[str] = []
    pos = 0
    for char in text:
        parts.extend(f"</{t}>" for t in closes.get(pos, []))
        parts.extend(f"<{t}>" for t in opens.get(pos, []))
        parts.append(_html.escape(char, quote=False))
        pos += 2 if ord(char) > 0xFFFF else 1
    parts.extend(f"</{t}>" for t in closes.get(pos, []))
    return "".join(parts)
