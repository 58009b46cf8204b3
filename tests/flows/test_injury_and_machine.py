"""Injury model, phase machine, diagram freshness and state persistence."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import pytest
from engine_helpers import DAY0, make_profile

from flows.diagram import render_phases_page
from flows.engine import initial_state, pause, resume
from flows.injury import (
    SITES,
    BoneType,
    Grade,
    RiskClass,
    Severity,
    Site,
    needs_impact_clearance,
    parse_grade,
    parse_site,
    severity,
)
from flows.machine import PHASE_MACHINE, IllegalMove
from flows.phases import MAIN_LINE, Phase
from flows.state import HoldReason, RehabState

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_site_is_classified() -> None:
    assert set(SITES) == set(Site)
    high = {s for s, i in SITES.items() if i.risk is RiskClass.HIGH}
    assert {
        Site.FEMORAL_NECK,
        Site.ANTERIOR_TIBIA,
        Site.NAVICULAR,
        Site.METATARSAL_5_PROXIMAL,
        Site.MEDIAL_MALLEOLUS,
        Site.TALUS,
        Site.METATARSAL_2_BASE,
        Site.SESAMOID,
    } <= high
    assert SITES[Site.POSTEROMEDIAL_TIBIA].risk is RiskClass.LOW
    assert SITES[Site.FIBULA].risk is RiskClass.LOW
    trabecular = {s for s, i in SITES.items() if i.bone is BoneType.TRABECULAR}
    assert trabecular == {Site.FEMORAL_NECK, Site.SACRUM, Site.PELVIS, Site.CALCANEUS}


def test_site_values_fit_content_format_and_aliases() -> None:
    assert parse_site("mt5_proximal") is Site.METATARSAL_5_PROXIMAL
    assert parse_site("Fibula") is Site.FIBULA
    with pytest.raises(ValueError, match="unknown site"):
        parse_site("elbow")


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("km3", Grade.KM3),
        ("KM III", Grade.KM3),
        ("Kaeding-Miller II", Grade.KM2),
        ("mri2", Grade.MRI2),
        ("grade 4b", Grade.MRI4),
        ("4a", Grade.MRI3),
        ("unknown", Grade.UNKNOWN),
        ("not sure", Grade.UNKNOWN),
        ("grade II", Grade.KM2),
        ("kaeding 2", Grade.KM2),
        ("km 3", Grade.KM3),
        ("mri 1", Grade.MRI1),
        ("v", Grade.KM5),
    ],
)
def test_parse_grade(text: str, grade: Grade) -> None:
    assert parse_grade(text) is grade


@pytest.mark.parametrize("text", ["grade VI", "km 6", "mri 5", "grade 0", "elbow"])
def test_parse_grade_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="unknown grade"):
        parse_grade(text)


def test_severity_and_gating() -> None:
    assert severity(Grade.KM2) is Severity.MODERATE
    assert severity(Grade.MRI4) is Severity.FRACTURE
    assert not needs_impact_clearance(Site.POSTEROMEDIAL_TIBIA, Grade.MRI2)
    assert needs_impact_clearance(Site.POSTEROMEDIAL_TIBIA, Grade.KM3)  # fracture line
    assert needs_impact_clearance(Site.POSTEROMEDIAL_TIBIA, Grade.UNKNOWN)  # caution
    assert needs_impact_clearance(Site.NAVICULAR, Grade.KM1)  # high risk
    assert needs_impact_clearance(Site.SACRUM, Grade.MRI1)  # trabecular


def test_machine_main_line_and_side_states() -> None:
    for here, nxt in itertools.pairwise(MAIN_LINE):
        assert PHASE_MACHINE.fire(here, "advance") is nxt
        assert PHASE_MACHINE.fire(nxt, "step_back") is here
    for phase in MAIN_LINE:
        assert PHASE_MACHINE.fire(phase, "hold") is Phase.HOLD
        assert PHASE_MACHINE.fire(Phase.HOLD, f"release_to_{phase}") is phase
    with pytest.raises(IllegalMove):
        PHASE_MACHINE.fire(Phase.PROTECT, "step_back")
    with pytest.raises(IllegalMove):
        PHASE_MACHINE.fire(Phase.HOLD, "advance")
    assert not PHASE_MACHINE.can(Phase.MAINTENANCE, "advance")


def test_phases_doc_is_fresh() -> None:
    page = (DOCS / "phases.md").read_text(encoding="utf-8")
    assert page == render_phases_page(), (
        "docs/phases.md is stale: run `python -m flows.diagram > docs/phases.md`"
    )


def test_state_round_trips_by_name() -> None:
    state = RehabState(
        phase=Phase.HOLD,
        stage=3,
        phase_entered=DAY0,
        stage_entered=DAY0 + timedelta(days=2),
        paused_days=4,
        hold_reason=HoldReason.IMPACT_GATE,
        held_since=DAY0,
        held_from=Phase.WALK_STRENGTH,
        step_backs=(DAY0,),
        last_advance=DAY0,
    )
    data = state.to_dict()
    assert data["phase"] == "hold"
    assert data["held_from"] == "walk_strength"
    assert RehabState.from_dict(data) == state


def test_profile_round_trips() -> None:
    from flows.profile import AthleteProfile, Clearance, ClearanceKind, record_clearance

    profile = record_clearance(make_profile(), Clearance(DAY0, ClearanceKind.IMPACT, note="x"))
    assert AthleteProfile.from_dict(profile.to_dict()) == profile


def test_initial_state_counts_from_diagnosis() -> None:
    profile = make_profile(diagnosis=date(2025, 2, 1))
    state = initial_state(profile, date(2025, 2, 10))
    assert state.phase is Phase.PROTECT
    assert state.stage == 1
    assert state.active_days(date(2025, 2, 10)) == 9


def test_pause_stops_the_dwell_clock() -> None:
    state = initial_state(make_profile(), DAY0)
    paused = pause(state, DAY0 + timedelta(days=3))
    assert paused.phase is Phase.PAUSED
    assert paused.active_phase is Phase.PROTECT
    assert paused.active_days(DAY0 + timedelta(days=10)) == 3
    resumed = resume(paused, DAY0 + timedelta(days=10))
    assert resumed.phase is Phase.PROTECT
    assert resumed.active_days(DAY0 + timedelta(days=12)) == 5
