"""HTML helpers for Telegram's HTML parse mode."""

from __future__ import annotations

import html
import re

MAX_MESSAGE = 4096

_TAG = re.compile(r"<[^>]*>")


def escape(value: object) -> str:
    """Escape ``value`` for Telegram HTML: ``& < >`` become entities (quotes stay as they are)."""
    return html.escape(str(value), quote=False)


def plain(text: str) -> str:
    """The visible text of a Telegram HTML string (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub("", text))


def visible_length(text: str) -> int:
    """Telegram counts the limit on the text after entity parsing."""
    return len(plain(text))


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split a rendered message into parts Telegram accepts.

    Splits only at blank lines (paragraphs), which our templates never place inside a tag;
    a single paragraph longer than the limit is cut as plain, escaped text.
    """
    if visible_length(text) <= limit and len(text) <= limit * 2:
        return [text]
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if visible_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if visible_length(paragraph) <= limit:
            current = paragraph
        else:
            raw = plain(paragraph)
            for start in range(0, len(raw), limit):
                parts.append(escape(raw[start : start + limit]))
            current = ""
    if current:
        parts.append(current)
    return parts
