"""Telegram's HTML parse mode: the tag set and the rules of the official server (tdlib).

``parse_html(text)`` returns the plain text and the message entities Telegram would make,
or raises ``EntityParseError`` with the description Telegram puts after
``"Bad Request: can't parse entities: "``. Offsets and lengths of entities are in UTF-16
code units, byte offsets in error messages are UTF-8 byte offsets, as Telegram reports them.

Rules followed (from tdlib's ``parse_html``):

* tags: ``b strong i em u ins s strike del a code pre blockquote tg-spoiler span tg-emoji
  tg-time``; anything else is "Unsupported start tag";
* ``&lt; &gt; &amp; &quot;`` and numeric ``&#NN;`` / ``&#xHH;`` are decoded; an ``&`` that
  starts no known entity is kept literally (Telegram accepts it too);
* tags nest; an end tag may omit its name (``</>``) but if present must match;
* ``span`` needs ``class="tg-spoiler"``; ``<pre><code class="language-x">`` gives a ``pre``
  entity with ``language``; empty entities are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """Raised when Telegram would answer 400 "Bad Request: can't parse entities: …".

    ``description`` is the part after that prefix, in Telegram's wording.
    """

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the output where the entity starts
    entity_index: int  # number of entities emitted when the tag opened
    extra: dict[str, str]


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the HTML entity starting at ``text[i] == "&"``: (character, index after ';')."""
    end = text.find(";", i + 1, i + 12)
    if end < 0:
        return None
    name = text[i + 1 : end]
    if name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name], end + 1
    if name.startswith("#"):
        digits = name[1:]
        try:
            code = int(digits[1:], 16) if digits[:1] in ("x", "X") else int(digits, 10)
        except ValueError:
            return None
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), end + 1
    return None


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, entities as Bot API MessageEntity dicts).

    Raises ``EntityParseError`` where Telegram refuses the text.
    """
    out: list[str] = []
    utf16_offset = 0
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                ch, i = decoded
                out.append(ch)
                utf16_offset += utf16_len(ch)
                continue
        if c != "<":
            out.append(c)
            utf16_offset += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            i = _end_tag(text, begin, i, stack, entities, utf16_offset)
            continue
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[begin + 1 : i].lower()
        if tag not in SUPPORTED_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        argument, extra, i = _attributes(text, tag, begin, i)
        if tag == "span" and argument != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        stack.append(_Open(tag, argument, utf16_offset, len(entities), extra))
        i += 1  # past '>'
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _attributes(text: str, tag: str, begin: int, i: int) -> tuple[str, dict[str, str], int]:
    """Parse the attributes of a start tag; returns (argument, other attributes, index of '>')."""
    n = len(text)
    argument = ""
    extra: dict[str, str] = {}
    where = _byte_offset(text, begin)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {where}")
        if text[i] == ">":
            return argument, extra, i
        name_begin = i
        while i < n and not text[i].isspace() and text[i] not in "=>":
            i += 1
        name = text[name_begin:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {where}'
            )
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] != "=":
            # A valueless attribute (tdlib accepts it only as "expandable" on blockquote).
            if tag == "blockquote" and name == "expandable":
                extra["expandable"] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {where}"
            )
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {where}")
        value_chars: list[str] = []
        if text[i] not in "'\"":
            while i < n and (text[i].isalnum() or text[i] in "_-."):
                value_chars.append(text[i])
                i += 1
        else:
            quote = text[i]
            i += 1
            while i < n and text[i] != quote:
                if text[i] == "&":
                    decoded = _decode_entity(text, i)
                    if decoded is not None:
                        value_chars.append(decoded[0])
                        i = decoded[1]
                        continue
                value_chars.append(text[i])
                i += 1
            if i < n:
                i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {where}")
        value = "".join(value_chars)
        if (
            (tag == "a" and name == "href")
            or (tag == "span" and name == "class")
            or (tag == "tg-emoji" and name == "emoji-id")
        ):
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        else:
            extra[name] = value


def _end_tag(
    text: str,
    begin: int,
    i: int,
    stack: list[_Open],
    entities: list[dict[str, Any]],
    utf16_offset: int,
) -> int:
    """Handle ``</tag>`` starting at ``begin``; returns the index after '>'."""
    n = len(text)
    where = _byte_offset(text, begin)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {where}")
    i += 1
    name_begin = i
    while i < n and not text[i].isspace() and text[i] != ">":
        i += 1
    end_name = text[name_begin:i].lower()
    while i < n and text[i].isspace():
        i += 1
    if i >= n or text[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {where}")
    top = stack.pop()
    if end_name and end_name != top.tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {where}, expected "</{top.tag}>", '
            f'found "</{end_name}>"'
        )
    length = utf16_offset - top.offset
    if length > 0:
        entity = _make_entity(top, length, entities)
        if entity is not None:
            entities.append(entity)
    return i + 1


def _make_entity(top: _Open, length: int, entities: list[dict[str, Any]]) -> dict[str, Any] | None:
    base: dict[str, Any] = {"offset": top.offset, "length": length}
    if top.tag == "code" and top.argument:
        # Kept until an enclosing <pre> closes; dropped otherwise (see parse_html).
        return {"type": "code", **base, "_language": top.argument}
    if top.tag in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[top.tag], **base}
    if top.tag == "a":
        if not top.argument:
            return None
        if top.argument.startswith("tg://user?id="):
            user_id = top.argument.removeprefix("tg://user?id=")
            user = {"id": int(user_id) if user_id.isdigit() else 0, "is_bot": False}
            return {"type": "text_mention", **base, "user": {**user, "first_name": ""}}
        return {"type": "text_link", **base, "url": top.argument}
    if top.tag == "pre":
        # <pre><code class="language-x">…</code></pre> becomes one pre entity with a language.
        inner = entities[top.entity_index :]
        for k, e in enumerate(inner):
            if e["type"] == "code" and e["offset"] == top.offset and e["length"] == length:
                language = e.pop("_language", "")
                del entities[top.entity_index + k]
                result = {"type": "pre", **base}
                if language:
                    result["language"] = language
                return result
        return {"type": "pre", **base}
    if top.tag == "blockquote":
        kind = "expandable_blockquote" if "expandable" in top.extra else "blockquote"
        return {"type": kind, **base}
    if top.tag == "tg-emoji":
        return {"type": "custom_emoji", **base, "custom_emoji_id": top.argument}
    if top.tag == "tg-time":
        result = {"type": "date_time", **base}
        if top.extra.get("unix", "").isdigit():
            result["unix_time"] = int(top.extra["unix"])
        if "format" in top.extra:
            result["date_time_format"] = top.extra["format"]
        return result
    return None
