"""Times of day as people type them, and the check that morning and evening check-in
times make sense together.

Read: "7:30", "07:30", "7.30", "730", "7", "19h", "19h30", "7:30 a.m.", "7.30pm",
"7 in the morning", "noon", "midnight", "half 7" (British for 7:30), "half past 7",
"quarter past 7", "quarter to 8", "seven", "seven thirty", "around 7ish", "7 o'clock".
A bare hour from 1 to 11 at an evening question ("8", "half 7") is the evening one.
Hand-written: dateparser reads "half 7" as 07:00 and "19h" not at all (docs/reading.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Literal

from flows.library.schema import Lexicon, ReadingsFile, ScheduleRules
from flows.reading.numbers import Words, strip_approx
from flows.reading.text import strip_words

_CLOCK = re.compile(r"(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*h?", re.ASCII)
_COMPACT = re.compile(r"(\d{1,2})(\d{2})", re.ASCII)


@dataclass(frozen=True, slots=True)
class TimeWords:
    am: list[str]
    pm: list[str]
    lead: list[str]
    words: dict[str, time]
    half_past: list[str]
    quarter_past: list[str]
    quarter_to: list[str]
    oclock: list[str]

    @classmethod
    def of(cls, lexicon: Lexicon, readings: ReadingsFile | None) -> TimeWords:
        if readings is None:
            return cls(list(lexicon.am), list(lexicon.pm), [], {}, [], [], [], [])
        return cls(
            [*lexicon.am, *readings.am],
            [*lexicon.pm, *readings.pm],
            list(readings.time_lead),
            {k: time.fromisoformat(v) for k, v in readings.time_words.items()},
            list(readings.half_past),
            list(readings.quarter_past),
            list(readings.quarter_to),
            list(readings.oclock),
        )


def _hour_word(text: str, numbers: Words) -> int | None:
    if text.isdigit():
        return int(text)
    value = numbers.numbers.get(text)
    return int(value) if value is not None and float(value).is_integer() else None


def _clock(text: str, numbers: Words) -> tuple[int, int] | None:
    """(hour, minute) of "7", "7:30", "7.30", "19h", "19h30", "0730", "seven thirty"."""
    match = _CLOCK.fullmatch(text)
    if match:
        return int(match.group(1)), int(match.group(2) or 0)
    match = _COMPACT.fullmatch(text)
    if match and len(text) in (3, 4):
        return int(match.group(1)), int(match.group(2))
    parts = text.split()
    if len(parts) in (1, 2, 3):
        hour = _hour_word(parts[0], numbers)
        minute_text = " ".join(parts[1:])
        minute = 0 if not minute_text else numbers.numbers.get(minute_text)
        if minute is None and len(parts) == 3:
            tens = numbers.numbers.get(parts[1], 0)
            units = numbers.numbers.get(parts[2], 0)
            minute = tens + units if tens >= 20 and 0 < units < 10 else None
        if hour is not None and minute is not None and float(minute).is_integer():
            return hour, int(minute)
    return None


def read_time(
    text: str, lexicon: Lexicon, readings: ReadingsFile | None, *, evening: bool = False
) -> time | None:
    """The time of day ``text`` names, or ``None``. ``evening``: a bare hour from 1 to 11
    without am/pm means the afternoon or evening (the evening check-in question)."""
    words = TimeWords.of(lexicon, readings)
    numbers = Words.of(lexicon, readings)
    text = text.replace("’", "'")
    if text in words.words:
        return words.words[text]
    text = strip_words(text, words.lead, prefix=True)
    text = strip_approx(text, numbers)
    if text in words.words:
        return words.words[text]
    suffix: str | None = None
    for word in sorted(words.am + words.pm, key=len, reverse=True):
        stripped = strip_words(text, [word], prefix=False)
        if stripped != text:
            suffix = "am" if word in words.am else "pm"
            text = stripped
            break
    text = strip_words(text, words.oclock, prefix=False)
    text = strip_approx(text, numbers)
    offset = 0
    for prefixes, minutes in (
        (words.quarter_to, -15),
        (words.quarter_past, 15),
        (words.half_past, 30),
    ):
        stripped = strip_words(text, prefixes, prefix=True)
        if stripped != text:
            text, offset = stripped, minutes
            break
    clock = _clock(text, numbers)
    if clock is None:
        return None
    hour, minute = clock
    if offset and minute:
        return None  # "half 7:30" names no time
    if hour > 23 or minute > 59:
        return None
    if suffix is not None:
        if not 0 <= hour <= 12 or (hour == 0 and suffix == "pm"):
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif evening and 1 <= hour <= 11:
        hour += 12
    total = (hour * 60 + minute + offset) % (24 * 60)
    return time(total // 60, total % 60)


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    """Why a pair of check-in times is refused: a readings.yaml message key and values."""

    key: str
    params: dict[str, str]


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _within(t: time, earliest: str, latest: str) -> bool:
    return (
        _minutes(time.fromisoformat(earliest))
        <= _minutes(t)
        <= _minutes(time.fromisoformat(latest))
    )


def _clock_of(minutes: int) -> str:
    minutes = max(0, min(minutes, 23 * 60 + 59))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_schedule(
    rules: ScheduleRules,
    *,
    morning: time | None,
    evening: time | None,
    asked: Literal["morning", "evening"] = "evening",
) -> ScheduleProblem | None:
    """A problem with the morning and/or evening check-in time, or ``None``.

    Each must lie in its window; with both known, the evening comes at least
    ``min_gap_hours`` after the morning (so "7.30pm" cannot be the morning time beside a
    19:00 evening). ``asked`` is the time being answered: the refusal's example is one for
    that question. Times are shown as HH:MM."""
    if morning is not None and not _within(morning, rules.morning.earliest, rules.morning.latest):
        return ScheduleProblem("refusal.morning_window", {"time": morning.strftime("%H:%M")})
    if evening is not None and not _within(evening, rules.evening.earliest, rules.evening.latest):
        return ScheduleProblem("refusal.evening_window", {"time": evening.strftime("%H:%M")})
    if morning is None or evening is None:
        return None
    gap = round(rules.min_gap_hours * 60)
    if _minutes(evening) - _minutes(morning) >= gap:
        return None
    if asked == "evening":
        example = _clock_of(max(_minutes(morning) + gap, 20 * 60))
    else:
        example = _clock_of(min(_minutes(evening) - gap, 7 * 60 + 30))
    return ScheduleProblem(
        "refusal.order",
        {
            "evening": evening.strftime("%H:%M"),
            "morning": morning.strftime("%H:%M"),
            "gap": f"{rules.min_gap_hours:g}",
            "example": example,
        },
    )
