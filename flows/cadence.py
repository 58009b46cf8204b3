"""Check-in cadence: which check-ins are due for an athlete, and when the programme is done.

* Every phase but maintenance: morning, evening and the weekly readiness check-in.
* Maintenance (normal training, stable): one short daily check-in (the morning one, which
  carries the next-morning bone signal and the day's plan) and the weekly one.
* After `cadence.graduation_days` active days in maintenance the programme is done: the
  athlete is congratulated once and chooses a light weekly check (`Choice.WEEKLY`: the
  short morning check-in, once a week on the weekly day; the readiness ratings are no
  longer needed) or none (`Choice.OFF`). Leaving maintenance (a step back, a hold) brings
  the full cadence back whatever was chosen: safety first.

Pure; slots are named as the bot's `Slot` values ("morning", "evening", "weekly").
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from flows.library.schema import CadenceRules
from flows.phases import Phase
from flows.state import RehabState

MORNING, EVENING, WEEKLY = "morning", "evening", "weekly"
ALL_SLOTS = frozenset({MORNING, EVENING, WEEKLY})


class Choice(StrEnum):
    """The athlete's choice after graduation (persisted by value)."""

    WEEKLY = "weekly"  # a light weekly check
    OFF = "off"  # no scheduled check-ins (/checkin still works)


def due_slots(
    phase: Phase | str | None, choice: Choice | str | None, *, weekly_day: bool
) -> frozenset[str]:
    """The check-in slots to create on a day for an athlete in `phase` who made `choice`
    (None: not graduated, or not chosen yet); `weekly_day`: the day is their weekly day."""
    current = Phase(phase) if phase else None
    if current is Phase.HOLD or current is None:
        return ALL_SLOTS
    if current is Phase.MAINTENANCE and choice:
        light = Choice(choice) is Choice.WEEKLY and weekly_day
        return frozenset({MORNING}) if light else frozenset()
    if current is Phase.MAINTENANCE:
        return frozenset({MORNING, WEEKLY})
    return ALL_SLOTS


def graduation_due(rules: CadenceRules, state: RehabState, today: date) -> bool:
    """Whether the programme is done: maintenance for `graduation_days` active days."""
    return (
        state.phase is Phase.MAINTENANCE and state.active_days(today) >= rules.graduation_days.value
    )
