"""The phase machine: a `transitions` state machine defined as data, shared by all athletes.

`TRANSITIONS` is the single description of which phase moves are allowed; the engine asks
`PHASE_MACHINE.fire(phase, trigger)` for the destination and never sets a phase any other
way. The machine holds no athlete: athletes' phases are persisted by name (`Phase` values)
and the machine is consulted per decision, so one instance serves everyone. The Mermaid
diagram in docs/phases.md is generated from the same data (`python -m flows.diagram`).
"""

from __future__ import annotations

import itertools
from typing import Any

from transitions import Machine

from flows.phases import MAIN_LINE, Phase


def _transitions() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for here, nxt in itertools.pairwise(MAIN_LINE):
        rows.append({"trigger": "advance", "source": here.value, "dest": nxt.value})
        rows.append({"trigger": "step_back", "source": nxt.value, "dest": here.value})
    for phase in MAIN_LINE:
        rows.append({"trigger": "hold", "source": phase.value, "dest": Phase.HOLD.value})
        rows.append(
            {
                "trigger": f"release_to_{phase.value}",
                "source": Phase.HOLD.value,
                "dest": phase.value,
            }
        )
        rows.append({"trigger": "pause", "source": phase.value, "dest": Phase.PAUSED.value})
        rows.append(
            {
                "trigger": f"resume_to_{phase.value}",
                "source": Phase.PAUSED.value,
                "dest": phase.value,
            }
        )
    # A red flag while paused still holds (safety is never paused); a repeat flag in hold
    # keeps hold.
    rows.append({"trigger": "hold", "source": Phase.PAUSED.value, "dest": Phase.HOLD.value})
    rows.append({"trigger": "hold", "source": Phase.HOLD.value, "dest": Phase.HOLD.value})
    return rows


#: Every allowed phase move: {trigger, source, dest}. Triggers: advance, step_back, hold,
#: release_to_<phase> (a clinician clearance), pause, resume_to_<phase>.
TRANSITIONS: list[dict[str, Any]] = _transitions()


class IllegalMove(ValueError):
    """A trigger that the machine does not allow from the given phase."""


class PhaseMachine:
    """Wraps one `transitions.Machine` (no models attached) built from `TRANSITIONS`."""

    def __init__(self) -> None:
        self._machine = Machine(
            model=None,
            states=[p.value for p in Phase],
            transitions=TRANSITIONS,
            initial=Phase.PROTECT.value,
            auto_transitions=False,
        )
        # Precomputed lookup: the engine's hot path must stay well under 1 ms.
        self._dest: dict[tuple[str, str], Phase] = {}
        for trigger, event in self._machine.events.items():
            for source, transitions in event.transitions.items():
                self._dest[(trigger, source)] = Phase(str(transitions[0].dest))

    def can(self, phase: Phase, trigger: str) -> bool:
        return (trigger, phase.value) in self._dest

    def fire(self, phase: Phase, trigger: str) -> Phase:
        """The phase reached from `phase` by `trigger`; IllegalMove when not allowed."""
        try:
            return self._dest[(trigger, phase.value)]
        except KeyError:
            raise IllegalMove(f"{trigger!r} is not allowed from {phase.value!r}") from None

    def edges(self) -> list[tuple[str, str, str]]:
        """(source, trigger, dest) for every transition, in definition order."""
        return [(t["source"], t["trigger"], t["dest"]) for t in TRANSITIONS]


PHASE_MACHINE = PhaseMachine()
