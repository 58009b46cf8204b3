"""What a clinician clearance changes, at once: `apply_clearance`.

A clearance is recorded between check-ins (the athlete's ``/clearance``, or a clinician
recording it for them), and it must act the same day rather than wait for the next
decision. Each kind does what its name says:

- ``full_wb`` (walking without aids): the weight-bearing instruction becomes *full*; an
  athlete in protect whose only unmet exit criterion was the weight-bearing limit moves to
  walk_strength today.
- ``impact``: opens the impact gate. On an impact-gate hold the athlete moves to the next
  phase today; recorded in advance, the gate simply opens when it is reached.
- ``rts``: opens the return-to-sport gate (and the impact gate, which it implies).
- ``resume``: ends a safety hold (red flag, clinician review, RED-S) and restarts at the
  phase the clinician named, never above the held one (default: the phase below it). A
  resume dated before the hold began does not end it.

Pure: profile, state, history and the local date in; the new profile and state, the
events and an outcome code (for the reply) out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from flows.checkin import DayRecord
from flows.engine import Event, restart_phase, unmet_gates
from flows.library.loader import Library
from flows.machine import PHASE_MACHINE
from flows.phases import MAIN_LINE, Phase
from flows.profile import AthleteProfile, Clearance, ClearanceKind, record_clearance
from flows.reasons import EventKind
from flows.state import GATE_HOLDS, HoldReason, RehabState

#: Gate holds each clearance kind opens.
_OPENS: dict[ClearanceKind, frozenset[HoldReason]] = {
    ClearanceKind.IMPACT: frozenset({HoldReason.IMPACT_GATE}),
    ClearanceKind.RETURN_TO_SPORT: frozenset({HoldReason.IMPACT_GATE, HoldReason.RTS_GATE}),
}


class ClearanceOutcome(StrEnum):
    """What recording the clearance did (content: bot.yaml ``clearance.outcome.<code>``)."""

    RELEASED = "released"  # a hold ended; the athlete restarts at `state.phase`
    ADVANCED = "advanced"  # protect left for walk_strength (full weight bearing)
    WEIGHT_BEARING = "weight_bearing"  # weight bearing is full; protect goes on for now
    GATE_OPEN = "gate_open"  # recorded ahead: the gate opens when it is reached
    NOT_ON_HOLD = "not_on_hold"  # a resume while not on a safety hold: recorded only
    BEFORE_HOLD = "before_hold"  # a resume dated before the hold began: hold stays


@dataclass(frozen=True, slots=True)
class ClearanceResult:
    profile: AthleteProfile
    state: RehabState
    outcome: ClearanceOutcome
    events: list[Event] = field(default_factory=list)


def apply_clearance(
    library: Library,
    profile: AthleteProfile,
    state: RehabState,
    clearance: Clearance,
    history: Sequence[DayRecord],
    today: date,
) -> ClearanceResult:
    """Record `clearance` on the profile and apply what it clears to the state today.

    `history` are the recorded days up to today (today's included when answered). The
    state only ever moves as far as the clearance allows; a paused athlete stays paused
    (the clearance is on the profile and acts when they resume).
    """
    updated = record_clearance(profile, clearance)
    kind = clearance.kind
    if state.phase is Phase.PAUSED:
        outcome = (
            ClearanceOutcome.WEIGHT_BEARING
            if kind is ClearanceKind.FULL_WEIGHT_BEARING
            else ClearanceOutcome.GATE_OPEN
        )
        return ClearanceResult(updated, state, outcome)
    if kind is ClearanceKind.FULL_WEIGHT_BEARING:
        return _full_weight_bearing(library, updated, state, history, today)
    if kind is ClearanceKind.RESUME:
        return _resume(updated, state, clearance, today)
    if state.phase is Phase.HOLD and state.hold_reason in _OPENS[kind]:
        held_from = state.held_from or Phase.PROTECT
        target = PHASE_MACHINE.fire(held_from, "advance")
        return _release(updated, state, target, 1, today, advanced=True)
    return ClearanceResult(updated, state, ClearanceOutcome.GATE_OPEN)


def _full_weight_bearing(
    library: Library,
    profile: AthleteProfile,
    state: RehabState,
    history: Sequence[DayRecord],
    today: date,
) -> ClearanceResult:
    if state.phase is not Phase.PROTECT or state.last_advance == today:
        return ClearanceResult(profile, state, ClearanceOutcome.WEIGHT_BEARING)
    if unmet_gates(library, profile, state, history, today):
        return ClearanceResult(profile, state, ClearanceOutcome.WEIGHT_BEARING)
    target = PHASE_MACHINE.fire(Phase.PROTECT, "advance")
    moved = replace(state.enter(target, 1, today), last_advance=today)
    events = [
        Event(EventKind.PHASE_CHANGED, {"from": Phase.PROTECT.value, "to": target.value}),
    ]
    return ClearanceResult(profile, moved, ClearanceOutcome.ADVANCED, events)


def _resume(
    profile: AthleteProfile, state: RehabState, clearance: Clearance, today: date
) -> ClearanceResult:
    if state.phase is not Phase.HOLD or state.hold_reason in GATE_HOLDS:
        return ClearanceResult(profile, state, ClearanceOutcome.NOT_ON_HOLD)
    if state.held_since is not None and clearance.day < state.held_since:
        return ClearanceResult(profile, state, ClearanceOutcome.BEFORE_HOLD)
    held_from = state.held_from or Phase.PROTECT
    target = restart_phase(held_from, clearance.resume_phase)
    stage = state.stage if target is held_from else 1
    return _release(profile, state, target, stage, today, advanced=False)


def _release(
    profile: AthleteProfile,
    state: RehabState,
    target: Phase,
    stage: int,
    today: date,
    *,
    advanced: bool,
) -> ClearanceResult:
    held_from = state.held_from or Phase.PROTECT
    new_phase = PHASE_MACHINE.fire(Phase.HOLD, f"release_to_{target.value}")
    released = state.enter(new_phase, stage, today)
    if advanced:
        released = replace(released, last_advance=today)
    payload: dict[str, Any] = {
        "to": new_phase.value,
        "reason": (state.hold_reason or HoldReason.RED_FLAG).value,
        "stage": stage,
    }
    events = [Event(EventKind.RELEASED, payload)]
    if new_phase is not held_from:
        events.append(
            Event(EventKind.PHASE_CHANGED, {"from": held_from.value, "to": new_phase.value})
        )
    return ClearanceResult(profile, released, ClearanceOutcome.RELEASED, events)


def restart_options(state: RehabState) -> list[Phase]:
    """The phases a resume clearance may restart from (protect up to the held phase),
    the default (the phase below the held one) first."""
    held_from = state.held_from if state.phase is Phase.HOLD else state.active_phase
    cap = MAIN_LINE.index(held_from or Phase.PROTECT)
    allowed = list(MAIN_LINE[: cap + 1])
    default = restart_phase(held_from or Phase.PROTECT, None)
    return [default, *(p for p in allowed if p is not default)]
