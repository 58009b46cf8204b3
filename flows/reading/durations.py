"""How many days ago: "5", "5 days ago", "3 weeks ago", "2 weeks", "1 day", "yesterday",
"last Monday", "2 November" (a date: counted back from ``today``).

Dates and relative phrases are read by dateparser (languages from the reader's locale,
``RELATIVE_BASE`` = ``today``, dates from the past preferred); a bare amount is a count of
days. ``today`` is always an argument: nothing here reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time

import dateparser

from flows.reading.numbers import Words, amount, strip_approx
from flows.reading.text import strip_words


def days_ago(
    text: str,
    words: Words,
    today: date | None,
    *,
    units: Mapping[str, int],
    ago: list[str],
    languages: tuple[str, ...] = ("en",),
) -> int | None:
    """Whole days between the day ``text`` names and ``today`` (0 = today), rounded to the
    nearest day; ``None`` when ``text`` names no day or a day after ``today``."""
    bare = amount(text, words)
    if bare is not None:
        return round(bare) if bare >= 0 else None
    unit_count = _unit_count(text, words, units, ago)
    if unit_count is not None:
        return unit_count
    if today is None:
        return None
    base = datetime.combine(today, time(12))
    parsed = dateparser.parse(
        text,
        languages=list(languages),
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "STRICT_PARSING": False,
        },
    )
    if parsed is None:
        return None
    days = (today - parsed.date()).days
    return days if days >= 0 else None


def _unit_count(text: str, words: Words, units: Mapping[str, int], ago: list[str]) -> int | None:
    """ "3 weeks ago", "2 weeks", "a week", "10 days back", "1.5 weeks" without dateparser
    (it has no reading for fractions of a week, and this keeps the common case exact)."""
    body = strip_approx(strip_words(text, ago, prefix=False), words)
    if body in units:
        return units[body]
    match = re.fullmatch(r"(.+?)\s*([a-z]+)", body)
    if match is None or match.group(2) not in units:
        return None
    head = match.group(1).strip()
    count = 1.0 if head in ("a", "an") else amount(head, words)
    if count is None or count < 0:
        return None
    return round(count * units[match.group(2)])
