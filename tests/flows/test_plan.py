"""Daily plan: session dose, rest days, cross-training, education snippet, safety line."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

from engine_helpers import CLEAN, DAY0, make_profile

from flows.checkin import DayRecord, SessionResult
from flows.injury import Site
from flows.library.loader import Library
from flows.library.schema import ActivityKind
from flows.phases import Phase
from flows.plan import plan_for_day
from flows.state import HoldReason, RehabState


def at(phase: Phase, stage: int = 1) -> RehabState:
    start = DAY0 - timedelta(days=10)
    return RehabState(phase=phase, stage=stage, phase_entered=start, stage_entered=start)


def test_walk_run_session_dose_and_stop_rules(library: Library) -> None:
    plan = plan_for_day(library, make_profile(), at(Phase.WALK_RUN, 3), DAY0, [])
    assert plan.session is not None
    assert not plan.is_rest_day
    s = plan.session
    assert s.kind is ActivityKind.WALK_RUN
    assert (s.walk_minutes, s.run_minutes, s.repeats, s.total_minutes) == (3, 3, 5, 30)
    assert s.stop_rules
    assert plan.safety_line in library.safety.messages["safety_line.walk_run"].choices


def test_impact_never_on_consecutive_days(library: Library) -> None:
    ran = [DayRecord(DAY0 - timedelta(days=1), replace(CLEAN, session=SessionResult.DONE))]
    assert plan_for_day(library, make_profile(), at(Phase.WALK_RUN), DAY0, ran).is_rest_day
    skipped = [DayRecord(DAY0 - timedelta(days=1), replace(CLEAN, session=SessionResult.SKIPPED))]
    assert not plan_for_day(library, make_profile(), at(Phase.WALK_RUN), DAY0, skipped).is_rest_day


def test_daily_phases_have_built_in_rest_days(library: Library) -> None:
    state = at(Phase.WALK_STRENGTH)
    rest = [
        plan_for_day(library, make_profile(), state, DAY0 + timedelta(days=i), []).is_rest_day
        for i in range(8)
    ]
    assert 1 <= sum(rest) <= 3


def test_cross_training_ranked_filtered_and_dosed(library: Library) -> None:
    plan = plan_for_day(library, make_profile(), at(Phase.WALK_RUN, 3), DAY0, [])
    ranks = [c.bone_load_rank for c in plan.cross_training]
    assert ranks == sorted(ranks)
    bike = next(c for c in plan.cross_training if c.id == "stationary-bike")
    assert bike.minutes == 36  # 30 planned minutes x 1.2
    pelvis = plan_for_day(library, make_profile(site=Site.PELVIS), at(Phase.WALK_RUN), DAY0, [])
    assert "stationary-bike" not in [c.id for c in pelvis.cross_training]
    mt = plan_for_day(
        library, make_profile(site=Site.METATARSAL_SHAFT), at(Phase.WALK_RUN), DAY0, []
    )
    assert next(c for c in mt.cross_training if c.id == "stationary-bike").caution


def test_phase_filters_cross_training(library: Library) -> None:
    plan = plan_for_day(library, make_profile(), at(Phase.PROTECT), DAY0, [])
    assert "elliptical" not in [c.id for c in plan.cross_training]


def test_exercises_avoid_the_site(library: Library) -> None:
    plan = plan_for_day(
        library, make_profile(site=Site.CALCANEUS), at(Phase.WALK_STRENGTH), DAY0, []
    )
    assert plan.session is not None
    assert "seated-calf-raise" not in [e.id for e in plan.session.exercises]
    plain = plan_for_day(library, make_profile(), at(Phase.WALK_STRENGTH), DAY0, [])
    assert plain.session is not None
    assert "seated-calf-raise" in [e.id for e in plain.session.exercises]


def test_safety_hold_keeps_protect_work(library: Library) -> None:
    """A red-flag hold offers protect's gentle session (never the held phase's), unless a
    flag behind the hold forbids any loading."""
    held = replace(
        at(Phase.HOLD, 2),
        hold_reason=HoldReason.RED_FLAG,
        held_from=Phase.WALK_RUN,
        held_since=DAY0,
        hold_flags=("night_pain",),
    )
    plan = plan_for_day(library, make_profile(), held, DAY0, [])
    assert plan.session is not None
    assert plan.session.phase is Phase.PROTECT
    assert plan.session.stage == 1
    assert plan.safety_line in library.safety.messages["safety_line.hold"].choices
    no_load = replace(held, hold_flags=("night_pain", "cannot_bear_weight"))
    plan = plan_for_day(library, make_profile(), no_load, DAY0, [])
    assert plan.session is None
    assert plan.is_rest_day


def test_caution_day_eases_the_session(library: Library) -> None:
    state = at(Phase.WALK_RUN, 3)
    plain = plan_for_day(library, make_profile(), state, DAY0, [])
    eased = plan_for_day(library, make_profile(), replace(state, eased_until=DAY0), DAY0, [])
    assert plain.session is not None
    assert eased.session is not None
    assert eased.eased
    assert not plain.eased
    assert eased.session.stage == 2
    after = plan_for_day(
        library, make_profile(), replace(state, eased_until=DAY0), DAY0 + timedelta(days=1), []
    )
    assert not after.eased


def test_snippet_relevance(library: Library) -> None:
    poor_sleep = [DayRecord(DAY0 - timedelta(days=1), replace(CLEAN, sleep_hours=5))]
    plan = plan_for_day(library, make_profile(), at(Phase.WALK_RUN), DAY0, poor_sleep)
    assert plan.snippet is not None
    assert plan.snippet.topic == "sleep"
    scared = [DayRecord(DAY0 - timedelta(days=1), replace(CLEAN, fear=9))]
    plan = plan_for_day(library, make_profile(), at(Phase.WALK_RUN), DAY0, scared)
    assert plan.snippet is not None
    assert plan.snippet.topic == "fear_confidence"
    stepped = replace(at(Phase.WALK_RUN), step_backs=(DAY0,))
    plan = plan_for_day(library, make_profile(), stepped, DAY0, [])
    assert plan.snippet is not None
    assert plan.snippet.topic == "pain_signals"


def test_snippet_not_repeated_until_topic_pool_used(library: Library) -> None:
    poor_sleep = [DayRecord(DAY0 - timedelta(days=1), replace(CLEAN, sleep_hours=5))]
    seen: list[str] = []
    for _ in range(3):
        plan = plan_for_day(library, make_profile(), at(Phase.WALK_RUN), DAY0, poor_sleep, seen)
        assert plan.snippet is not None
        seen.append(plan.snippet.id)
    assert seen[:2] == ["sleep-1", "sleep-2"]
    assert len(set(seen)) == 3  # the third is another unseen snippet, not a repeat


def held(reason: HoldReason, from_phase: Phase, stage: int) -> RehabState:
    return replace(at(Phase.HOLD, stage), hold_reason=reason, held_since=DAY0, held_from=from_phase)


def test_gate_hold_keeps_the_tolerated_session_without_progressing(library: Library) -> None:
    profile = make_profile(site=Site.NAVICULAR)
    waiting = held(HoldReason.IMPACT_GATE, Phase.WALK_STRENGTH, 5)
    days = [plan_for_day(library, profile, waiting, DAY0 + timedelta(days=i), []) for i in range(4)]
    sessions = [p.session for p in days if not p.is_rest_day]
    assert sessions, "a gate hold must not turn every day into a rest day"
    for session in sessions:
        assert session is not None
        assert (session.phase, session.stage, session.kind) == (
            Phase.WALK_STRENGTH,
            5,
            ActivityKind.WALK,
        )


def test_no_loading_hold_has_no_graded_session(library: Library) -> None:
    flagged = replace(
        held(HoldReason.RED_FLAG, Phase.WALK_RUN, 3), hold_flags=("cannot_bear_weight",)
    )
    plan = plan_for_day(library, make_profile(), flagged, DAY0, [])
    assert plan.session is None
    assert plan.is_rest_day
    assert plan.cross_training


def test_the_closing_safety_line_varies_from_day_to_day(library: Library) -> None:
    """The same caution every day, not the same sentence: no two days in a row alike, and
    every wording is the phase's own."""
    lines = [
        plan_for_day(
            library, make_profile(), at(Phase.WALK_RUN, 3), DAY0 + timedelta(days=d), []
        ).safety_line
        for d in range(6)
    ]
    wordings = library.safety.messages["safety_line.walk_run"].choices
    assert all(line in wordings for line in lines)
    assert all(a != b for a, b in pairwise(lines))
    assert len(set(lines)) == len(wordings) >= 3
