"""Calibration grid: a clean run of every site class x grade against the published windows.

The clean run is the one athletes are shown (flows.milestones.project from the day of
diagnosis); docs/protocol-calibration.md's table is regenerated from the same function
(bench/calibration_table.py), so the page, the bot and this test cannot drift apart.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flows.calibration import SiteClass, cell_of, site_class
from flows.checkin import DayRecord
from flows.engine import decide, initial_state
from flows.injury import SITES, Grade, Severity, Site
from flows.library.loader import Library
from flows.milestones import (
    CLEAN_DAY,
    GRID_DIAGNOSIS,
    GRID_GRADES,
    GRID_SITES,
    GridCell,
    calibration_grid,
    project,
)
from flows.phases import IMPACT_PHASES, Phase
from flows.profile import AthleteProfile, WeightBearing

DX = GRID_DIAGNOSIS
CLASS_SITE = GRID_SITES
GRADES = list(GRID_GRADES)
#: Ordered classes: the low-risk ones before the high-risk ones at the same grade.
LOW_BEFORE_HIGH = [
    (SiteClass.LOW, SiteClass.HIGH),
    (SiteClass.TRABECULAR, SiteClass.HIGH),
    (SiteClass.LOW, SiteClass.HIGH_TRABECULAR),
    (SiteClass.TRABECULAR, SiteClass.HIGH_TRABECULAR),
]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocol-calibration.md"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "calibration_table.py"


def _profile(site: Site, grade: Grade) -> AthleteProfile:
    return AthleteProfile(
        site=site, grade=grade, diagnosis_date=DX, weight_bearing=WeightBearing.FULL
    )


@pytest.fixture(scope="module")
def cells(library: Library) -> list[GridCell]:
    return calibration_grid(library)


@pytest.fixture(scope="module")
def grid(cells: list[GridCell]) -> dict[tuple[SiteClass, Grade], tuple[int, int]]:
    """(site class, grade) -> (running restarts, full return), days from diagnosis."""
    out: dict[tuple[SiteClass, Grade], tuple[int, int]] = {}
    for cell in cells:
        assert cell.run_restart is not None, f"{cell}: running never restarts"
        assert cell.full_return is not None, f"{cell}: never returns"
        out[cell.site_class, cell.grade] = (cell.run_restart, cell.full_return)
    return out


def test_every_site_belongs_to_a_class_with_a_representative() -> None:
    assert {site_class(s) for s in SITES} == set(CLASS_SITE)
    for cls, site in CLASS_SITE.items():
        assert site_class(site) is cls


def test_grade_order_in_every_site_class(
    grid: dict[tuple[SiteClass, Grade], tuple[int, int]],
) -> None:
    """Grade 1 clearly shortest, grade 2 <= grade 3 (Kijowski: alike), fracture line
    longest, for both milestones."""
    for cls in CLASS_SITE:
        for i in (0, 1):
            g1, g2, g3, g4 = (grid[cls, g][i] for g in GRADES[:4])
            assert g1 < g2 <= g3 < g4, f"{cls} milestone {i}: {g1}, {g2}, {g3}, {g4}"
        # "Clearly": grade 1 returns at least two weeks before grade 2.
        assert grid[cls, Grade.MRI2][1] - grid[cls, Grade.MRI1][1] >= 14


def test_low_risk_before_high_risk_at_every_grade(
    grid: dict[tuple[SiteClass, Grade], tuple[int, int]],
) -> None:
    for low, high in LOW_BEFORE_HIGH:
        for grade in GRADES:
            assert grid[low, grade][1] < grid[high, grade][1], f"{low} vs {high}, {grade}"


def test_every_cell_inside_its_published_window(
    library: Library, grid: dict[tuple[SiteClass, Grade], tuple[int, int]]
) -> None:
    for (cls, grade), (run, full) in grid.items():
        cell = cell_of(library.protocol, _profile(CLASS_SITE[cls], grade))
        rw, fw = cell.run_restart, cell.full_return
        assert rw.min_days <= run <= rw.max_days, f"{cls} {grade}: running {run}, {rw}"
        assert fw.min_days <= full <= fw.max_days, f"{cls} {grade}: full return {full}, {fw}"


def test_kaeding_miller_grades_share_the_mri_cells(
    library: Library, grid: dict[tuple[SiteClass, Grade], tuple[int, int]]
) -> None:
    """KM I = grade 1, KM II = grade 2, KM III = fracture line (Miller: II and III close)."""
    for km, mri in ((Grade.KM1, Grade.MRI1), (Grade.KM2, Grade.MRI2), (Grade.KM3, Grade.MRI4)):
        profile = _profile(Site.FIBULA, km)
        proj = project(library, profile, initial_state(profile, DX), [], DX)
        assert proj.full_return is not None
        assert (proj.full_return - DX).days == grid[SiteClass.LOW, mri][1]


def _gated_sites() -> list[Site]:
    return [s for s in Site if site_class(s) is not SiteClass.LOW]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    site=st.sampled_from(_gated_sites()) | st.sampled_from(list(Site)),
    grade=st.sampled_from(list(Grade)),
    offset=st.integers(0, 30),
)
def test_gated_sites_never_reach_impact_without_clearance(
    library: Library, site: Site, grade: Grade, offset: int
) -> None:
    """A high-risk or trabecular site (or a fracture-line or unknown grade anywhere),
    however clean its days, never enters an impact phase while no clinician clearance is
    recorded: it waits on a gate hold."""
    dx = DX - timedelta(days=offset)
    profile = AthleteProfile(
        site=site, grade=grade, diagnosis_date=dx, weight_bearing=WeightBearing.FULL
    )
    assume(profile.needs_impact_clearance)
    state = initial_state(profile, DX)
    history: list[DayRecord] = []
    for n in range(150):
        today = DX + timedelta(days=n)
        decision = decide(library, profile, state, CLEAN_DAY, history, today)
        state = decision.new_state
        history.append(DayRecord(today, CLEAN_DAY))
        assert state.phase not in IMPACT_PHASES, f"{site} {grade} day {n}: {state.phase}"
    assert state.phase is Phase.HOLD


def test_unknown_grade_is_gated_like_a_fracture(library: Library) -> None:
    profile = _profile(Site.POSTEROMEDIAL_TIBIA, Grade.UNKNOWN)
    assert profile.severity is Severity.UNKNOWN
    assert profile.needs_impact_clearance


def test_docs_table_is_the_generated_one(library: Library, cells: list[GridCell]) -> None:
    """docs/protocol-calibration.md carries the table scripts/calibration_table.py prints
    (regenerate it with ``--write`` after a protocol change)."""
    spec = importlib.util.spec_from_file_location("calibration_table", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table = module.render_table(library, cells)
    assert table in DOCS.read_text(encoding="utf-8"), "run scripts/calibration_table.py --write"
