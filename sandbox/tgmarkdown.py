"""Telegram's MarkdownV2 and legacy Markdown parse modes (the common subset of tdlib's rules).

``parse_markdown_v2`` enforces the reserved characters ``_*[]()~`>#+-=|{}.!`` (each must be
escaped with a backslash outside an entity) and reports unclosed entities the way Telegram
does. Errors raise ``EntityParseError`` (shared with the HTML parser).
"""

from __future__ import annotations

from typing import Any

from sandbox.tghtml import EntityParseError, utf16_len

RESERVED = frozenset("_*[]()~`>#+-=|{}.!")

_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}
# The closing marker of each entity type.
_MARKERS = {
    "bold": "*",
    "italic": "_",
    "underline": "__",
    "strikethrough": "~",
    "spoiler": "||",
    "code": "`",
    "pre": "```",
    "text_link": "]",
}


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 into (plain text, entities); raises ``EntityParseError``."""
    out: list[str] = []
    offset = 0
    entities: list[dict[str, Any]] = []
    # Open entities: (type, UTF-16 offset, byte offset of the marker, language for pre)
    stack: list[tuple[str, int, int, str]] = []
    quote_start: int | None = None
    n = len(text)
    i = 0

    def emit(s: str) -> None:
        nonlocal offset
        out.append(s)
        offset += utf16_len(s)

    while i < n:
        c = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        if at_line_start and quote_start is not None and c != ">":
            entities.append({"type": "blockquote", "offset": quote_start, "length": 0})
            entities[-1]["length"] = offset - quote_start - 1  # up to the newline
            quote_start = None
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            emit(text[i + 1])
            i += 2
            continue
        inside_code = bool(stack) and stack[-1][0] in ("code", "pre")
        if inside_code and c != "`":
            emit(c)
            i += 1
            continue
        if c == ">" and at_line_start and not stack:
            if quote_start is None:
                quote_start = offset
            i += 1
            continue
        if c not in RESERVED:
            emit(c)
            i += 1
            continue
        if stack:
            kind = stack[-1][0]
            marker = _MARKERS[kind]
            if text.startswith(marker, i):
                i = _close(text, i, stack, entities, offset)
                continue
        i = _open(text, i, stack, offset)
    if stack:
        kind, _, where, _ = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_TYPE_NAMES[kind]} entity at byte offset {where}"
        )
    if quote_start is not None and offset > quote_start:
        entities.append(
            {"type": "blockquote", "offset": quote_start, "length": offset - quote_start}
        )
    entities = [e for e in entities if e["length"] > 0]
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _open(text: str, i: int, stack: list[tuple[str, int, int, str]], offset: int) -> int:
    c = text[i]
    where = _byte_offset(text, i)
    if c == "_" and text.startswith("__", i):
        stack.append(("underline", offset, where, ""))
        return i + 2
    if c == "_":
        stack.append(("italic", offset, where, ""))
        return i + 1
    if c == "*":
        stack.append(("bold", offset, where, ""))
        return i + 1
    if c == "~":
        stack.append(("strikethrough", offset, where, ""))
        return i + 1
    if c == "|" and text.startswith("||", i):
        stack.append(("spoiler", offset, where, ""))
        return i + 2
    if c == "[":
        stack.append(("text_link", offset, where, ""))
        return i + 1
    if c == "`" and text.startswith("```", i):
        j = i + 3
        newline = text.find("\n", j)
        language = ""
        if newline >= 0 and text[j:newline].strip() and " " not in text[j:newline].strip():
            language = text[j:newline].strip()
            j = newline + 1
        stack.append(("pre", offset, where, language))
        return j
    if c == "`":
        stack.append(("code", offset, where, ""))
        return i + 1
    raise EntityParseError(
        f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
    )


def _close(
    text: str,
    i: int,
    stack: list[tuple[str, int, int, str]],
    entities: list[dict[str, Any]],
    offset: int,
) -> int:
    kind, start, where, language = stack.pop()
    i += len(_MARKERS[kind])
    entity: dict[str, Any] = {"type": kind, "offset": start, "length": offset - start}
    if kind == "pre" and language:
        entity["language"] = language
    if kind == "text_link":
        if i < len(text) and text[i] == "(":
            j = i + 1
            url: list[str] = []
            while j < len(text) and text[j] != ")":
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                url.append(text[j])
                j += 1
            if j >= len(text):
                raise EntityParseError(f"Can't find end of a URL at byte offset {where}")
            entity["url"] = "".join(url)
            i = j + 1
        else:
            return i  # "[text]" without a URL is plain text
    entities.append(entity)
    return i


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: ``*bold* _italic_ `code` ```pre``` [text](url)``; no escaping rules
    beyond an unclosed entity ("Can't find end of the entity starting at byte offset N")."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    offset = 0
    i = 0
    n = len(text)
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        c = text[i]
        if c == "`" and text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            inner = text[i + 3 : end]
            entities.append({"type": "pre", "offset": offset, "length": utf16_len(inner)})
            out.append(inner)
            offset += utf16_len(inner)
            i = end + 3
            continue
        if c in kinds:
            end = text.find(c, i + 1)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            inner = text[i + 1 : end]
            entities.append({"type": kinds[c], "offset": offset, "length": utf16_len(inner)})
            out.append(inner)
            offset += utf16_len(inner)
            i = end + 1
            continue
        if c == "[":
            close = text.find("](", i + 1)
            end = text.find(")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            inner = text[i + 1 : close]
            url = text[close + 2 : end]
            entities.append(
                {"type": "text_link", "offset": offset, "length": utf16_len(inner), "url": url}
            )
            out.append(inner)
            offset += utf16_len(inner)
            i = end + 1
            continue
        out.append(c)
        offset += utf16_len(c)
        i += 1
    return "".join(out), [e for e in entities if e["length"] > 0]
