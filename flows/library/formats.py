"""Dates and times written the reader's way (Babel, CLDR patterns per language).

``strftime("%a %d %b")`` writes English names whatever the language; these use the content
language's own month and weekday names and order ("Sun 1 Mar" in English, "So., 1. März"
in German). Pure: the instant to write is always an argument.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime

from flows.library.plurals import locale_of


def day(language: str, value: date) -> str:
    """A calendar day, short: "1 Mar 2026" (en), "01.03.2026" (de)."""
    return str(format_date(value, format="medium", locale=locale_of(language)))


def weekday_time(language: str, value: datetime) -> str:
    """A local instant within the coming week: "Tue 07:30" (24-hour clock)."""
    return str(format_datetime(value, "EEE HH:mm", tzinfo=value.tzinfo, locale=locale_of(language)))
