"""How many days ago: "5", "5 days ago", "3 weeks ago", "2 weeks", "1 day", "yesterday",
"last Monday", "2 November" (a date: counted back from ``today``).

Dates and relative phrases are read by dateparser (languages from the reader's locale,
``RELATIVE_BASE`` = ``today``, dates from the past preferred); a bare amount is a count of
days. ``today`` is always an argument: nothing here reads the clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

import dateparser

from flows.reading.numbers import Words, amount

_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "fortnight": 14}
_AGO = re.compile(r"^(?:about |around |roughly |nearly |almost )?(.+?)\s*(?:ago|back|before)?$")


def days_ago(
    text: str, words: Words, today: date | None, *, languages: tuple[str, ...] = ("en",)
) -> int | None:
    """Whole days between the day ``text`` names and ``today`` (0 = today), rounded to the
    nearest day; ``None`` when ``text`` names no day or a day after ``today``."""
    bare = amount(text, words)
    if bare is not None:
        return round(bare) if bare >= 0 else None
    unit_count = _unit_count(text, words)
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


def _unit_count(text: str, words: Words) -> int | None:
    """ "3 weeks ago", "2 weeks", "a week", "10 days back", "1.5 weeks" without dateparser
    (it has no reading for fractions of a week, and this keeps the common case exact)."""
    match = _AGO.match(text)
    if not match:
        return None
    body = match.group(1).strip()
    parts = body.rsplit(" ", 1)
    if len(parts) == 2 and parts[1] in _UNITS:
        head = {"a": "1", "an": "1", "one": "1"}.get(parts[0], parts[0])
        count = amount(head, words)
        if count is not None and count >= 0:
            return round(count * _UNITS[parts[1]])
    if body in _UNITS:
        return _UNITS[body]
    return None
