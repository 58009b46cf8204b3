"""Simulator: scenarios, calibration against published ranges, stable JSON, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from flows.library.loader import Library
from flows.phases import MAIN_LINE, Phase
from flows.simulator import ScenarioError, load_scenario, parse_scenario, simulate

SCENARIOS = Path(__file__).resolve().parents[2] / "docs" / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))


def run(library: Library, name: str):  # type: ignore[no-untyped-def]
    return simulate(library, load_scenario(SCENARIOS / f"{name}.yaml"))


def test_required_scenarios_exist() -> None:
    names = {p.stem for p in FILES}
    assert {
        "clean-tibia",
        "clean-fibula",
        "navicular-cleared",
        "navicular-no-clearance",
        "femoral-neck",
        "flare-up",
        "night-pain",
    } <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenarios_run_and_are_deterministic(library: Library, path: Path) -> None:
    scenario = load_scenario(path)
    first, second = simulate(library, scenario), simulate(library, scenario)
    assert first.to_json() == second.to_json()
    assert len(first.rows) == scenario.days


@pytest.mark.parametrize(
    "name", ["clean-tibia", "clean-fibula", "navicular-cleared", "femoral-neck"]
)
def test_clean_scenarios_inside_published_windows(library: Library, name: str) -> None:
    result = run(library, name)
    days = result.return_to_sport_days_from_diagnosis
    run_days = result.from_diagnosis(result.run_restart_day)
    assert days is not None, "a clean trajectory must reach return to sport"
    assert run_days is not None
    assert result.windows is not None
    full, running = result.windows.full_return, result.windows.run_restart
    assert full.min_days <= days <= full.max_days, f"{name}: {days} days, {full}"
    assert running.min_days <= run_days <= running.max_days, f"{name}: {run_days}, {running}"


def test_phases_entered_in_order(library: Library) -> None:
    result = run(library, "clean-tibia")
    days = [result.phase_entered[p] for p in MAIN_LINE if p in result.phase_entered]
    assert days == sorted(days)
    assert Phase.MAINTENANCE in result.phase_entered


def test_navicular_without_clearance_never_loads_impact(library: Library) -> None:
    result = run(library, "navicular-no-clearance")
    assert result.return_to_sport_day is None
    assert all(r.phase not in (Phase.IMPACT_PREP, Phase.WALK_RUN) for r in result.rows)
    assert result.rows[-1].phase is Phase.HOLD
    assert "awaiting_impact_clearance" in result.rows[-1].reasons


def test_flare_up_steps_back_and_recovers(library: Library) -> None:
    result = run(library, "flare-up")
    assert [r.action for r in result.rows].count("step_back") == 1
    assert result.return_to_sport_day is not None
    assert result.return_to_sport_day > run(library, "clean-tibia").return_to_sport_day
    # The projection from day 0 was the clean one; the step back moved the real day later.
    assert result.projected_return_to_sport is not None
    assert result.return_to_sport_day > result.projected_return_to_sport


def test_night_pain_holds_then_resumes_after_clearance(library: Library) -> None:
    result = run(library, "night-pain")
    row = result.rows[40]
    assert row.phase is Phase.HOLD
    assert "night_pain" in row.red_flags
    assert row.action == "refer"
    assert result.rows[46].phase is Phase.HOLD
    assert result.rows[47].phase is Phase.WALK_STRENGTH


def test_json_shape_is_stable(library: Library) -> None:
    data = run(library, "clean-fibula").to_json()
    assert list(data) == [
        "version",
        "scenario",
        "diagnosis_offset",
        "run_restart_day",
        "run_restart_days_from_diagnosis",
        "return_to_sport_day",
        "return_to_sport_days_from_diagnosis",
        "windows",
        "projected",
        "phase_entered",
        "timeline",
    ]
    assert data["version"] == 2
    assert data["run_restart_day"] == data["phase_entered"]["walk_run"]
    assert list(data["windows"]) == ["run_restart", "full_return"]
    assert list(data["windows"]["full_return"]) == ["min_days", "max_days", "source"]
    # A clean scenario does what a clean projection from day 0 says.
    assert data["projected"] == {
        "run_restart_day": data["run_restart_day"],
        "return_to_sport_day": data["return_to_sport_day"],
    }
    assert list(data["timeline"][0]) == [
        "day",
        "date",
        "phase",
        "stage",
        "action",
        "reasons",
        "red_flags",
        "plan",
    ]
    json.dumps(data)


def test_text_rendering_mentions_rts(library: Library) -> None:
    text = run(library, "clean-fibula").to_text()
    assert "Return to sport: day" in text
    assert "walk_run" in text


def test_bad_scenarios_are_refused() -> None:
    with pytest.raises(ScenarioError, match="missing key 'profile'"):
        parse_scenario({"days": 3})
    with pytest.raises(ScenarioError, match="unknown check-in fields"):
        parse_scenario({"days": 3, "profile": {"site": "fibula"}, "defaults": {"pian": 1}})
    with pytest.raises(ScenarioError, match="unknown site"):
        parse_scenario({"days": 3, "profile": {"site": "elbow"}})


def test_main_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], library: Library) -> None:
    from flows import simulator

    content = Path(__file__).resolve().parents[2] / "content"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        yaml.safe_dump({"name": "tiny", "days": 3, "profile": {"site": "fibula", "grade": "km1"}})
    )
    try:
        simulator.load_library(content)
    except Exception:
        pytest.skip("the complete content library does not load yet")
    assert simulator.main(["simulate", str(scenario), "--json"], content) == 0
    assert json.loads(capsys.readouterr().out)["scenario"] == "tiny"
    assert simulator.main([str(tmp_path / "missing.yaml")], content) == 2
    assert simulator.main([], content) == 2
