"""The names of the rehab phases.

`Phase` values are persisted by the bot (by name, never pickled) and used in content files,
so a value must never be renamed. The order of `MAIN_LINE` is the order of progression.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    """A phase of the return-to-sport protocol (FACTS §2.4), or one of the two side states."""

    PROTECT = "protect"
    WALK_STRENGTH = "walk_strength"
    IMPACT_PREP = "impact_prep"
    WALK_RUN = "walk_run"
    RUN_BUILD = "run_build"
    RETURN_TO_SPORT = "return_to_sport"
    MAINTENANCE = "maintenance"
    HOLD = "hold"
    PAUSED = "paused"


#: The main line, in order of progression.
MAIN_LINE: tuple[Phase, ...] = (
    Phase.PROTECT,
    Phase.WALK_STRENGTH,
    Phase.IMPACT_PREP,
    Phase.WALK_RUN,
    Phase.RUN_BUILD,
    Phase.RETURN_TO_SPORT,
    Phase.MAINTENANCE,
)

#: Phases that load the bone with impact (hops, running, sport). High-risk or trabecular
#: sites and fracture-line grades need a recorded clinician clearance before any of them.
IMPACT_PHASES: frozenset[Phase] = frozenset(
    {
        Phase.IMPACT_PREP,
        Phase.WALK_RUN,
        Phase.RUN_BUILD,
        Phase.RETURN_TO_SPORT,
        Phase.MAINTENANCE,
    }
)


def main_index(phase: Phase) -> int:
    """Position of `phase` on the main line (0 = protect); ValueError for hold/paused."""
    return MAIN_LINE.index(phase)


def parse_phase(value: str) -> Phase:
    """The `Phase` named `value` (its persisted name); ValueError naming the valid names."""
    try:
        return Phase(value)
    except ValueError:
        names = ", ".join(p.value for p in Phase)
        raise ValueError(f"unknown phase {value!r}; expected one of: {names}") from None
