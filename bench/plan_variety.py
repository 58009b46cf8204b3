"""Variety of the daily plan over a simulated programme (area: variety, issue 9 item 4).

Runs one clean athlete (every answer quiet, a session on every session day, clearances
given up front) through the real engine, renders every morning's plan with the real texts,
and prints: distinct cross-training options seen per phase (of those allowed), days until
every allowed option came round, the median characters of the cross-training block and of
the whole plan message, and how many different "stay" headlines were used.

    .venv/bin/python bench/plan_variety.py

Pure computation (no sandbox, no database): a few seconds.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from bot.rendering.plans import render_cross_training, render_plan
from bot.rendering.texts import Texts
from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.engine import decide, initial_state
from flows.injury import Grade, Site
from flows.library import load_library
from flows.phases import Phase
from flows.plan import plan_for_day
from flows.profile import AthleteProfile, Clearance, ClearanceKind, WeightBearing
from flows.reasons import Action

ROOT = Path(__file__).resolve().parents[1]
DAYS = 150


def main() -> None:
    library = load_library(ROOT / "content", "en")
    texts = Texts.from_entries({**library.coach.messages, **library.bot.messages})
    start = date(2026, 1, 5)
    profile = AthleteProfile(
        site=Site.POSTEROMEDIAL_TIBIA,
        grade=Grade.MRI2,
        diagnosis_date=start,
        weight_bearing=WeightBearing.FULL,
        weekly_volume_km=40,
        clearances=(
            Clearance(start, ClearanceKind.IMPACT),
            Clearance(start, ClearanceKind.RETURN_TO_SPORT),
        ),
    )
    state = initial_state(profile, start)
    history: list[DayRecord] = []
    seen: dict[Phase, set[str]] = defaultdict(set)
    allowed: dict[Phase, set[str]] = defaultdict(set)
    first_day: dict[Phase, int] = {}
    covered_on: dict[Phase, int] = {}
    block_chars: list[int] = []
    plan_chars: list[int] = []
    stays: list[str] = []
    for n in range(DAYS):
        today = start + timedelta(days=n)
        yesterday_session = bool(history) and history[-1].checkin.session is SessionResult.DONE
        checkin = DailyCheckIn(
            pain_rest=0,
            pain_walking=0,
            night_pain=False,
            next_morning_pain=0,
            sleep_hours=8,
            sleep_quality=7,
            fear=1,
            readiness=55,
            walk_30min_pain_free=True,
            heel_raises=30,
            hop_test_pain_free=True,
        )
        decision = decide(library, profile, state, checkin, history, today)
        state = decision.new_state
        if decision.action is Action.REPEAT:
            stays.append(decision.explanation.split("\n")[0])
        plan = plan_for_day(library, profile, state, today, history)
        phase = plan.phase
        first_day.setdefault(phase, n)
        allowed[phase] |= {o.id for o in plan.cross_training}
        seen[phase] |= {o.id for o in plan.cross_training_today}
        if phase not in covered_on and allowed[phase] <= seen[phase]:
            covered_on[phase] = n - first_day[phase] + 1
        block_chars.append(len(render_cross_training(plan, texts)))
        plan_chars.append(len(render_plan(plan, texts)))
        session = (
            SessionResult.DONE
            if plan.session is not None and not plan.is_rest_day and not yesterday_session
            else None
        )
        done = DailyCheckIn.from_dict(
            {
                **checkin.to_dict(),
                "session": session.value if session else None,
                "pain_during": 0 if session else None,
                "pain_after": 0 if session else None,
            }
        )
        history.append(DayRecord(today, done))
    print(f"{DAYS} simulated days, one clean athlete (posteromedial tibia, MRI 2, 40 km/week)")
    print(f"{'phase':18} {'days':>5} {'allowed':>8} {'offered':>8} {'all offered after':>18}")
    phases = list(first_day)
    for i, phase in enumerate(phases):
        end = first_day[phases[i + 1]] if i + 1 < len(phases) else DAYS
        print(
            f"{phase.value:18} {end - first_day[phase]:>5} {len(allowed[phase]):>8} "
            f"{len(seen[phase]):>8} {covered_on.get(phase, '-')!s:>13} days"
        )
    block = statistics.median(block_chars)
    print(f"cross-training block: median {block:.0f} chars, max {max(block_chars)}")
    whole = statistics.median(plan_chars)
    print(f"whole plan message: median {whole:.0f} chars, max {max(plan_chars)}")
    most = max((stays.count(s) for s in set(stays)), default=0)
    print(f"'stay' decisions: {len(stays)}, distinct headlines: {len(set(stays))}, top {most}x")


if __name__ == "__main__":
    main()
