"""Resolve what an athlete types as a time zone: an IANA name or a city.

``Europe/Berlin``, ``europe/berlin``, ``Berlin``, ``new york``, ``Sao Paulo``, ``UTC`` all
resolve; a few common cities that are not zone names map through :data:`ALIASES`.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

ALIASES: dict[str, str] = {
    "utc": "UTC",
    "gmt": "Europe/London",
    "uk": "Europe/London",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "geneva": "Europe/Zurich",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "montreal": "America/Toronto",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "houston": "America/Chicago",
    "dallas": "America/Chicago",
    "boulder": "America/Denver",
    "beijing": "Asia/Shanghai",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "cape town": "Africa/Johannesburg",
    "wellington": "Pacific/Auckland",
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(ascii_text.replace("_", " ").replace("-", " ").lower().split())


@cache
def _index() -> dict[str, str]:
    names = sorted(n for n in available_timezones() if "/" in n or n == "UTC")
    index: dict[str, str] = {}
    for name in names:
        if name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        index.setdefault(_fold(name), name)
        index.setdefault(_fold(name.rsplit("/", 1)[-1]), name)
    return index


def resolve_timezone(text: str) -> str | None:
    """The IANA name for ``text``, or ``None`` when it names no zone or city we know."""
    folded = _fold(text.strip())
    if not folded or len(folded) > 64:
        return None
    name = ALIASES.get(folded) or _index().get(folded)
    if name is None:
        return None
    ZoneInfo(name)  # raises if tzdata lacks it, which would be our bug
    return name
