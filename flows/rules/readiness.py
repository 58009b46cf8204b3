"""Return-to-sport readiness checklist (FACTS §9): which items are met, from history.

`CHECKS` names every check a checklist item may use; gating checks must all pass before
`run_build` is left for `return_to_sport`. Advisory checks are shown but never gate
(the engine cannot measure limb symmetry or footwear).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.library.schema import ProtocolFile
from flows.profile import AthleteProfile, ClearanceKind

#: check name -> whether it gates return to sport.
CHECKS: dict[str, bool] = {
    "clinician_clearance": True,
    "pain_free_daily": True,
    "symptom_free_running": True,
    "continuous_runs": True,
    "impact_tolerance": True,
    "heel_raises": True,
    "psychological_readiness": True,
    "energy_availability": True,
    "advice_symmetry": False,
    "advice_risk_factors": False,
}


@dataclass(frozen=True, slots=True)
class ReadinessFacts:
    """What the checklist needs to know, gathered by the caller from state and history."""

    run_build_days_clean: int  # consecutive recent days in running phases, quiet mornings
    continuous_runs: int
    hop_test_passed: bool
    best_heel_raises: int
    latest_readiness: int | None
    mean_fear: float | None
    rts_clearance: bool
    reds_score: int


def gather(
    profile: AthleteProfile,
    protocol: ProtocolFile,
    days: Sequence[DayRecord],
    today: date,
    continuous_runs: int,
    hop_test_passed: bool,
) -> ReadinessFacts:
    """Facts for the checklist from the recent days (today's record included)."""
    g = protocol.gates
    clean = 0
    for rec in reversed(days):
        c = rec.checkin
        if (c.next_morning_pain or 0) > protocol.pain.morning_margin.value or c.night_pain:
            break
        clean += 1
    heel = max((r.checkin.heel_raises or 0 for r in days), default=0)
    readiness_since = today - timedelta(days=g.readiness_max_age_days.value)
    readiness = [
        r.checkin.readiness
        for r in days
        if r.checkin.readiness is not None and r.day >= readiness_since
    ]
    fear_since = today - timedelta(days=g.fear_window_days.value)
    fears = [r.checkin.fear for r in days if r.checkin.fear is not None and r.day > fear_since]
    return ReadinessFacts(
        run_build_days_clean=clean,
        continuous_runs=continuous_runs,
        hop_test_passed=hop_test_passed,
        best_heel_raises=heel,
        latest_readiness=readiness[-1] if readiness else None,
        mean_fear=sum(fears) / len(fears) if fears else None,
        rts_clearance=profile.has_clearance({ClearanceKind.RETURN_TO_SPORT}),
        reds_score=profile.reds.cra_points(profile.site),
    )


def evaluate(
    profile: AthleteProfile,
    protocol: ProtocolFile,
    facts: ReadinessFacts,
    recent: Sequence[DailyCheckIn],
) -> dict[str, bool]:
    """check name -> met, for every check in `CHECKS`."""
    g = protocol.gates
    pain_free = all(
        not c.night_pain
        and (c.pain_rest or 0) == 0
        and (c.pain_walking or 0) <= protocol.pain.walking_max.value
        and not c.tender
        for c in recent
    )
    readiness_ok = (
        facts.latest_readiness is not None
        and facts.latest_readiness >= g.readiness_min.value
        and (facts.mean_fear is None or facts.mean_fear <= g.fear_rts_max.value)
    )
    return {
        "clinician_clearance": facts.rts_clearance or not profile.needs_impact_clearance,
        "pain_free_daily": pain_free,
        "symptom_free_running": facts.run_build_days_clean >= g.rts_symptom_free_running_days.value,
        "continuous_runs": facts.continuous_runs >= g.continuous_runs_needed.value,
        "impact_tolerance": facts.hop_test_passed,
        "heel_raises": facts.best_heel_raises >= g.heel_raises_min.value,
        "psychological_readiness": readiness_ok,
        "energy_availability": facts.reds_score < protocol.reds.score_restrict.value,
        "advice_symmetry": True,
        "advice_risk_factors": True,
    }


def session_done(c: DailyCheckIn) -> bool:
    return c.session in (SessionResult.DONE, SessionResult.PARTIAL)
