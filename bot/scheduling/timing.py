"""Local wall times to UTC instants, DST-safe. Pure functions: no clock, no database.

Rules (see ``docs/scheduling.md``):

* a local time that does not exist (spring forward, e.g. 02:30 in New York on the March change)
  is moved forward by the length of the gap (-> 03:30), as most calendars do;
* a local time that happens twice (fall back, e.g. 01:30 in New York in November) takes the
  first occurrence (the earlier instant, still on summer time);
* everything is computed from the IANA zone name stored on the athlete, so travelling
  (``/timezone``) only needs :func:`rebase`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import ensure_utc
from bot.config import ScheduleSettings
from bot.storage.models import Athlete, Slot

__all__ = [
    "load_zone",
    "local_date_of",
    "next_due",
    "next_slot_due",
    "next_weekly_due",
    "rebase",
    "resolve_local",
]


@lru_cache(maxsize=1024)
def load_zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name; ``ValueError`` for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r}") from exc


def resolve_local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``at`` on ``day`` in ``zone`` (gap: forward; overlap: first).

    PEP 495 semantics give exactly these rules with ``fold=0``: an ambiguous time maps to its
    first occurrence, and a time in a gap is read with the offset from before the transition,
    which lands the gap's length later on the wall clock.
    """
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    return local.astimezone(UTC)


def local_date_of(instant: datetime, zone: ZoneInfo) -> date:
    """The local calendar date of ``instant`` in ``zone``."""
    return ensure_utc(instant).astimezone(zone).date()


def next_due(at: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The first instant strictly after ``after`` whose resolved local time is ``at`` (daily)."""
    after = ensure_utc(after)
    start = local_date_of(after, zone) - timedelta(days=1)
    for offset in range(4):
        candidate = resolve_local(start + timedelta(days=offset), at, zone)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: some day within 3 days has the time")  # pragma: no cover


def next_weekly_due(at: time, weekday: int, zone: ZoneInfo, after: datetime) -> datetime:
    """Like :func:`next_due`, on local ``weekday`` only (Monday = 0)."""
    after = ensure_utc(after)
    start = local_date_of(after, zone) - timedelta(days=1)
    for offset in range(9):
        day = start + timedelta(days=offset)
        if day.weekday() == weekday:
            candidate = resolve_local(day, at, zone)
            if candidate > after:
                return candidate
    raise AssertionError("unreachable: a week has every weekday")  # pragma: no cover


def next_slot_due(
    athlete: Athlete, slot: Slot, schedule: ScheduleSettings, after: datetime
) -> datetime:
    """The next due instant of ``slot`` for ``athlete`` strictly after ``after``."""
    zone = load_zone(athlete.time_zone)
    if slot is Slot.MORNING:
        return next_due(athlete.morning_time, zone, after)
    if slot is Slot.EVENING:
        return next_due(athlete.evening_time, zone, after)
    return next_weekly_due(
        schedule.weekly_readiness_time, schedule.weekly_readiness_weekday, zone, after
    )


def rebase(athlete: Athlete, now: datetime, schedule: ScheduleSettings) -> None:
    """Recompute every next-due column of ``athlete`` from ``now`` (not from the old values).

    Call it when onboarding completes, after ``/timezone`` or a change of check-in times, and on
    resume or reactivation; then persist with ``bot.storage.save_athlete``. Nothing between the
    old and the new schedule is replayed, and the unique (athlete, local date, slot) key keeps a
    slot that already went out today from going out again in the new zone.
    """
    for slot in Slot:
        athlete.set_next_due(slot, next_slot_due(athlete, slot, schedule, now))
    athlete.refresh_next_due()
