"""Deterministic variety: the same athlete on the same day always gets the same choice
(tests and the simulator can reproduce a day), different days and athletes differ.

Python's `hash` is salted per process, so choices use CRC-32 of stable text instead.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from flows.profile import AthleteProfile

T = TypeVar("T")


def athlete_seed(profile: AthleteProfile) -> int:
    """A stable number per athlete, from what the engine knows of them (not Python's salted
    `hash`): the same athlete gets the same rotation in every process."""
    key = f"{profile.site.value}|{profile.diagnosis_date.isoformat()}|{profile.sport or ''}"
    return zlib.crc32(key.encode())


def mix(seed: int, text: str) -> int:
    """A stable pseudo-random number for (seed, text)."""
    return zlib.crc32(f"{seed}:{text}".encode())


def pick(options: Sequence[T], seed: int, today: date) -> T:
    """One of `options` for (seed, today), never the same as the day before when there are
    two or more: consecutive days step through the list in the athlete's order."""
    if not options:
        raise ValueError("nothing to pick from")
    return options[(seed + today.toordinal()) % len(options)]
