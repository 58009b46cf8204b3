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


def pick(options: Sequence[T], seed: int, today: date, turn: int = 0) -> T:
    """One of `options` for (seed, today), never the same as the day before when there are
    two or more: consecutive days step through the list in the athlete's order.

    `turn` counts the same kind of message sent earlier that day (an evening summary after
    the morning's decision is turn 1). Turn 1 is never turn 0's pick, and with three options
    or more never the next day's first either, so no two in a row read the same."""
    if not options:
        raise ValueError("nothing to pick from")
    offset = 0 if turn == 0 else turn + 1 if len(options) > 2 else turn
    return options[(seed + today.toordinal() + offset) % len(options)]
