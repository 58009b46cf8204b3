"""Simulator: a scripted athlete lives through days of check-ins through the real engine.

A scenario (YAML, documented in docs/simulator.md) gives a profile, a number of days,
default daily answers in the engine's symptom vocabulary, per-day overrides, clinician
clearances and pause/resume actions by day number. Each day the simulator asks the same
`plan_for_day` the bot uses, answers the check-in (session answers only on session days),
calls the same `decide`, and records a timeline row. Pure and deterministic: the same
scenario always gives the same timeline.

CLI: ``remodel simulate SCENARIO.yaml [--json]`` delegates to `main(argv, library_root)`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from flows.cadence import EVENING, due_slots
from flows.calibration import cell_of
from flows.checkin import DailyCheckIn, DayRecord
from flows.clearances import apply_clearance
from flows.engine import decide, initial_state, pause, resume
from flows.injury import parse_grade, parse_site
from flows.library.loader import ContentError, Library, load_library
from flows.library.schema import CalibrationRange
from flows.milestones import project
from flows.phases import MAIN_LINE, Phase
from flows.plan import plan_for_day
from flows.profile import (
    AthleteProfile,
    Clearance,
    ClearanceKind,
    Periods,
    RedsScreen,
    WeightBearing,
)
from flows.questionnaire.due import self_tests_due
from flows.questionnaire.walk import walk_through
from flows.state import RehabState

DEFAULT_START = date(2025, 1, 6)
_SESSION_FIELDS = (
    "session",
    "pain_during",
    "pain_after",
    "pain_building",
    "pain_sharp",
    "gait_changed",
)
#: Version 2 added the run-restart day, the published windows and the clean projection.
JSON_VERSION = 2


class ScenarioError(ValueError):
    """The scenario file is not valid; the message names the problem."""


@dataclass(frozen=True)
class Scenario:
    name: str
    profile: AthleteProfile
    start: date
    days: int
    defaults: DailyCheckIn
    overrides: dict[int, DailyCheckIn] = field(default_factory=dict)
    clearances: dict[int, list[Clearance]] = field(default_factory=dict)
    actions: dict[int, str] = field(default_factory=dict)  # "pause" | "resume"


@dataclass(frozen=True)
class TimelineRow:
    day: int
    date: date
    phase: Phase
    stage: int
    action: str
    reasons: list[str]
    red_flags: list[str]
    plan: str


@dataclass(frozen=True)
class SimulationResult:
    scenario: str
    rows: list[TimelineRow]
    phase_entered: dict[Phase, int]  # first simulation day each phase was entered
    diagnosis_offset: int  # days from diagnosis to simulation day 0
    windows: CalibrationRange | None = None  # the published windows of the scenario's cell
    #: A clean run's milestones from day 0 (simulation days): what the athlete is told on
    #: the first day, before anything happens.
    projected_run_restart: int | None = None
    projected_return_to_sport: int | None = None

    @property
    def run_restart_day(self) -> int | None:
        """The day the athlete entered walk_run (running restarts the next day)."""
        return self.phase_entered.get(Phase.WALK_RUN)

    @property
    def return_to_sport_day(self) -> int | None:
        return self.phase_entered.get(Phase.RETURN_TO_SPORT)

    def from_diagnosis(self, day: int | None) -> int | None:
        return None if day is None else day + self.diagnosis_offset

    @property
    def return_to_sport_days_from_diagnosis(self) -> int | None:
        return self.from_diagnosis(self.return_to_sport_day)

    def _windows_json(self) -> dict[str, Any] | None:
        if self.windows is None:
            return None
        return {
            part: {
                "min_days": window.min_days,
                "max_days": window.max_days,
                "source": window.source,
            }
            for part, window in (
                ("run_restart", self.windows.run_restart),
                ("full_return", self.windows.full_return),
            )
        }

    def to_json(self) -> dict[str, Any]:
        """The stable JSON rendering (docs/simulator.md, "JSON output")."""
        return {
            "version": JSON_VERSION,
            "scenario": self.scenario,
            "diagnosis_offset": self.diagnosis_offset,
            "run_restart_day": self.run_restart_day,
            "run_restart_days_from_diagnosis": self.from_diagnosis(self.run_restart_day),
            "return_to_sport_day": self.return_to_sport_day,
            "return_to_sport_days_from_diagnosis": self.return_to_sport_days_from_diagnosis,
            "windows": self._windows_json(),
            "projected": {
                "run_restart_day": self.projected_run_restart,
                "return_to_sport_day": self.projected_return_to_sport,
            },
            "phase_entered": {p.value: d for p, d in self.phase_entered.items()},
            "timeline": [
                {
                    "day": r.day,
                    "date": r.date.isoformat(),
                    "phase": r.phase.value,
                    "stage": r.stage,
                    "action": r.action,
                    "reasons": r.reasons,
                    "red_flags": r.red_flags,
                    "plan": r.plan,
                }
                for r in self.rows
            ],
        }

    def to_text(self) -> str:
        lines = [f"Scenario: {self.scenario}", ""]
        lines.append(f"{'day':>4}  {'phase':<16}{'stg':>3}  {'action':<10}reasons / plan")
        for r in self.rows:
            why = ",".join(r.reasons) or "-"
            if r.red_flags:
                why += " [red flags: " + ",".join(r.red_flags) + "]"
            lines.append(
                f"{r.day:>4}  {r.phase.value:<16}{r.stage:>3}  {r.action:<10}{why} | {r.plan}"
            )
        lines.append("")
        lines.append("Phase entered (simulation day):")
        for phase, day in self.phase_entered.items():
            lines.append(f"  {phase.value:<16} day {day}")
        run = self.from_diagnosis(self.run_restart_day)
        lines.append(
            "Running restarts: "
            + (
                f"day {self.run_restart_day} ({run} days after diagnosis)"
                if run is not None
                else "not reached"
            )
        )
        rts = self.return_to_sport_days_from_diagnosis
        lines.append(
            "Return to sport: "
            + (
                f"day {self.return_to_sport_day} ({rts} days after diagnosis)"
                if rts is not None
                else "not reached"
            )
        )
        if self.windows is not None:
            run_w, full_w = self.windows.run_restart, self.windows.full_return
            lines.append(
                f"Published windows (days after diagnosis): running {run_w.min_days}-"
                f"{run_w.max_days} [{run_w.source}], full return {full_w.min_days}-"
                f"{full_w.max_days} [{full_w.source}]"
            )
        return "\n".join(lines) + "\n"


def _checkin(data: Mapping[str, Any], where: str) -> DailyCheckIn:
    try:
        return DailyCheckIn.from_dict(dict(data))
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"{where}: {error}") from None


def _day_keys(key: Any, where: str) -> list[int]:
    """A day number, or a range '10-14' (inclusive)."""
    text = str(key)
    try:
        if "-" in text.strip("-"):
            lo, hi = text.split("-", 1)
            return list(range(int(lo), int(hi) + 1))
        return [int(text)]
    except ValueError:
        raise ScenarioError(f"{where}: {key!r} is not a day number or range") from None


def parse_scenario(data: Mapping[str, Any]) -> Scenario:
    """A `Scenario` from loaded YAML; ScenarioError naming the problem."""
    try:
        prof = data["profile"]
        start = data.get("start", DEFAULT_START)
        start = start if isinstance(start, date) else date.fromisoformat(str(start))
        offset = int(prof.get("diagnosed_days_before_start", 0))
        reds = prof.get("reds") or {}
        profile = AthleteProfile(
            site=parse_site(prof["site"]),
            grade=parse_grade(str(prof.get("grade", "unknown"))),
            diagnosis_date=start - timedelta(days=offset),
            sport=str(prof.get("sport", "running")),
            weekly_volume_km=prof.get("weekly_volume_km"),
            weight_bearing=WeightBearing(prof.get("weight_bearing", "full")),
            reds=RedsScreen(
                restriction=reds.get("restriction"),
                periods=Periods(reds["periods"]) if reds.get("periods") else None,
                weight_loss=reds.get("weight_loss"),
                previous_bsi=reds.get("previous_bsi"),
            ),
        )
        overrides: dict[int, DailyCheckIn] = {}
        for key, value in (data.get("overrides") or {}).items():
            for day in _day_keys(key, "overrides"):
                base = overrides.get(day, DailyCheckIn())
                overrides[day] = base.merge(_checkin(value, f"overrides[{key}]"))
        clearances: dict[int, list[Clearance]] = {}
        for key, value in (data.get("clearances") or {}).items():
            items = value if isinstance(value, list) else [value]
            for day in _day_keys(key, "clearances"):
                for item in items:
                    resume_phase = item.get("resume_phase")
                    clearances.setdefault(day, []).append(
                        Clearance(
                            day=start + timedelta(days=day),
                            kind=ClearanceKind(item["kind"]),
                            resume_phase=Phase(resume_phase) if resume_phase else None,
                            note=str(item.get("note", "")),
                        )
                    )
        actions = {int(k): str(v) for k, v in (data.get("actions") or {}).items()}
        for day, action in actions.items():
            if action not in ("pause", "resume"):
                raise ScenarioError(f"actions[{day}]: {action!r} is not pause or resume")
        return Scenario(
            name=str(data.get("name", "scenario")),
            profile=profile,
            start=start,
            days=int(data["days"]),
            defaults=_checkin(data.get("defaults") or {}, "defaults"),
            overrides=overrides,
            clearances=clearances,
            actions=actions,
        )
    except KeyError as error:
        raise ScenarioError(f"missing key {error.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError) as error:
        if isinstance(error, ScenarioError):
            raise
        raise ScenarioError(str(error)) from None


def load_scenario(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: {error}") from None
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{path}: the scenario must be a mapping")
    return parse_scenario(data)


def main_line_phase(state: RehabState) -> Phase:
    """The phase an athlete on hold or paused returns to (what check-ins are asked for)."""
    return state.held_from or state.paused_from or state.phase


def through_forms(
    library: Library, checkin: DailyCheckIn, context: Mapping[str, Any]
) -> tuple[DailyCheckIn, int]:
    """What the engine receives when an athlete whose day is ``checkin`` answers the
    adaptive morning and evening questionnaires (flows/questionnaire/walk.py), and how many
    questions were asked. Fields those forms do not ask (weekly readiness) pass unchanged."""
    forms = library.questionnaires.questionnaires
    asked_fields: set[str] = set()
    reduced = DailyCheckIn()
    count = 0
    for name in ("morning", "evening"):
        form = forms[name]
        for q in form.questions:
            asked_fields.update(o.maps_to for o in q.options if o.maps_to)
            if q.maps_to:
                asked_fields.add(q.maps_to)
        got, asked, _ = walk_through(form, context, checkin, library.protocol)
        reduced = reduced.merge(got)
        count += len(asked)
    rest = {k: v for k, v in checkin.to_dict().items() if k not in asked_fields}
    return reduced.merge(DailyCheckIn.from_dict(rest)), count


def simulate(
    library: Library, scenario: Scenario, *, adaptive_forms: bool = False
) -> SimulationResult:
    """Run the scenario day by day through `plan_for_day` and `decide`.

    With ``adaptive_forms``, each day's answers first go through the adaptive check-in
    questionnaires (`through_forms`), as the bot would receive them."""
    profile = scenario.profile
    state = initial_state(profile, scenario.start)
    history: list[DayRecord] = []
    rows: list[TimelineRow] = []
    shown: list[str] = []
    entered: dict[Phase, int] = {Phase.PROTECT: 0}
    for n in range(scenario.days):
        today = scenario.start + timedelta(days=n)
        for clearance in scenario.clearances.get(n, []):
            # As in the bot: a clearance acts the day it is recorded (flows.clearances).
            applied = apply_clearance(library, profile, state, clearance, history, today)
            profile, state = applied.profile, applied.state
        action = scenario.actions.get(n)
        if action == "pause":
            state = pause(state, today)
        elif action == "resume":
            state = resume(state, today)
        plan = plan_for_day(library, profile, state, today, history, shown)
        if plan.snippet is not None:
            shown.append(plan.snippet.id)
        checkin = scenario.defaults
        if plan.session is None or plan.is_rest_day:
            checkin = replace(checkin, **{f: None for f in _SESSION_FIELDS})
        override = scenario.overrides.get(n)
        if override is not None:
            checkin = checkin.merge(override)
        if adaptive_forms:
            context = {
                "phase": main_line_phase(state).value,
                "planned_session": plan.session is not None and not plan.is_rest_day,
                "evening_due": EVENING in due_slots(state.phase, None, weekly_day=False),
                **self_tests_due(library.protocol, state, history),
            }
            checkin, _ = through_forms(library, checkin, context)
        decision = decide(library, profile, state, checkin, history[-60:], today)
        state = decision.new_state
        history.append(DayRecord(today, checkin))
        if state.phase in MAIN_LINE and state.phase not in entered:
            entered[state.phase] = n
        rows.append(
            TimelineRow(
                day=n,
                date=today,
                phase=state.phase,
                stage=state.stage,
                action=decision.action.value,
                reasons=[r.value for r in decision.reasons],
                red_flags=[f.value for f in decision.red_flags],
                plan=plan.summary(),
            )
        )
    offset = (scenario.start - scenario.profile.diagnosis_date).days
    first = project(
        library,
        scenario.profile,
        initial_state(scenario.profile, scenario.start),
        [],
        scenario.start,
    )

    def sim_day(day: date | None) -> int | None:
        return None if day is None else (day - scenario.start).days

    return SimulationResult(
        scenario.name,
        rows,
        entered,
        offset,
        windows=cell_of(library.protocol, scenario.profile),
        projected_run_restart=sim_day(first.run_restart),
        projected_return_to_sport=sim_day(first.full_return),
    )


def main(argv: Sequence[str], library_root: Path) -> int:
    """`simulate SCENARIO.yaml [--json]`: print the timeline; 0 ok, 2 bad input."""
    args = list(argv)
    if args and args[0] == "simulate":
        args = args[1:]
    parser = argparse.ArgumentParser(
        prog="remodel simulate", description="Run a scripted athlete through the engine."
    )
    parser.add_argument("scenario", type=Path, help="scenario YAML (docs/simulator.md)")
    parser.add_argument("--json", action="store_true", help="print the stable JSON rendering")
    try:
        ns = parser.parse_args(args)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        library = load_library(library_root)
        scenario = load_scenario(ns.scenario)
    except (ContentError, ScenarioError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    result = simulate(library, scenario)
    if ns.json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(result.to_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], Path(__file__).resolve().parent.parent / "content"))
