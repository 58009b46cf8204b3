"""Unit tests of every decision rule: safety, side states, regression, gates, support."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from engine_helpers import CLEAN, DAY0, make_profile

from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.engine import decide, diagnosis_changed, initial_state, pause
from flows.injury import Grade, Site
from flows.library.loader import Library
from flows.phases import MAIN_LINE, Phase
from flows.profile import (
    AthleteProfile,
    Clearance,
    ClearanceKind,
    Periods,
    RedsScreen,
    WeightBearing,
    record_clearance,
)
from flows.reasons import Action, EventKind, Reason, RedFlag
from flows.rules.dwell import min_dwell_days
from flows.state import HoldReason, RehabState

DONE = replace(CLEAN, session=SessionResult.DONE, pain_during=0, pain_after=0)


def at(phase: Phase, stage: int = 1, entered: int = 60, today: date = DAY0) -> RehabState:
    start = today - timedelta(days=entered)
    return RehabState(phase=phase, stage=stage, phase_entered=start, stage_entered=start)


def clean_days(n: int, today: date = DAY0, checkin: DailyCheckIn = DONE) -> list[DayRecord]:
    return [DayRecord(today - timedelta(days=i), checkin) for i in range(n, 0, -1)]


# --------------------------------------------------------------------------- safety


@pytest.mark.parametrize(
    ("change", "flag"),
    [
        ({"night_pain": True}, RedFlag.NIGHT_PAIN),
        ({"pain_rest": 3}, RedFlag.REST_PAIN),
        ({"pain_walking": 3}, RedFlag.WALKING_PAIN),
        ({"limp": True}, RedFlag.LIMP),
        ({"swelling": True}, RedFlag.SWELLING),
        ({"groin_pain": True}, RedFlag.GROIN_PAIN),
        ({"high_risk_pattern": True}, RedFlag.HIGH_RISK_PATTERN),
        ({"new_site_pain": True}, RedFlag.NEW_SITE),
        ({"reds_signs": True}, RedFlag.REDS_SIGNS),
        ({"cannot_bear_weight": True}, RedFlag.CANNOT_BEAR_WEIGHT),
    ],
)
def test_each_red_flag_holds_with_escalation_and_event(
    library: Library, change: dict[str, object], flag: RedFlag
) -> None:
    d = decide(library, make_profile(), at(Phase.WALK_RUN, 2), replace(DONE, **change), [], DAY0)
    assert flag in d.red_flags
    assert d.action is Action.REFER
    assert d.new_state.phase is Phase.HOLD
    assert d.new_state.hold_reason is HoldReason.RED_FLAG
    assert d.new_state.held_from is Phase.WALK_RUN
    assert d.escalation
    assert any(e.kind is EventKind.RED_FLAG for e in d.events)
    assert Reason.RED_FLAG in d.reasons


def test_inability_to_bear_weight_is_urgent(library: Library) -> None:
    d = decide(
        library,
        make_profile(),
        at(Phase.RUN_BUILD),
        replace(DONE, cannot_bear_weight=True),
        [],
        DAY0,
    )
    assert d.urgent
    assert d.escalation == library.text("safety", "escalation.urgent")
    night = decide(
        library, make_profile(), at(Phase.RUN_BUILD), replace(DONE, night_pain=True), [], DAY0
    )
    assert not night.urgent


def test_walking_pain_in_protect_is_not_a_red_flag(library: Library) -> None:
    d = decide(library, make_profile(), at(Phase.PROTECT), replace(CLEAN, pain_walking=3), [], DAY0)
    assert d.red_flags == []
    assert d.new_state.phase is Phase.PROTECT


def test_rising_pain_trend_is_a_red_flag(library: Library) -> None:
    history = [
        DayRecord(DAY0 - timedelta(days=2), replace(CLEAN, next_morning_pain=3)),
        DayRecord(DAY0 - timedelta(days=1), replace(CLEAN, next_morning_pain=3)),
    ]
    d = decide(
        library,
        make_profile(),
        at(Phase.PROTECT),
        replace(CLEAN, next_morning_pain=4),
        history,
        DAY0,
    )
    assert RedFlag.PAIN_TREND in d.red_flags


def test_red_flag_while_paused_still_holds(library: Library) -> None:
    state = pause(at(Phase.WALK_RUN), DAY0 - timedelta(days=1))
    d = decide(library, make_profile(), state, replace(CLEAN, night_pain=True), [], DAY0)
    assert d.new_state.phase is Phase.HOLD
    assert d.new_state.held_from is Phase.WALK_RUN


def test_reds_restricted_band_refers(library: Library) -> None:
    profile = make_profile(
        reds=RedsScreen(restriction=True, periods=Periods.MANY_MISSED, weight_loss=True)
    )
    d = decide(library, profile, at(Phase.WALK_STRENGTH), CLEAN, [], DAY0)
    assert d.action is Action.REFER
    assert d.new_state.hold_reason is HoldReason.REDS
    assert Reason.REDS_RESTRICT in d.reasons


def test_reds_review_band_slows_dwell(library: Library) -> None:
    plain = make_profile()
    flagged = make_profile(reds=RedsScreen(periods=Periods.SOME_MISSED))
    p = library.protocol
    assert min_dwell_days(p, flagged, Phase.PROTECT) > min_dwell_days(p, plain, Phase.PROTECT)


# --------------------------------------------------------------------------- side states


def test_paused_repeats(library: Library) -> None:
    state = pause(at(Phase.WALK_RUN), DAY0 - timedelta(days=2))
    d = decide(library, make_profile(), state, CLEAN, [], DAY0)
    assert d.action is Action.REPEAT
    assert d.reasons == [Reason.PAUSED]


def test_hold_waits_for_a_clearance_dated_after_it(library: Library) -> None:
    held = replace(
        at(Phase.HOLD, 2),
        hold_reason=HoldReason.RED_FLAG,
        held_since=DAY0 - timedelta(days=3),
        held_from=Phase.WALK_RUN,
    )
    old = record_clearance(
        make_profile(), Clearance(DAY0 - timedelta(days=10), ClearanceKind.RESUME)
    )
    d = decide(library, old, held, CLEAN, [], DAY0)
    assert d.action is Action.HOLD
    assert Reason.AWAITING_REVIEW in d.reasons
    cleared = record_clearance(
        old, Clearance(DAY0, ClearanceKind.RESUME, resume_phase=Phase.WALK_STRENGTH)
    )
    d = decide(library, cleared, held, CLEAN, [], DAY0)
    assert d.new_state.phase is Phase.WALK_STRENGTH
    assert d.new_state.stage == 1
    assert any(e.kind is EventKind.RELEASED for e in d.events)


def test_resume_never_above_the_held_phase(library: Library) -> None:
    held = replace(
        at(Phase.HOLD, 2),
        hold_reason=HoldReason.RED_FLAG,
        held_since=DAY0,
        held_from=Phase.WALK_STRENGTH,
    )
    profile = record_clearance(
        make_profile(), Clearance(DAY0, ClearanceKind.RESUME, resume_phase=Phase.RUN_BUILD)
    )
    d = decide(library, profile, held, CLEAN, [], DAY0)
    assert d.new_state.phase is Phase.WALK_STRENGTH
    assert d.new_state.stage == 2


# --------------------------------------------------------------------------- regression


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"pain_during": 3}, Reason.PAIN_DURING_HIGH),
        ({"pain_building": True}, Reason.PAIN_BUILDING),
        ({"pain_sharp": True}, Reason.PAIN_SHARP),
        ({"gait_changed": True}, Reason.GAIT_CHANGED),
        ({"next_morning_pain": 2}, Reason.MORNING_PAIN),
    ],
)
def test_step_back_one_stage(library: Library, change: dict[str, object], reason: Reason) -> None:
    d = decide(
        library, make_profile(), at(Phase.WALK_RUN, 3), replace(DONE, **change), clean_days(5), DAY0
    )
    assert d.action is Action.STEP_BACK
    assert reason in d.reasons
    assert (d.new_state.phase, d.new_state.stage) == (Phase.WALK_RUN, 2)
    assert d.new_state.step_backs == (DAY0,)


def test_step_back_from_stage_one_goes_to_previous_phase_last_stage(library: Library) -> None:
    d = decide(
        library, make_profile(), at(Phase.WALK_RUN, 1), replace(DONE, pain_during=4), [], DAY0
    )
    assert d.new_state.phase is Phase.IMPACT_PREP
    assert d.new_state.stage == len(library.plans.phases[Phase.IMPACT_PREP].stages)


def test_morning_pain_at_baseline_is_fine(library: Library) -> None:
    usual = replace(DONE, next_morning_pain=1)
    d = decide(
        library, make_profile(), at(Phase.WALK_RUN, 3), usual, clean_days(7, checkin=usual), DAY0
    )
    assert d.action is not Action.STEP_BACK


def test_pain_after_blocks_progress_without_step_back(library: Library) -> None:
    d = decide(
        library,
        make_profile(),
        at(Phase.WALK_RUN, 3),
        replace(DONE, pain_after=3),
        clean_days(8),
        DAY0,
    )
    assert d.action is Action.REPEAT
    assert Reason.PAIN_AFTER_HIGH in d.reasons


def test_symptoms_past_24h_hold_and_past_48h_step_back(library: Library) -> None:
    sore = replace(DONE, pain_after=1)
    one = [DayRecord(DAY0 - timedelta(days=1), sore)]
    d = decide(library, make_profile(), at(Phase.WALK_RUN, 3), sore, one, DAY0)
    assert d.action is Action.REPEAT
    assert Reason.SYMPTOMS_24H in d.reasons
    two = [DayRecord(DAY0 - timedelta(days=2), sore), *one]
    d = decide(library, make_profile(), at(Phase.WALK_RUN, 3), sore, two, DAY0)
    assert d.action is Action.STEP_BACK
    assert Reason.SYMPTOMS_48H in d.reasons


def test_one_step_back_per_episode(library: Library) -> None:
    state = replace(at(Phase.WALK_RUN, 2), step_backs=(DAY0 - timedelta(days=1),))
    d = decide(library, make_profile(), state, replace(DONE, next_morning_pain=2), [], DAY0)
    assert d.action is Action.REPEAT
    assert d.new_state == state


def test_second_step_back_within_14_days_refers(library: Library) -> None:
    state = replace(at(Phase.WALK_RUN, 2), step_backs=(DAY0 - timedelta(days=9),))
    d = decide(library, make_profile(), state, replace(DONE, pain_during=4), [], DAY0)
    assert d.action is Action.REFER
    assert d.new_state.hold_reason is HoldReason.REVIEW
    assert Reason.SECOND_STEP_BACK in d.reasons
    assert d.escalation
    assert any(e.kind is EventKind.CLINICIAN_REVIEW for e in d.events)
    old = replace(at(Phase.WALK_RUN, 2), step_backs=(DAY0 - timedelta(days=20),))
    assert (
        decide(library, make_profile(), old, replace(DONE, pain_during=4), [], DAY0).action
        is Action.STEP_BACK
    )


# --------------------------------------------------------------------------- gates


def test_protect_needs_dwell_and_pain_free_days(library: Library) -> None:
    profile = make_profile(diagnosis=DAY0 - timedelta(days=3))
    state = initial_state(profile, DAY0 - timedelta(days=3))
    d = decide(library, profile, state, CLEAN, clean_days(3, checkin=CLEAN), DAY0)
    assert d.action is Action.REPEAT
    assert Reason.MIN_DWELL in d.reasons
    assert Reason.PAIN_FREE_DAYS in d.reasons
    assert d.reason_params[Reason.MIN_DWELL]["days_left"] == 11
    assert "11 more day" in d.explanation
    later = DAY0 + timedelta(days=20)
    d = decide(library, profile, state, CLEAN, clean_days(10, later, CLEAN), later)
    assert d.action is Action.ADVANCE
    assert d.new_state.phase is Phase.WALK_STRENGTH


def test_protect_respects_weight_bearing_instruction(library: Library) -> None:
    profile = make_profile(weight_bearing=WeightBearing.PARTIAL)
    d = decide(library, profile, at(Phase.PROTECT), CLEAN, clean_days(10, checkin=CLEAN), DAY0)
    assert d.action is Action.REPEAT
    assert Reason.WEIGHT_BEARING in d.reasons
    cleared = record_clearance(profile, Clearance(DAY0, ClearanceKind.FULL_WEIGHT_BEARING))
    assert cleared.weight_bearing is WeightBearing.FULL


def test_stage_advances_after_clean_sessions_confirmed_next_morning(library: Library) -> None:
    state = at(Phase.WALK_RUN, 2, entered=4)
    history = [
        DayRecord(DAY0 - timedelta(days=4), DONE),
        DayRecord(DAY0 - timedelta(days=3), CLEAN),
        DayRecord(DAY0 - timedelta(days=2), DONE),
    ]
    # The second session's next morning is not reported yet: wait.
    d = decide(
        library,
        make_profile(),
        state,
        replace(CLEAN, next_morning_pain=None),
        [*history, DayRecord(DAY0 - timedelta(days=1), replace(CLEAN, next_morning_pain=None))],
        DAY0,
    )
    assert d.action is Action.REPEAT
    assert Reason.STAGE_SESSIONS in d.reasons
    d = decide(
        library,
        make_profile(),
        state,
        CLEAN,
        [*history, DayRecord(DAY0 - timedelta(days=1), CLEAN)],
        DAY0,
    )
    assert d.action is Action.ADVANCE
    assert d.new_state.stage == 3


def test_at_most_one_advance_per_day(library: Library) -> None:
    state = replace(at(Phase.WALK_RUN, 2), last_advance=DAY0)
    d = decide(library, make_profile(), state, CLEAN, clean_days(10), DAY0)
    assert d.action is Action.REPEAT


def test_walk_strength_needs_walk_and_heel_raise_tests(library: Library) -> None:
    last = len(library.plans.phases[Phase.WALK_STRENGTH].stages)
    state = at(Phase.WALK_STRENGTH, last, entered=20)
    d = decide(library, make_profile(), state, CLEAN, clean_days(10), DAY0)
    assert Reason.WALK_TEST in d.reasons
    assert Reason.HEEL_RAISES in d.reasons
    tested = replace(DONE, walk_30min_pain_free=True, heel_raises=26)
    d = decide(library, make_profile(), state, CLEAN, clean_days(10, checkin=tested), DAY0)
    assert d.new_state.phase is Phase.IMPACT_PREP


@pytest.mark.parametrize(
    ("site", "grade"),
    [
        (Site.NAVICULAR, Grade.KM2),
        (Site.FEMORAL_NECK, Grade.MRI1),
        (Site.POSTEROMEDIAL_TIBIA, Grade.KM3),
        (Site.FIBULA, Grade.UNKNOWN),
    ],
)
def test_impact_needs_clearance(library: Library, site: Site, grade: Grade) -> None:
    last = len(library.plans.phases[Phase.WALK_STRENGTH].stages)
    state = at(Phase.WALK_STRENGTH, last, entered=60)
    tested = replace(DONE, walk_30min_pain_free=True, heel_raises=30)
    profile = make_profile(site=site, grade=grade)
    d = decide(library, profile, state, CLEAN, clean_days(10, checkin=tested), DAY0)
    assert d.action is Action.HOLD
    assert d.new_state.hold_reason is HoldReason.IMPACT_GATE
    assert Reason.AWAITING_IMPACT_CLEARANCE in d.reasons
    cleared = record_clearance(profile, Clearance(DAY0, ClearanceKind.IMPACT))
    d2 = decide(library, cleared, d.new_state, CLEAN, [], DAY0 + timedelta(days=1))
    assert d2.new_state.phase is Phase.IMPACT_PREP
    assert d2.action is Action.ADVANCE


def test_impact_prep_needs_hop_test(library: Library) -> None:
    last = len(library.plans.phases[Phase.IMPACT_PREP].stages)
    state = at(Phase.IMPACT_PREP, last, entered=30)
    d = decide(library, make_profile(), state, CLEAN, clean_days(10), DAY0)
    assert Reason.HOP_TEST in d.reasons
    hop = replace(DONE, hop_test_pain_free=True)
    d = decide(library, make_profile(), state, CLEAN, clean_days(10, checkin=hop), DAY0)
    assert d.new_state.phase is Phase.WALK_RUN


def _rts_ready(readiness: int = 55, fear: int = 2) -> list[DayRecord]:
    return clean_days(20, checkin=replace(DONE, readiness=readiness, fear=fear))


def test_return_to_sport_gates_on_readiness_and_fear(library: Library) -> None:
    last = len(library.plans.phases[Phase.RUN_BUILD].stages)
    state = at(Phase.RUN_BUILD, last, entered=60)
    ok = decide(library, make_profile(), state, replace(CLEAN, fear=2), _rts_ready(), DAY0)
    assert ok.new_state.phase is Phase.RETURN_TO_SPORT
    assert ok.checklist is not None
    low = decide(library, make_profile(), state, replace(CLEAN, fear=2), _rts_ready(40), DAY0)
    assert low.action is Action.REPEAT
    assert Reason.READINESS_LOW in low.reasons
    assert "40 out of 60" in low.explanation
    scared = decide(
        library, make_profile(), state, replace(CLEAN, fear=8), _rts_ready(fear=8), DAY0
    )
    assert Reason.FEAR_GATE in scared.reasons
    assert scared.action is Action.REPEAT
    missing = decide(library, make_profile(), state, CLEAN, clean_days(20), DAY0)
    assert Reason.READINESS_MISSING in missing.reasons


def test_return_to_sport_needs_quiet_mornings(library: Library) -> None:
    last = len(library.plans.phases[Phase.RUN_BUILD].stages)
    state = at(Phase.RUN_BUILD, last, entered=60)
    days = _rts_ready()
    days[-8] = replace(days[-8], checkin=replace(days[-8].checkin, next_morning_pain=1))
    d = decide(library, make_profile(), state, CLEAN, days, DAY0)
    assert Reason.CHECKLIST in d.reasons


def test_high_risk_return_to_sport_needs_rts_clearance(library: Library) -> None:
    last = len(library.plans.phases[Phase.RUN_BUILD].stages)
    profile = record_clearance(
        make_profile(site=Site.NAVICULAR),
        Clearance(DAY0 - timedelta(days=90), ClearanceKind.IMPACT),
    )
    state = at(Phase.RUN_BUILD, last, entered=90)
    d = decide(library, profile, state, replace(CLEAN, fear=2), _rts_ready(), DAY0)
    assert d.new_state.hold_reason is HoldReason.RTS_GATE
    cleared = record_clearance(profile, Clearance(DAY0, ClearanceKind.RETURN_TO_SPORT))
    d2 = decide(library, cleared, d.new_state, CLEAN, [], DAY0 + timedelta(days=1))
    assert d2.new_state.phase is Phase.RETURN_TO_SPORT


def test_dwell_grows_with_severity_risk_and_bone(library: Library) -> None:
    p = library.protocol

    def dwell(profile: AthleteProfile) -> int:
        return min_dwell_days(p, profile, Phase.PROTECT)

    def total(profile: AthleteProfile) -> int:
        # A fracture line rests as long as grade 3 in protect; its extra time is in the
        # impact and running phases (content/protocol.yaml dwell:).
        return sum(min_dwell_days(p, profile, phase) for phase in MAIN_LINE)

    assert dwell(make_profile(grade=Grade.MRI1)) < dwell(make_profile(grade=Grade.MRI3))
    assert total(make_profile(grade=Grade.MRI3)) < total(make_profile(grade=Grade.MRI4))
    assert dwell(make_profile()) < dwell(make_profile(site=Site.NAVICULAR))
    assert dwell(make_profile(site=Site.CALCANEUS)) > dwell(make_profile())


# --------------------------------------------------------------------------- support


def test_high_fear_brings_support_not_punishment(library: Library) -> None:
    state = at(Phase.WALK_RUN, 2, entered=4)
    calm = decide(library, make_profile(), state, CLEAN, clean_days(4), DAY0)
    scared = decide(library, make_profile(), state, replace(CLEAN, fear=9), clean_days(4), DAY0)
    assert scared.new_state == calm.new_state
    assert scared.action is calm.action
    assert Reason.FEAR_HIGH in scared.reasons
    assert library.text("safety", "support.offer") in scared.explanation
    assert any(e.kind is EventKind.SUPPORT_OFFERED for e in scared.events)


def test_every_decision_explains_itself(library: Library) -> None:
    d = decide(
        library,
        make_profile(),
        at(Phase.WALK_RUN, 3),
        replace(DONE, pain_during=3),
        clean_days(3),
        DAY0,
    )
    assert d.explanation.startswith(library.text("decisions", "action.step_back"))
    assert library.text("decisions", "reason.pain_during_high") in d.explanation


# --------------------------------------------------------------------------- edits


def test_later_diagnosis_date_moves_protect_start_later(library: Library) -> None:
    profile = make_profile(diagnosis=DAY0 - timedelta(days=30))
    state = initial_state(profile, DAY0)
    assert decide(library, profile, state, CLEAN, clean_days(10, checkin=CLEAN), DAY0).action is (
        Action.ADVANCE
    )
    corrected = diagnosis_changed(state, DAY0 - timedelta(days=3), DAY0)
    assert corrected.phase_entered == DAY0 - timedelta(days=3)
    assert corrected.stage_entered == DAY0 - timedelta(days=3)
    later = replace(profile, diagnosis_date=DAY0 - timedelta(days=3))
    d = decide(library, later, corrected, CLEAN, clean_days(10, checkin=CLEAN), DAY0)
    assert d.action is Action.REPEAT  # the dwell now counts from the later date
    assert Reason.MIN_DWELL in d.reasons


def test_diagnosis_date_in_the_future_starts_protect_today() -> None:
    state = at(Phase.PROTECT, entered=10)
    assert diagnosis_changed(state, DAY0 + timedelta(days=5), DAY0).phase_entered == DAY0


def test_earlier_diagnosis_date_never_shortens_the_dwell() -> None:
    state = at(Phase.PROTECT, entered=3)
    assert diagnosis_changed(state, DAY0 - timedelta(days=60), DAY0) == state
    assert diagnosis_changed(state, DAY0 - timedelta(days=3), DAY0) == state


@pytest.mark.parametrize(
    "state",
    [
        at(Phase.WALK_STRENGTH, entered=5),
        at(Phase.RUN_BUILD, 2, entered=5),
        replace(at(Phase.WALK_RUN, entered=5), phase=Phase.HOLD, held_from=Phase.WALK_RUN),
    ],
)
def test_diagnosis_date_edit_changes_nothing_past_protect(state: RehabState) -> None:
    assert diagnosis_changed(state, DAY0 - timedelta(days=1), DAY0) == state


def test_diagnosis_date_edit_applies_while_held_or_paused_from_protect() -> None:
    protect = at(Phase.PROTECT, entered=20)
    held = replace(protect, phase=Phase.HOLD, held_from=Phase.PROTECT, held_since=DAY0)
    moved = diagnosis_changed(held, DAY0 - timedelta(days=2), DAY0)
    assert moved.phase is Phase.HOLD
    assert moved.phase_entered == DAY0 - timedelta(days=2)
    paused = pause(protect, DAY0 - timedelta(days=1))
    assert diagnosis_changed(paused, DAY0 - timedelta(days=2), DAY0).phase_entered == (
        DAY0 - timedelta(days=2)
    )
