"""Amounts as people type them: "7", "7,5", "seven", "forty five", "7 and a half", "7½",
"about 7", "6-7" (the middle: 6.5), "between 6 and 7", fractions ("8/10", "8 out of 10")
and percentages ("80 percent").

The words come from the questionnaire lexicon (``numbers``, ``approx``) and readings.yaml
(``numbers``, ``half``, ``range_separators``, ``fraction_words``, ``percent``). Hand-written
because no maintained library reads spoken amounts with ranges (docs/reading.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.library.schema import Lexicon, ReadingsFile
from flows.reading.text import strip_words

_DIGITS = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)?|[.,]\d+)", re.ASCII)


@dataclass(frozen=True, slots=True)
class Words:
    """The word tables one language needs to read amounts."""

    numbers: dict[str, float]
    approx: list[str]
    approx_after: list[str]
    range_lead: list[str]
    half: list[str]
    separators: list[str]
    fraction: list[str]
    percent: list[str]

    @classmethod
    def of(cls, lexicon: Lexicon, readings: ReadingsFile | None) -> Words:
        numbers: dict[str, float] = {k: float(v) for k, v in lexicon.numbers.items()}
        if readings is None:
            return cls(numbers, list(lexicon.approx), [], [], [], [], [], ["%"])
        numbers.update({k: float(v) for k, v in readings.numbers.items()})
        return cls(
            numbers,
            list(lexicon.approx),
            list(readings.approx_after),
            list(readings.range_lead),
            list(readings.half),
            list(readings.range_separators),
            list(readings.fraction_words),
            list(readings.percent),
        )


def _atom(text: str, words: Words) -> float | None:
    """One number: digits, a number word, or tens + units words ("forty five")."""
    if not text:
        return None
    match = _DIGITS.fullmatch(text)
    if match:
        return float(match.group(0).replace(",", "."))
    if text in words.numbers:
        return words.numbers[text]
    parts = text.replace("-", " ").split()
    if len(parts) == 2 and all(p in words.numbers for p in parts):
        tens, units = words.numbers[parts[0]], words.numbers[parts[1]]
        if tens >= 20 and tens % 10 == 0 and 0 < units < 10:
            return tens + units
    if len(parts) == 3 and parts[1] == "and" and parts[0] in words.numbers:
        # "a hundred and ten" is beyond any question; "one and a half" goes via halves.
        return None
    return None


def _with_half(text: str, words: Words) -> float | None:
    """A number, optionally with "and a half" (or "½", "1/2") after it."""
    for half in sorted(words.half, key=len, reverse=True):
        if text.endswith(half):
            head = text[: -len(half)].strip()
            if not head:
                continue
            base = _atom(head, words)
            if base is not None:
                return base + 0.5
    if text.endswith(("and a quarter", "and three quarters")):
        head = text.rsplit(" and ", 1)[0].strip()
        base = _atom(head, words)
        if base is not None:
            return base + (0.25 if text.endswith("and a quarter") else 0.75)
    return _atom(text, words)


def strip_approx(text: str, words: Words) -> str:
    """``text`` without "about", "around", "~" in front or "ish", "or so" behind."""
    text = strip_words(text, words.approx, prefix=True)
    return strip_words(text, words.approx_after, prefix=False)


def amount(text: str, words: Words) -> float | None:
    """A single amount or the middle of a range; ``None`` when ``text`` is not one.

    ``text`` is normalised (lower case, ASCII digits) and carries no unit."""
    text = strip_approx(text, words)
    single = _with_half(text, words)
    if single is not None:
        return single
    return _range(text, words)


def _range(text: str, words: Words) -> float | None:
    text = strip_words(text, words.range_lead, prefix=True)
    for sep in sorted(words.separators, key=len, reverse=True):
        pattern = (
            rf"(.+?)\s*{re.escape(sep)}\s*(.+)" if not sep.isalpha() else rf"(.+?)\s+{sep}\s+(.+)"
        )
        match = re.fullmatch(pattern, text)
        if not match:
            continue
        low = _with_half(strip_approx(match.group(1), words), words)
        high = _with_half(strip_approx(match.group(2), words), words)
        if low is None or high is None or low < 0 or high < 0:
            continue
        if high < low or high - low > max(2.0, high * 0.5):
            # "7-6" or "2-30" is not a range anyone means: refuse rather than guess.
            continue
        return (low + high) / 2
    return None


def fraction(text: str, words: Words) -> tuple[float, float] | None:
    """(numerator, denominator) from "8/10", "8 out of 10", "7.5/10"; ``None`` otherwise."""
    text = strip_approx(text, words)
    seps = ["/", *words.fraction] if words.fraction else ["/", "out of"]
    for sep in sorted(seps, key=len, reverse=True):
        pattern = rf"(.+?)\s*{re.escape(sep)}\s*(.+)" if sep == "/" else rf"(.+?)\s+{sep}\s+(.+)"
        match = re.fullmatch(pattern, text)
        if not match:
            continue
        top = _with_half(match.group(1).strip(), words)
        bottom = _atom(match.group(2).strip(), words)
        if top is not None and bottom is not None and bottom > 0 and 0 <= top <= bottom:
            return top, bottom
    return None


def percent(text: str, words: Words) -> float | None:
    """The number of "80%", "80 percent", "about 80 per cent"; ``None`` without a sign."""
    stripped = strip_words(text, words.percent, prefix=False)
    if stripped == text:
        return None
    return amount(stripped, words)
