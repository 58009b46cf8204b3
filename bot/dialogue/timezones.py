"""Resolve what an athlete types as a time zone, with the library's aliases.

The reading itself is pure and lives in :mod:`flows.reading.zones` (tzdata's city and
country tables, aliases and offsets from content/<lang>/readings.yaml); this is the edge's
view of it: a zone name or ``None`` (a country with several zones is ``None`` here; at a
question the reader answers it with a short choice of cities).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flows.library.schema import ReadingsFile
from flows.reading.zones import read_zone, zone_label

__all__ = ["resolve_timezone", "zone_label"]


def resolve_timezone(text: str, readings: ReadingsFile | None = None) -> str | None:
    """The IANA name for ``text``, or ``None`` when it names no zone or city we know."""
    aliases = readings.zone_aliases if readings is not None else {}
    offsets = readings.zone_offsets if readings is not None else {}
    lead = readings.zone_lead if readings is not None else []
    found = read_zone(text, aliases, offsets, lead)
    if not isinstance(found, str):
        return None
    ZoneInfo(found)  # raises if tzdata lacks it, which would be our bug
    return found
