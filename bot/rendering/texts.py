"""The bot's messages, from ``content/<lang>/bot.yaml`` (and ``coach.yaml``).

Every message is a Telegram HTML template with ``{name}`` placeholders; :meth:`Texts.render`
escapes every interpolated value, so user input (a name, a city) can never inject markup.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.rendering.html import escape
from flows.library.plurals import fill


class MissingText(KeyError):
    """A message key that content/ does not define."""


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    params: tuple[str, ...] = ()
    #: Count parameter -> phrase per CLDR plural category (flows.library.plurals).
    plurals: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


class Safe(str):
    """A string that is already Telegram HTML (a rendered fragment): not escaped again."""

    __slots__ = ()


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Texts:
    """Message lookup and rendering."""

    def __init__(self, messages: Mapping[str, Message], language: str = "en") -> None:
        self._messages = dict(messages)
        #: The language of the texts: its plural rules and number formats (Babel).
        self.language = language

    @classmethod
    def from_entries(cls, entries: Mapping[str, Any], language: str = "en") -> Texts:
        """From ``{key: {text, params, plurals}}`` mappings, or objects with ``text``,
        ``params`` and optionally ``plurals``."""
        messages: dict[str, Message] = {}
        for key, entry in entries.items():
            if isinstance(entry, str):
                messages[key] = Message(entry, tuple(sorted(_fields(entry))))
            elif isinstance(entry, Mapping):
                messages[key] = Message(
                    str(entry["text"]),
                    tuple(entry.get("params") or ()),
                    dict(entry.get("plurals") or {}),
                )
            else:
                messages[key] = Message(
                    str(entry.text),
                    tuple(getattr(entry, "params", ()) or ()),
                    dict(getattr(entry, "plurals", None) or {}),
                )
        return cls(messages, language)

    @classmethod
    def load(cls, *paths: Path) -> Texts:
        """Read the ``messages:`` mapping of one or more YAML files (later files win)."""
        entries: dict[str, Any] = {}
        for path in paths:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            entries.update(data.get("messages") or {})
        return cls.from_entries(entries)

    def __contains__(self, key: object) -> bool:
        return key in self._messages

    def names(self) -> list[str]:
        return sorted(self._messages)

    def message(self, key: str) -> Message:
        try:
            return self._messages[key]
        except KeyError:
            raise MissingText(key) from None

    def raw(self, key: str) -> str:
        """The template itself, for button labels and texts without placeholders."""
        return self.message(key).text

    def render(self, key: str, **params: object) -> str:
        """The message ``key`` with every parameter escaped (``Safe`` fragments kept as is)."""
        message = self.message(key)
        template = message.text
        counted = fill(message.plurals, params, self.language, escape=escape)
        values = {
            name: Safe(str(counted[name]))
            if name in message.plurals
            else value
            if isinstance(value, Safe)
            else escape(value)
            for name, value in params.items()
        }
        missing = _fields(template) - values.keys()
        if missing:
            raise MissingText(f"{key}: missing parameters {sorted(missing)}")
        return template.format(**values)
