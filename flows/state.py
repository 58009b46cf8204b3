"""Per-athlete rehab state: where the athlete is in the protocol. Persisted by name.

`RehabState` is immutable and JSON-safe through `to_dict`/`from_dict` (dates as ISO
strings, phases by name). The engine returns a new state with every decision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from flows.phases import Phase


class HoldReason(StrEnum):
    RED_FLAG = "red_flag"  # released by a RESUME clearance dated on/after the hold
    REVIEW = "review"  # second step back within the window; released like a red flag
    REDS = "reds"  # RED-S/Triad score in the restricted band; released like a red flag
    IMPACT_GATE = "impact_gate"  # needs an IMPACT (or RTS) clearance to enter impact_prep
    RTS_GATE = "rts_gate"  # needs an RTS clearance to enter return_to_sport


#: Holds that only wait for a clinician's clearance to pass a gate; they are not about
#: symptoms, so the athlete's current tolerated session goes on while they wait.
GATE_HOLDS = frozenset({HoldReason.IMPACT_GATE, HoldReason.RTS_GATE})


@dataclass(frozen=True, slots=True)
class RehabState:
    """Where the athlete stands.

    `phase_entered` is the day the current main-line phase began (for protect: the
    diagnosis day); `paused_days` counts paused days inside the current phase, which do not
    count towards its dwell. While on hold or paused, `phase` is HOLD/PAUSED and
    `held_from`/`paused_from` keep the phase the athlete was in; `stage` keeps its stage.
    """

    phase: Phase
    stage: int
    phase_entered: date
    stage_entered: date
    paused_days: int = 0
    paused_since: date | None = None
    paused_from: Phase | None = None
    hold_reason: HoldReason | None = None
    held_since: date | None = None
    held_from: Phase | None = None
    step_backs: tuple[date, ...] = ()  # recent step-back days (kept for the review rule)
    last_advance: date | None = None  # at most one advance per local day
    welcomed_back: date | None = None  # the return day already welcomed (rules/silence.py)
    #: The red flags behind a red-flag hold (some forbid even protect's gentle work).
    hold_flags: tuple[str, ...] = ()
    #: A caution day eases the session up to and including this day (flows.plan).
    eased_until: date | None = None
    #: The last day a hold's summary was given (one a day; later check-ins stay short).
    hold_noted: date | None = None

    @property
    def active_phase(self) -> Phase:
        """The main-line phase the athlete belongs to (the one held or paused from)."""
        if self.phase is Phase.HOLD and self.held_from is not None:
            return self.held_from
        if self.phase is Phase.PAUSED and self.paused_from is not None:
            return self.paused_from
        return self.phase

    def active_days(self, today: date) -> int:
        """Days in the current phase that count towards its dwell (paused days excluded)."""
        days = (today - self.phase_entered).days - self.paused_days
        if self.paused_since is not None:
            days -= (today - self.paused_since).days
        return max(days, 0)

    def enter(self, phase: Phase, stage: int, today: date) -> RehabState:
        """This state moved into `phase` at `stage` today (clears hold and pause)."""
        return replace(
            self,
            phase=phase,
            stage=stage,
            phase_entered=today,
            stage_entered=today,
            paused_days=0,
            paused_since=None,
            paused_from=None,
            hold_reason=None,
            held_since=None,
            held_from=None,
            hold_flags=(),
            hold_noted=None,
        )

    def to_dict(self) -> dict[str, Any]:
        def d(value: date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "phase": self.phase.value,
            "stage": self.stage,
            "phase_entered": self.phase_entered.isoformat(),
            "stage_entered": self.stage_entered.isoformat(),
            "paused_days": self.paused_days,
            "paused_since": d(self.paused_since),
            "paused_from": self.paused_from.value if self.paused_from else None,
            "hold_reason": self.hold_reason.value if self.hold_reason else None,
            "held_since": d(self.held_since),
            "held_from": self.held_from.value if self.held_from else None,
            "step_backs": [s.isoformat() for s in self.step_backs],
            "last_advance": d(self.last_advance),
            "welcomed_back": d(self.welcomed_back),
            "hold_flags": list(self.hold_flags),
            "eased_until": d(self.eased_until),
            "hold_noted": d(self.hold_noted),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RehabState:
        def d(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        def p(value: str | None) -> Phase | None:
            return Phase(value) if value else None

        return cls(
            phase=Phase(data["phase"]),
            stage=int(data["stage"]),
            phase_entered=date.fromisoformat(data["phase_entered"]),
            stage_entered=date.fromisoformat(data["stage_entered"]),
            paused_days=int(data.get("paused_days", 0)),
            paused_since=d(data.get("paused_since")),
            paused_from=p(data.get("paused_from")),
            hold_reason=HoldReason(data["hold_reason"]) if data.get("hold_reason") else None,
            held_since=d(data.get("held_since")),
            held_from=p(data.get("held_from")),
            step_backs=tuple(date.fromisoformat(s) for s in data.get("step_backs", [])),
            last_advance=d(data.get("last_advance")),
            welcomed_back=d(data.get("welcomed_back")),
            hold_flags=tuple(str(f) for f in data.get("hold_flags") or ()),
            eased_until=d(data.get("eased_until")),
            hold_noted=d(data.get("hold_noted")),
        )
