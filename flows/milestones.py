"""The athlete's two milestones: "running restarts" and "full return".

- Running restarts: the first walk-run session (entering `walk_run`).
- Full return: entering `return_to_sport` (sport-specific training restarts).

For each, `milestones(...)` gives the published window for the athlete's site class and
grade (flows.calibration, content/protocol.yaml `calibration:`) and the engine's own
projection: the real engine run forward from the athlete's real state and history, one
clean day at a time (no symptoms, every session done, self-tests passed, readiness above
the pass mark). Clinician clearances are assumed to come when the engine first asks for
them, and a safety hold is assumed to end today at the default restart phase, so the
projection is the earliest date a clean run could reach, never a promise; the texts say so.

Pure and deterministic, like the simulator: same arguments, same milestones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flows.calibration import cell_of
from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.engine import decide, initial_state, restart_phase, resume
from flows.injury import Grade, Site
from flows.library.loader import Library
from flows.library.schema import CalibrationRange, SiteClass, Window
from flows.machine import PHASE_MACHINE
from flows.phases import MAIN_LINE, Phase
from flows.plan import plan_for_day
from flows.profile import (
    AthleteProfile,
    Clearance,
    ClearanceKind,
    WeightBearing,
    record_clearance,
)
from flows.state import GATE_HOLDS, RehabState

#: How far ahead a projection looks (days). A clean run reaches full return well inside it
#: for every cell of the calibration grid (docs/protocol-calibration.md).
HORIZON_DAYS = 300

#: The day a symptom-free athlete who does every session reports.
CLEAN_DAY = DailyCheckIn(
    pain_rest=0,
    pain_walking=0,
    night_pain=False,
    next_morning_pain=0,
    tender=False,
    session=SessionResult.DONE,
    pain_during=0,
    pain_after=0,
    sleep_hours=8,
    sleep_quality=7,
    fear=3,
    walk_30min_pain_free=True,
    heel_raises=28,
    hop_test_pain_free=True,
    readiness=52,
)
_SESSION_FIELDS = ("session", "pain_during", "pain_after")

LIMITED_WEIGHT = frozenset({WeightBearing.NONE, WeightBearing.PARTIAL})

RUN_PHASE = Phase.WALK_RUN
RETURN_PHASE = Phase.RETURN_TO_SPORT


@dataclass(frozen=True, slots=True)
class Projection:
    """When a clean run from `start` enters each milestone phase (None: not within the
    horizon). Days already past count as reached on the day they are projected from."""

    start: date
    run_restart: date | None
    full_return: date | None


@dataclass(frozen=True, slots=True)
class Milestone:
    """One milestone: its published window (days from diagnosis, with the dates they fall
    on), whether it is reached, and the projected date of a clean run from today."""

    phase: Phase
    window: Window
    window_from: date
    window_to: date
    reached: bool
    projected: date | None


@dataclass(frozen=True, slots=True)
class Milestones:
    run_restart: Milestone
    full_return: Milestone
    #: Whether the projection assumed a clearance not yet recorded (a gate or a hold).
    assumes_clearance: bool
    #: Whether the athlete is on a safety hold (the projection counts from a release today).
    on_hold: bool
    #: Whether the projection assumed walking without aids (the clinician still limits it).
    assumes_full_weight: bool = False


def _passed(state: RehabState, phase: Phase) -> bool:
    return MAIN_LINE.index(state.active_phase) >= MAIN_LINE.index(phase)


def project(
    library: Library,
    profile: AthleteProfile,
    state: RehabState,
    history: Sequence[DayRecord],
    today: date,
    horizon: int = HORIZON_DAYS,
) -> Projection:
    """Run the engine forward from `state` on clean days starting `today` (today's check-in
    not yet decided) and note the first day in `walk_run` and in `return_to_sport`.

    Assumptions (see the module docstring): impact and return-to-sport clearances are
    given when asked; a safety hold ends today at the default restart phase; a pause ends
    today.
    """
    state = _released(state, today)
    profile = assume_cleared(profile, today)
    run = today if _passed(state, RUN_PHASE) else None
    full = today if _passed(state, RETURN_PHASE) else None
    days = sorted((r for r in history if r.day < today), key=lambda r: r.day)[-60:]
    for n in range(horizon):
        if run is not None and full is not None:
            break
        day = today + timedelta(days=n)
        plan = plan_for_day(library, profile, state, day, days)
        checkin = CLEAN_DAY
        if plan.session is None or plan.is_rest_day:
            checkin = replace(checkin, **{f: None for f in _SESSION_FIELDS})
        decision = decide(library, profile, state, checkin, days, day)
        state = decision.new_state
        days = [*days[-59:], DayRecord(day, checkin)]
        # A milestone is the day the engine moves the athlete into its phase (as the
        # simulator's `phase_entered`); the first session there is the next day.
        if run is None and state.phase is not Phase.HOLD and _passed(state, RUN_PHASE):
            run = day
        if full is None and state.phase is not Phase.HOLD and _passed(state, RETURN_PHASE):
            full = day
    return Projection(start=today, run_restart=run, full_return=full)


def assume_cleared(profile: AthleteProfile, today: date) -> AthleteProfile:
    """The profile with the impact and return-to-sport gates open from `today`, and full
    weight bearing, as if the clinician cleared them when asked (protect's own dwell still
    applies, so a lifted weight limit does not shorten it)."""
    if profile.weight_bearing in LIMITED_WEIGHT:
        profile = replace(profile, weight_bearing=WeightBearing.FULL)
    if not profile.needs_impact_clearance or profile.has_clearance({ClearanceKind.RETURN_TO_SPORT}):
        return profile
    return record_clearance(profile, Clearance(day=today, kind=ClearanceKind.RETURN_TO_SPORT))


def _released(state: RehabState, today: date) -> RehabState:
    """The state a projection starts from: a pause or a safety hold ended today."""
    if state.phase is Phase.PAUSED and state.paused_from is not None:
        return resume(state, today)
    if state.phase is Phase.HOLD and state.hold_reason not in GATE_HOLDS:
        held_from = state.held_from or Phase.PROTECT
        target = restart_phase(held_from, None)
        PHASE_MACHINE.fire(Phase.HOLD, f"release_to_{target.value}")
        stage = state.stage if target is held_from else 1
        return state.enter(target, stage, today)
    return state


def milestones(
    library: Library,
    profile: AthleteProfile,
    state: RehabState,
    history: Sequence[DayRecord],
    today: date,
) -> Milestones:
    """Both milestones for the athlete today (see the module docstring)."""
    cell = cell_of(library.protocol, profile)
    proj = project(library, profile, state, history, today)
    dx = profile.diagnosis_date

    def one(phase: Phase, window: Window, projected: date | None) -> Milestone:
        reached = _passed(state, phase)
        return Milestone(
            phase=phase,
            window=window,
            window_from=dx + timedelta(days=window.min_days),
            window_to=dx + timedelta(days=window.max_days),
            reached=reached,
            projected=None if reached else projected,
        )

    on_hold = state.phase is Phase.HOLD and state.hold_reason not in GATE_HOLDS
    gated = profile.needs_impact_clearance and not profile.has_clearance(
        {ClearanceKind.RETURN_TO_SPORT}
    )
    return Milestones(
        run_restart=one(RUN_PHASE, cell.run_restart, proj.run_restart),
        full_return=one(RETURN_PHASE, cell.full_return, proj.full_return),
        assumes_clearance=gated or state.phase is Phase.HOLD,
        on_hold=on_hold,
        assumes_full_weight=profile.weight_bearing in LIMITED_WEIGHT
        and not _passed(state, Phase.WALK_STRENGTH),
    )


def moved_by(
    library: Library,
    profile: AthleteProfile,
    before: RehabState,
    after: RehabState,
    history: Sequence[DayRecord],
    today: date,
) -> tuple[Milestones, Milestones]:
    """The milestones before and after today's decision moved `before` to `after`:
    before projects from today (its check-in not yet decided) on the earlier days, after
    from tomorrow with today's record in `history`."""
    earlier = [r for r in history if r.day < today]
    return (
        milestones(library, profile, before, earlier, today),
        milestones(library, profile, after, history, today + timedelta(days=1)),
    )


