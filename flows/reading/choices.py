"""Choice answers typed in words: an option's value or label, a synonym from
readings.yaml ("inner shin", "boot", "ultra running"), a unique prefix of a label, or
words that all appear in exactly one label ("heel" -> "Heel bone (calcaneus)").

A word that fits several options ("shin", "tibia", or words found in several labels) is
never resolved by guessing: :class:`Ambiguous` names the candidates so the reader can ask
with a short choice. That matters most for sites: a high-risk site is never picked
silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.library.schema import Option, Question, ReadingsFile
from flows.reading.text import fold

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """``text`` fits more than one option (values in the question's order)."""

    text: str
    values: tuple[str, ...]


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("/", " "))


def _content_words(text: str, filler: frozenset[str]) -> list[str]:
    return [w for w in _words(text) if w not in filler]


def read_choice(
    question: Question, text: str, readings: ReadingsFile | None
) -> str | Ambiguous | None:
    """The option value ``text`` names, :class:`Ambiguous`, or ``None`` (no match).

    ``text`` is normalised (lower case, single spaces)."""
    options = question.options
    folded = " ".join(_words(text))
    if not folded:
        return None
    for option in options:
        if text in (option.value.lower(), option.label.lower()) or folded in (
            " ".join(_words(option.value)),
            " ".join(_words(option.label)),
        ):
            return option.value
    if readings is not None:
        synonyms = readings.choices.get(question.id, {})
        for value, words in synonyms.items():
            if any(folded == " ".join(_words(w)) for w in words):
                return value
        ambiguous = readings.ambiguous.get(question.id, {})
        for word, candidates in ambiguous.items():
            if folded == " ".join(_words(word)):
                return Ambiguous(text, tuple(candidates))
    starts = [o for o in options if folded and " ".join(_words(o.label)).startswith(folded)]
    if len(starts) == 1 and len(folded) >= 3:
        return starts[0].value
    filler = frozenset(readings.filler) if readings is not None else frozenset()
    return _by_words(options, text, filler)


def _by_words(options: list[Option], text: str, filler: frozenset[str]) -> str | Ambiguous | None:
    """The one option whose label holds every content word typed (a typed word may be
    the start of a label word: "navic" for "navicular")."""
    typed = _content_words(text, filler)
    if not typed or any(len(w) < 3 for w in typed):
        return None
    fits = []
    for option in options:
        label = _words(option.label) + _words(option.value)
        if all(any(word.startswith(t) for word in label) for t in typed):
            fits.append(option.value)
    if len(fits) == 1:
        return fits[0]
    if 1 < len(fits) <= 3:
        return Ambiguous(text, tuple(fits))
    return None


def label_of(question: Question, value: str) -> str:
    return next((o.label for o in question.options if o.value == value), value)
