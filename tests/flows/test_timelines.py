"""Holds in tiers, clearances that act at once, step-back dwell credit and milestones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from engine_helpers import CLEAN, DAY0, make_profile

from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.clearances import ClearanceOutcome, apply_clearance, restart_options
from flows.engine import decide, initial_state, pause, restart_phase, resume
from flows.injury import Grade, Site
from flows.library.loader import Library
from flows.milestones import milestones, moved_by, project
from flows.phases import MAIN_LINE, Phase
from flows.plan import plan_for_day
from flows.profile import Clearance, ClearanceKind, WeightBearing
from flows.reasons import Action, EventKind, Reason, RedFlag
from flows.rules.dwell import min_dwell_days
from flows.state import HoldReason, RehabState

DONE = replace(CLEAN, session=SessionResult.DONE, pain_during=0, pain_after=0)


def at(phase: Phase, stage: int = 1, entered: int = 60, today: date = DAY0) -> RehabState:
    start = today - timedelta(days=entered)
    return RehabState(phase=phase, stage=stage, phase_entered=start, stage_entered=start)


def days_before(n: int, checkin: DailyCheckIn = DONE, today: date = DAY0) -> list[DayRecord]:
    return [DayRecord(today - timedelta(days=i), checkin) for i in range(n, 0, -1)]


def held(reason: HoldReason, held_from: Phase, stage: int = 2, since: int = 2) -> RehabState:
    return replace(
        at(Phase.HOLD, stage),
        hold_reason=reason,
        held_from=held_from,
        held_since=DAY0 - timedelta(days=since),
    )


# --------------------------------------------------------------------------- caution tier


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"pain_walking": 1}, Reason.CAUTION_WALKING_PAIN),
        ({"pain_rest": 2}, Reason.CAUTION_REST_PAIN),
    ],
)
def test_mild_pain_on_one_day_is_a_caution_day_not_a_hold(
    library: Library, change: dict[str, int], reason: Reason
) -> None:
    state = at(Phase.WALK_RUN, 3)
    d = decide(library, make_profile(), state, replace(DONE, **change), days_before(6), DAY0)
    assert not d.red_flags
    assert d.escalation is None
    assert d.action is Action.REPEAT
    assert reason in d.reasons
    assert d.new_state.phase is Phase.WALK_RUN
    assert d.new_state.stage == 3
    assert any(e.kind is EventKind.CAUTION for e in d.events)
    # Today's and tomorrow's sessions are eased, then the plan is back to normal.
    for offset, eased in ((0, True), (1, True), (2, False)):
        plan = plan_for_day(library, make_profile(), d.new_state, DAY0 + timedelta(days=offset), [])
        assert plan.eased is eased


def test_no_progression_on_the_eased_day_after_a_caution_day(library: Library) -> None:
    state = replace(at(Phase.WALK_STRENGTH, 3, entered=30), eased_until=DAY0)
    d = decide(library, make_profile(), state, DONE, days_before(10), DAY0)
    assert d.action is Action.REPEAT
    assert Reason.EASED_DAY in d.reasons
    after = decide(
        library,
        make_profile(),
        state,
        DONE,
        days_before(10, today=DAY0 + timedelta(days=1)),
        DAY0 + timedelta(days=1),
    )
    assert Reason.EASED_DAY not in after.reasons


def test_caution_sign_on_the_next_day_too_is_a_red_flag(library: Library) -> None:
    yesterday = [DayRecord(DAY0 - timedelta(days=1), replace(DONE, pain_walking=1))]
    d = decide(
        library,
        make_profile(),
        at(Phase.WALK_RUN, 3),
        replace(DONE, pain_walking=2),
        yesterday,
        DAY0,
    )
    assert RedFlag.WALKING_PAIN in d.red_flags
    assert d.new_state.phase is Phase.HOLD


def test_pain_above_the_caution_tier_is_a_red_flag_at_once(library: Library) -> None:
    d = decide(library, make_profile(), at(Phase.WALK_RUN), replace(DONE, pain_rest=3), [], DAY0)
    assert RedFlag.REST_PAIN in d.red_flags
    assert d.escalation is not None


# --------------------------------------------------------------------------- red-flag hold


def test_red_flag_message_is_full_once_then_brief(library: Library) -> None:
    night = replace(DONE, night_pain=True)
    first = decide(library, make_profile(), at(Phase.WALK_RUN, 2), night, [], DAY0)
    full = library.text("safety", "escalation.red_flag")
    assert first.escalation == full
    assert "/clearance" in full
    assert first.new_state.hold_flags == ("night_pain",)
    # The same day's next check-in: the headline only; the next day: a short summary.
    quiet = decide(library, make_profile(), first.new_state, CLEAN, [], DAY0)
    assert quiet.escalation is None
    assert quiet.action is Action.HOLD
    assert quiet.explanation == library.decisions.messages["action.hold"].text
    tomorrow = decide(library, make_profile(), quiet.new_state, CLEAN, [], DAY0 + timedelta(days=1))
    assert tomorrow.escalation is None
    assert Reason.AWAITING_REVIEW in tomorrow.reasons
    assert "Still on hold (day 2)" in tomorrow.explanation
    assert "/clearance" in tomorrow.explanation
    assert len(tomorrow.explanation) < len(full)
    later = decide(library, make_profile(), tomorrow.new_state, CLEAN, [], DAY0 + timedelta(days=1))
    assert Reason.AWAITING_REVIEW not in later.reasons
    # The same flag again: a brief reminder; a new flag: the full text again.
    again = decide(library, make_profile(), first.new_state, night, [], DAY0 + timedelta(days=1))
    assert again.escalation == library.text("safety", "escalation.red_flag_again")
    assert again.new_state.held_since == first.new_state.held_since
    new = decide(library, make_profile(), again.new_state, replace(DONE, swelling=True), [], DAY0)
    assert new.escalation == full
    assert set(new.new_state.hold_flags) == {"night_pain", "swelling"}


def test_pause_during_a_hold_keeps_the_hold(library: Library) -> None:
    state = held(HoldReason.RED_FLAG, Phase.WALK_RUN)
    paused = pause(state, DAY0)
    assert paused.phase is Phase.HOLD
    assert paused.hold_reason is HoldReason.RED_FLAG
    assert paused.paused_since == DAY0
    back = resume(paused, DAY0 + timedelta(days=5))
    assert back == replace(state, paused_since=None)


def test_restart_phase_is_never_above_the_held_one() -> None:
    assert restart_phase(Phase.WALK_RUN, None) is Phase.IMPACT_PREP
    assert restart_phase(Phase.PROTECT, None) is Phase.PROTECT
    assert restart_phase(Phase.WALK_RUN, Phase.WALK_STRENGTH) is Phase.WALK_STRENGTH
    assert restart_phase(Phase.WALK_RUN, Phase.RUN_BUILD) is Phase.WALK_RUN
    options = restart_options(held(HoldReason.RED_FLAG, Phase.WALK_RUN))
    assert options[0] is Phase.IMPACT_PREP
    assert set(options) == set(MAIN_LINE[:4])


# --------------------------------------------------------------------------- clearances


def test_full_weight_bearing_releases_protect_the_same_day(library: Library) -> None:
    profile = make_profile(
        diagnosis=DAY0 - timedelta(days=20), weight_bearing=WeightBearing.PARTIAL
    )
    state = initial_state(profile, DAY0)
    history = days_before(8, CLEAN)
    blocked = decide(library, profile, state, CLEAN, history, DAY0)
    assert Reason.WEIGHT_BEARING in blocked.reasons
    assert blocked.new_state.phase is Phase.PROTECT
    cleared = apply_clearance(
        library,
        profile,
        blocked.new_state,
        Clearance(DAY0, ClearanceKind.FULL_WEIGHT_BEARING),
        [*history, DayRecord(DAY0, CLEAN)],
        DAY0,
    )
    assert cleared.profile.weight_bearing is WeightBearing.FULL
    assert cleared.outcome is ClearanceOutcome.ADVANCED
    assert cleared.state.phase is Phase.WALK_STRENGTH
    assert cleared.state.phase_entered == DAY0
    assert any(e.kind is EventKind.PHASE_CHANGED for e in cleared.events)


def test_full_weight_bearing_before_the_dwell_only_lifts_the_limit(library: Library) -> None:
    profile = make_profile(diagnosis=DAY0 - timedelta(days=3), weight_bearing=WeightBearing.NONE)
    state = initial_state(profile, DAY0)
    cleared = apply_clearance(
        library, profile, state, Clearance(DAY0, ClearanceKind.FULL_WEIGHT_BEARING), [], DAY0
    )
    assert cleared.outcome is ClearanceOutcome.WEIGHT_BEARING
    assert cleared.profile.weight_bearing is WeightBearing.FULL
    assert cleared.state == state


@pytest.mark.parametrize(
    ("kind", "hold", "held_from", "to"),
    [
        (ClearanceKind.IMPACT, HoldReason.IMPACT_GATE, Phase.WALK_STRENGTH, Phase.IMPACT_PREP),
        (
            ClearanceKind.RETURN_TO_SPORT,
            HoldReason.RTS_GATE,
            Phase.RUN_BUILD,
            Phase.RETURN_TO_SPORT,
        ),
        (
            ClearanceKind.RETURN_TO_SPORT,
            HoldReason.IMPACT_GATE,
            Phase.WALK_STRENGTH,
            Phase.IMPACT_PREP,
        ),
    ],
)
def test_gate_clearances_open_their_gate_today(
    library: Library, kind: ClearanceKind, hold: HoldReason, held_from: Phase, to: Phase
) -> None:
    profile = make_profile(site=Site.NAVICULAR)
    result = apply_clearance(
        library, profile, held(hold, held_from, 5), Clearance(DAY0, kind), [], DAY0
    )
    assert result.outcome is ClearanceOutcome.RELEASED
    assert result.state.phase is to
    assert result.state.stage == 1
    assert result.state.last_advance == DAY0
    assert result.profile.has_clearance({kind})


def test_impact_clearance_does_not_open_the_sport_gate(library: Library) -> None:
    state = held(HoldReason.RTS_GATE, Phase.RUN_BUILD, 4)
    result = apply_clearance(
        library,
        make_profile(site=Site.NAVICULAR),
        state,
        Clearance(DAY0, ClearanceKind.IMPACT),
        [],
        DAY0,
    )
    assert result.outcome is ClearanceOutcome.GATE_OPEN
    assert result.state == state


def test_clearance_in_advance_opens_the_gate_when_reached(library: Library) -> None:
    state = at(Phase.WALK_STRENGTH, 3)
    result = apply_clearance(
        library,
        make_profile(site=Site.NAVICULAR),
        state,
        Clearance(DAY0, ClearanceKind.IMPACT),
        [],
        DAY0,
    )
    assert result.outcome is ClearanceOutcome.GATE_OPEN
    assert result.state == state
    assert result.profile.has_clearance({ClearanceKind.IMPACT})


@pytest.mark.parametrize(
    ("named", "to", "stage"),
    [
        (None, Phase.IMPACT_PREP, 1),
        (Phase.WALK_STRENGTH, Phase.WALK_STRENGTH, 1),
        (Phase.WALK_RUN, Phase.WALK_RUN, 2),
    ],
)
def test_resume_restarts_at_the_chosen_phase(
    library: Library, named: Phase | None, to: Phase, stage: int
) -> None:
    state = replace(held(HoldReason.RED_FLAG, Phase.WALK_RUN), hold_flags=("night_pain",))
    result = apply_clearance(
        library, make_profile(), state, Clearance(DAY0, ClearanceKind.RESUME, named), [], DAY0
    )
    assert result.outcome is ClearanceOutcome.RELEASED
    assert (result.state.phase, result.state.stage) == (to, stage)
    assert result.state.hold_flags == ()
    # A release after a red flag restarts the dwell (no credit): conservative.
    assert result.state.phase_entered == DAY0


def test_resume_dated_before_the_hold_does_not_end_it(library: Library) -> None:
    state = held(HoldReason.RED_FLAG, Phase.WALK_RUN, since=2)
    early = Clearance(DAY0 - timedelta(days=5), ClearanceKind.RESUME)
    result = apply_clearance(library, make_profile(), state, early, [], DAY0)
    assert result.outcome is ClearanceOutcome.BEFORE_HOLD
    assert result.state == state


def test_resume_when_not_on_hold_changes_nothing(library: Library) -> None:
    state = at(Phase.WALK_RUN, 2)
    result = apply_clearance(
        library, make_profile(), state, Clearance(DAY0, ClearanceKind.RESUME), [], DAY0
    )
    assert result.outcome is ClearanceOutcome.NOT_ON_HOLD
    assert result.state == state


# --------------------------------------------------------------------------- dwell credit


def test_step_back_into_an_earlier_phase_credits_its_dwell(library: Library) -> None:
    profile = make_profile()
    state = at(Phase.WALK_RUN, 1, entered=5)
    bad = replace(DONE, pain_during=4, pain_building=True)
    d = decide(library, profile, state, bad, days_before(5), DAY0)
    assert d.action is Action.STEP_BACK
    assert d.new_state.phase is Phase.IMPACT_PREP
    credit = min_dwell_days(library.protocol, profile, Phase.IMPACT_PREP)
    assert d.new_state.active_days(DAY0) == credit
    assert d.new_state.stage_entered == DAY0


# --------------------------------------------------------------------------- milestones


def test_milestones_show_windows_and_a_projection(library: Library) -> None:
    profile = make_profile(grade=Grade.MRI1, diagnosis=DAY0)
    m = milestones(library, profile, initial_state(profile, DAY0), [], DAY0)
    assert m.run_restart.window.min_days <= (m.run_restart.window_to - DAY0).days
    assert m.run_restart.projected is not None
    assert m.full_return.projected is not None
    assert DAY0 < m.run_restart.projected < m.full_return.projected
    assert not m.assumes_clearance
    gated = make_profile(site=Site.NAVICULAR, diagnosis=DAY0)
    assert milestones(library, gated, initial_state(gated, DAY0), [], DAY0).assumes_clearance


def test_a_step_back_moves_the_projection_later(library: Library) -> None:
    profile = make_profile()
    state = at(Phase.WALK_RUN, 3, entered=10)
    history = days_before(10)
    bad = replace(DONE, pain_during=4, pain_building=True)
    d = decide(library, profile, state, bad, history, DAY0)
    assert d.action is Action.STEP_BACK
    before, after = moved_by(
        library, profile, state, d.new_state, [*history, DayRecord(DAY0, bad)], DAY0
    )
    assert before.full_return.projected is not None
    assert after.full_return.projected is not None
    assert after.full_return.projected > before.full_return.projected


def test_projection_on_hold_counts_from_today(library: Library) -> None:
    profile = make_profile()
    state = held(HoldReason.RED_FLAG, Phase.WALK_RUN, 3)
    today = project(library, profile, state, [], DAY0)
    later = project(library, profile, state, [], DAY0 + timedelta(days=5))
    assert today.full_return is not None
    assert later.full_return is not None
    assert (later.full_return - today.full_return).days == 5
    assert milestones(library, profile, state, [], DAY0).on_hold


def test_reached_milestones_have_no_projection(library: Library) -> None:
    m = milestones(library, make_profile(), at(Phase.RUN_BUILD, 2), [], DAY0)
    assert m.run_restart.reached
    assert m.run_restart.projected is None
    assert not m.full_return.reached
    assert m.full_return.projected is not None


# --------------------------------------------------------------------------- readiness


def test_when_only_confidence_holds_the_athlete_it_says_so_and_helps(library: Library) -> None:
    last = len(library.plans.phases[Phase.RUN_BUILD].stages)
    state = at(Phase.RUN_BUILD, last, entered=60)
    history = days_before(20, replace(DONE, readiness=40, fear=2))
    d = decide(library, make_profile(), state, replace(CLEAN, fear=2), history, DAY0)
    assert d.action is Action.REPEAT
    assert Reason.READINESS_LOW in d.reasons
    assert Reason.READINESS_HOLDS in d.reasons
    # The pass mark is explained with its source, and support is offered.
    assert "pass mark is 50" in d.explanation
    assert "I-PRRS" in d.explanation
    assert library.text("safety", "support.readiness") in d.explanation
    assert "/readiness" in d.explanation
    assert "/learn" in d.explanation
    assert any(e.kind is EventKind.SUPPORT_OFFERED for e in d.events)


def test_readiness_support_waits_while_the_bone_still_gates(library: Library) -> None:
    last = len(library.plans.phases[Phase.RUN_BUILD].stages)
    state = at(Phase.RUN_BUILD, last, entered=3)  # the dwell is not served yet
    history = days_before(20, replace(DONE, readiness=40, fear=2))
    d = decide(library, make_profile(), state, replace(CLEAN, fear=2), history, DAY0)
    assert Reason.MIN_DWELL in d.reasons
    assert Reason.READINESS_HOLDS not in d.reasons
