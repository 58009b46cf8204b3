"""Property tests over random trajectories through the real engine (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from engine_helpers import CLEAN, DAY0
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.engine import Decision, decide, initial_state
from flows.injury import Grade, Site
from flows.library.loader import Library
from flows.phases import IMPACT_PHASES, MAIN_LINE, Phase
from flows.plan import plan_for_day
from flows.profile import AthleteProfile, Clearance, ClearanceKind, WeightBearing, record_clearance
from flows.rules.dwell import min_dwell_days
from flows.state import RehabState

GOOD = replace(
    CLEAN, walk_30min_pain_free=True, heel_raises=30, hop_test_pain_free=True, readiness=55
)

perturbations = st.one_of(
    st.builds(DailyCheckIn, pain_during=st.integers(0, 6), pain_after=st.integers(0, 4)),
    st.builds(DailyCheckIn, next_morning_pain=st.integers(0, 4)),
    st.builds(DailyCheckIn, pain_walking=st.integers(0, 3)),
    st.builds(DailyCheckIn, night_pain=st.booleans()),
    st.builds(DailyCheckIn, limp=st.booleans(), swelling=st.booleans()),
    st.builds(DailyCheckIn, cannot_bear_weight=st.just(True)),
    st.builds(DailyCheckIn, session=st.sampled_from(list(SessionResult))),
    st.builds(DailyCheckIn, fear=st.integers(0, 10), readiness=st.integers(0, 60)),
)
# Most days are clean (so trajectories reach the late phases); about 1 in 15 is perturbed.
day_answers = st.tuples(st.integers(0, 14), perturbations).map(
    lambda pair: pair[1] if pair[0] == 14 else DailyCheckIn()
)


@dataclass
class Trajectory:
    profile: AthleteProfile
    answers: list[DailyCheckIn]
    clearances: dict[int, ClearanceKind]


@st.composite
def trajectories(draw: st.DrawFn) -> Trajectory:
    site = draw(st.sampled_from(list(Site)))
    grade = draw(st.sampled_from(list(Grade)))
    offset = draw(st.integers(0, 20))
    profile = AthleteProfile(
        site=site,
        grade=grade,
        diagnosis_date=DAY0 - timedelta(days=offset),
        weight_bearing=WeightBearing.FULL,
    )
    n = draw(st.integers(60, 160))
    answers = draw(st.lists(day_answers, min_size=n, max_size=n))
    clearances = draw(
        st.dictionaries(st.integers(0, n - 1), st.sampled_from(list(ClearanceKind)), max_size=3)
    )
    return Trajectory(profile, answers, clearances)


@dataclass
class Step:
    day: date
    checkin: DailyCheckIn
    before: RehabState
    decision: Decision
    profile: AthleteProfile


def run(library: Library, t: Trajectory) -> list[Step]:
    profile = t.profile
    state = initial_state(profile, DAY0)
    history: list[DayRecord] = []
    steps: list[Step] = []
    for i, extra in enumerate(t.answers):
        today = DAY0 + timedelta(days=i)
        if i in t.clearances:
            kind = t.clearances[i]
            resume_phase = Phase.WALK_RUN if kind is ClearanceKind.RESUME else None
            profile = record_clearance(profile, Clearance(today, kind, resume_phase))
        plan = plan_for_day(library, profile, state, today, history)
        checkin = GOOD
        if plan.session is not None and not plan.is_rest_day:
            checkin = replace(checkin, session=SessionResult.DONE, pain_during=0, pain_after=0)
        checkin = checkin.merge(extra)
        decision = decide(library, profile, state, checkin, history, today)
        steps.append(Step(today, checkin, state, decision, profile))
        history.append(DayRecord(today, checkin))
        state = decision.new_state
    return steps


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(trajectories())
def test_invariants_hold_on_random_trajectories(library: Library, t: Trajectory) -> None:
    steps = run(library, t)
    entered: dict[Phase, date] = {Phase.PROTECT: min(t.profile.diagnosis_date, DAY0)}
    for step in steps:
        before, after = step.before, step.decision.new_state
        # Safety is absolute: a red-flag answer holds in that same check-in.
        c = step.checkin
        if c.night_pain or c.cannot_bear_weight or c.limp or c.swelling:
            assert after.phase is Phase.HOLD
            assert step.decision.red_flags
            assert step.decision.escalation
        if step.decision.red_flags:
            assert after.phase is Phase.HOLD
        # High-risk or trabecular sites and fracture-line grades: no impact without clearance.
        if after.phase in IMPACT_PHASES and t.profile.needs_impact_clearance:
            assert step.profile.clearances, f"{after.phase} without clearance"
            assert any(cl.day <= step.day for cl in step.profile.clearances)
        # No phase skipped; no phase left upwards before its minimum dwell.
        old, new = before.active_phase, after.active_phase
        if after.phase in MAIN_LINE and after.phase is not old:
            if MAIN_LINE.index(new) > MAIN_LINE.index(old):
                assert MAIN_LINE.index(new) == MAIN_LINE.index(old) + 1, f"{old} -> {new}"
                served = (before.held_since or step.day) - entered[old]
                assert served.days >= min_dwell_days(library.protocol, t.profile, old)
            stepped_back = before.phase is not Phase.HOLD and step.decision.action.value == (
                "step_back"
            )
            if stepped_back and new in entered:
                # A step back into a phase already served credits its dwell (the clock
                # counts from when it was first entered); a release after a hold restarts.
                continue
            entered[new] = step.day
        elif after.phase in MAIN_LINE:
            entered.setdefault(new, step.day)


@SETTINGS
@given(trajectories())
def test_same_trajectory_same_timeline(library: Library, t: Trajectory) -> None:
    first = [(s.decision.new_state, s.decision.action, s.decision.reasons) for s in run(library, t)]
    second = [
        (s.decision.new_state, s.decision.action, s.decision.reasons) for s in run(library, t)
    ]
    assert first == second


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(Site)),
    st.sampled_from(list(Grade)),
    st.sampled_from(list(MAIN_LINE)),
    st.integers(1, 5),
)
def test_state_round_trip_any_phase(site: Site, grade: Grade, phase: Phase, stage: int) -> None:
    state = RehabState(phase=phase, stage=stage, phase_entered=DAY0, stage_entered=DAY0)
    assert RehabState.from_dict(state.to_dict()) == state
    profile = AthleteProfile(site=site, grade=grade, diagnosis_date=DAY0)
    assert AthleteProfile.from_dict(profile.to_dict()) == profile
