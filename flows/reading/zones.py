"""Time zones from what people type: an IANA name ("Europe/Lisbon"), any zone's city
("Lisbon", "sao paulo"), a country from tzdata's tables ("Portugal"; one with several
zones is answered with a short choice of its cities), an alias from readings.yaml
("NYC", "Lisboa", "CET") or an offset ("UTC+1", "GMT-5", "+05:30").

The tables are tzdata's own (``zone1970.tab``, ``zone.tab``, ``iso3166.tab`` from the
``tzdata`` package, else ``/usr/share/zoneinfo``), read once: static reference data, no
clock. Fixed offsets map to ``Etc/GMT∓N`` (tzdata's inverted sign); :func:`zone_label`
turns those back into "UTC+1" for people.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from flows.reading.text import fold, strip_words

_SYSTEM = Path("/usr/share/zoneinfo")
_OFFSET = re.compile(r"(?:utc|gmt|z)?\s*([+-])\s*(\d{1,2})(?:\s*[:.h]?\s*(\d{2}))?", re.ASCII)
_ETC = re.compile(r"Etc/GMT([+-])(\d{1,2})", re.ASCII)
#: Countries named by their code in iso3166.tab with a shorter everyday name.
_PAREN = re.compile(r"\s*\(.*?\)")


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """A name that fits several zones (a country with more than one): ask which."""

    name: str
    cities: tuple[str, ...]


def _table(name: str) -> list[list[str]]:
    text: str | None = None
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        path = _SYSTEM / name
        text = path.read_text(encoding="utf-8") if path.is_file() else None
    if text is None:
        return []
    return [
        line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]


def city_of(zone: str) -> str:
    """ "America/Sao_Paulo" -> "Sao Paulo"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@dataclass(frozen=True, slots=True)
class _Index:
    names: dict[str, str]  # folded name or city -> zone
    countries: dict[str, tuple[str, ...]]  # folded country name -> its zones


@cache
def _index() -> _Index:
    zones = available_timezones()
    names: dict[str, str] = {}
    # Canonical zones first (zone1970.tab), so a city shared by a link resolves to the
    # zone tzdata keeps for it.
    canonical = [row[2] for row in _table("zone1970.tab") if len(row) >= 3]
    others = sorted(z for z in zones if "/" in z)
    for zone in [*canonical, *others]:
        if zone not in zones or zone.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        names.setdefault(fold(zone), zone)
        names.setdefault(fold(city_of(zone)), zone)
    names.setdefault("utc", "UTC")
    by_code: dict[str, list[str]] = {}
    for row in _table("zone.tab"):
        if len(row) >= 3 and row[2] in zones:
            by_code.setdefault(row[0], []).append(row[2])
    countries: dict[str, tuple[str, ...]] = {}
    for row in _table("iso3166.tab"):
        if len(row) < 2 or row[0] not in by_code:
            continue
        country = row[1]
        keys = {fold(_PAREN.sub("", country)), fold(country)}
        keys |= {fold(inner) for inner in re.findall(r"\((.*?)\)", country)}
        for key in keys:
            if key and key not in names:
                countries.setdefault(key, tuple(by_code[row[0]]))
    return _Index(names, countries)


def _offset_zone(text: str, offsets: Mapping[str, str]) -> str | None:
    match = _OFFSET.fullmatch(text)
    if not match:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if minutes:
        return offsets.get(f"{sign}{hours:02d}:{minutes:02d}")
    if hours == 0:
        return "UTC"
    if hours > (14 if sign == "+" else 12):
        return None
    # tzdata's Etc zones invert the sign (POSIX): UTC+1 is Etc/GMT-1.
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


def read_zone(
    text: str,
    aliases: Mapping[str, str],
    offsets: Mapping[str, str],
    lead: Sequence[str] = (),
) -> str | ZoneChoice | None:
    """The IANA zone ``text`` names, a :class:`ZoneChoice` when it names a country with
    several zones, or ``None``."""
    raw = text.strip().lower()
    if not raw or len(raw) > 64:
        return None
    offset = _offset_zone(raw.replace(" ", ""), offsets)
    if offset is not None:
        return offset
    folded = fold(raw)
    folded = strip_words(folded, [fold(word) for word in lead], prefix=True)
    index = _index()
    zone = aliases.get(folded) or index.names.get(folded)
    if zone is None and "," in folded:
        # "Lisbon, Portugal": the city before the comma.
        head = folded.split(",", 1)[0].strip()
        zone = aliases.get(head) or index.names.get(head)
    if zone is not None:
        return zone
    zones = index.countries.get(folded)
    if zones is None:
        return None
    distinct = _distinct_clocks(zones)
    if len(distinct) == 1:
        return distinct[0]
    return ZoneChoice(text.strip(), tuple(city_of(z) for z in distinct[:4]))


#: Two fixed instants (winter and summer) that tell zones' clocks apart; not "now".
_PROBES = (datetime(2025, 1, 15, 12, tzinfo=UTC), datetime(2025, 7, 15, 12, tzinfo=UTC))


def _distinct_clocks(zones: tuple[str, ...]) -> list[str]:
    """The first zone (tzdata's order) of each distinct pair of winter/summer offsets:
    Germany's Berlin and Busingen keep one clock; the United States' zones keep several."""
    seen: dict[tuple[object, ...], str] = {}
    for zone in zones:
        info = ZoneInfo(zone)
        key = tuple(probe.astimezone(info).utcoffset() for probe in _PROBES)
        seen.setdefault(key, zone)
    return list(seen.values())


def zone_label(zone: str) -> str:
    """How a zone reads to people: "Etc/GMT-1" -> "UTC+1"; IANA names as they are."""
    match = _ETC.fullmatch(zone)
    if match:
        return f"UTC{'-' if match.group(1) == '+' else '+'}{match.group(2)}"
    return zone
