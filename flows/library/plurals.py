"""Plural forms and numbers in the reader's language, through Babel (CLDR rules).

A message names, per count parameter, one phrase per CLDR plural category of its language
(``one``/``other`` in English; ``one``/``few``/``many``/``other`` in Polish...)::

    reason.min_dwell:
      text: "You have {days_left} at this phase at the minimum."
      params: [days_left]
      plurals:
        days_left: {one: "{days_left} more day", other: "{days_left} more days"}

:func:`fill` replaces each such parameter by its phrase for the value (the number written
the locale's way), so "1 day" and "21 more days" read right and "day(s)" is never needed.
Adding a language is adding files: its rules come from CLDR, its phrases from content.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal

#: CLDR plural categories; every phrase table needs ``other``.
CATEGORIES = ("zero", "one", "two", "few", "many", "other")


@cache
def locale_of(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def categories(language: str) -> frozenset[str]:
    """The plural categories ``language`` distinguishes (always including ``other``)."""
    return frozenset(locale_of(language).plural_form.tags) | {"other"}


def category(language: str, count: float) -> str:
    """The CLDR plural category of ``count`` in ``language`` ("one", "few", "other"...)."""
    return str(locale_of(language).plural_form(count))


def number(language: str, value: float) -> str:
    """``value`` written the locale's way (decimal separator, grouping)."""
    return str(format_decimal(value, locale=locale_of(language)))


def _as_count(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def fill(
    plurals: Mapping[str, Mapping[Any, str]],
    params: Mapping[str, object],
    language: str,
    escape: Callable[[str], str] = str,
) -> dict[str, object]:
    """``params`` with every count parameter named in ``plurals`` replaced by its phrase.

    The phrase is chosen by the count's plural category (``other`` when the language's
    category is missing or the value is no number) and formatted with the number written
    for the locale, passed through ``escape`` (the bot escapes HTML; the engine's values
    are its own numbers). Other parameters are returned unchanged."""
    out = dict(params)
    for name, forms in plurals.items():
        if name not in params:
            continue
        value = params[name]
        count = _as_count(value)
        if count is None:
            written = escape(str(value))
            form = forms["other"]
        else:
            written = escape(number(language, count))
            form = forms.get(category(language, count)) or forms["other"]
        out[name] = form.format(**{name: written})
    return out