#: One representative site per site class for the calibration grid: every site of a class
#: shares its dwell extras and gates, so one stands for all (docs/protocol-calibration.md).
GRID_SITES: dict[SiteClass, Site] = {
    SiteClass.LOW: Site.POSTEROMEDIAL_TIBIA,
    SiteClass.TRABECULAR: Site.CALCANEUS,
    SiteClass.HIGH: Site.NAVICULAR,
    SiteClass.HIGH_TRABECULAR: Site.FEMORAL_NECK,
}
#: The grades of the grid, one per severity bucket (KM I/II/III share MRI 1/2/4's bucket).
GRID_GRADES: tuple[Grade, ...] = (Grade.MRI1, Grade.MRI2, Grade.MRI3, Grade.MRI4, Grade.UNKNOWN)
GRID_DIAGNOSIS = date(2025, 1, 6)


@dataclass(frozen=True, slots=True)
class GridCell:
    """A clean run of one site class x grade from the day of diagnosis, in days."""

    site_class: SiteClass
    grade: Grade
    run_restart: int | None
    full_return: int | None
    windows: CalibrationRange


def calibration_grid(library: Library) -> list[GridCell]:
    """Every site class x grade, projected clean from the day of diagnosis (full weight
    bearing, clearances given when asked): what athletes are told on day one, and what
    the suite checks against the published windows."""
    dx = GRID_DIAGNOSIS
    cells: list[GridCell] = []
    for cls, site in GRID_SITES.items():
        for grade in GRID_GRADES:
            profile = AthleteProfile(
                site=site, grade=grade, diagnosis_date=dx, weight_bearing=WeightBearing.FULL
            )
            proj = project(library, profile, initial_state(profile, dx), [], dx)
            cells.append(
                GridCell(
                    site_class=cls,
                    grade=grade,
                    run_restart=None if proj.run_restart is None else (proj.run_restart - dx).days,
                    full_return=None if proj.full_return is None else (proj.full_return - dx).days,
                    windows=cell_of(library.protocol, profile),
                )
            )
    return cells
