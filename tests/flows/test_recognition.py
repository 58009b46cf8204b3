"""Recognition: a clean week is acknowledged once, specifically; the check-in streak counts
days checked in (rest and held days too), never sessions; targets in kilometres."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from engine_helpers import CLEAN, DAY0, make_profile

from flows.checkin import DayRecord, SessionResult
from flows.library.loader import Library
from flows.phases import Phase
from flows.plan import plan_for_day
from flows.recognition import CleanWeek, DayKept, checkin_streak, clean_week
from flows.state import RehabState

DONE = replace(CLEAN, session=SessionResult.DONE, pain_during=1, pain_after=0)
STATE = RehabState(
    phase=Phase.WALK_RUN, stage=2, phase_entered=DAY0 - timedelta(days=30), stage_entered=DAY0
)


def week(n: int, end: date = DAY0) -> list[DayRecord]:
    """`n` days ending at `end`, a session every other day."""
    return [
        DayRecord(end - timedelta(days=i), DONE if i % 2 == 0 else CLEAN)
        for i in range(n - 1, -1, -1)
    ]


def test_a_clean_week_is_acknowledged_on_its_seventh_day_only(library: Library) -> None:
    p = library.protocol
    days = week(7)
    assert clean_week(p, STATE, days, DAY0) == CleanWeek(weeks=1, sessions=4, max_pain=1)
    assert clean_week(p, STATE, days[:-1], DAY0 - timedelta(days=1)) is None
    assert clean_week(p, STATE, week(8, DAY0 + timedelta(days=1)), DAY0 + timedelta(days=1)) is None
    assert clean_week(p, STATE, week(14), DAY0) == CleanWeek(weeks=2, sessions=4, max_pain=1)


def test_a_sore_day_a_gap_or_a_step_back_restarts_the_week(library: Library) -> None:
    p = library.protocol
    sore = week(7)
    sore[3] = DayRecord(sore[3].day, replace(CLEAN, pain_walking=3))
    assert clean_week(p, STATE, sore, DAY0) is None
    gap = [r for r in week(8) if r.day != DAY0 - timedelta(days=3)]
    assert clean_week(p, STATE, gap, DAY0) is None
    stepped = replace(STATE, step_backs=(DAY0 - timedelta(days=2),))
    assert clean_week(p, stepped, week(7), DAY0) is None


def test_rest_and_held_weeks_count_as_clean_without_sessions(library: Library) -> None:
    quiet = [DayRecord(DAY0 - timedelta(days=i), CLEAN) for i in range(6, -1, -1)]
    found = clean_week(library.protocol, STATE, quiet, DAY0)
    assert found == CleanWeek(weeks=1, sessions=0, max_pain=0)


def test_the_plan_carries_the_acknowledgement(library: Library) -> None:
    plan = plan_for_day(library, make_profile(), STATE, DAY0, week(7))
    assert plan.clean_week is not None
    assert plan_for_day(library, make_profile(), STATE, DAY0, week(6)).clean_week is None


def test_streak_counts_days_checked_in_not_sessions() -> None:
    d = [DAY0 - timedelta(days=i) for i in range(6)]
    days = {
        d[5]: DayKept.KEPT,
        d[4]: DayKept.MISSED,
        d[3]: DayKept.KEPT,  # a rest day, checked in
        d[2]: DayKept.KEPT,  # a held day, checked in
        # d[1]: nothing due (paused): skipped, not broken
        d[0]: DayKept.OPEN,  # today, not answered yet
    }
    assert checkin_streak(days, DAY0) == 2
    assert checkin_streak({**days, d[0]: DayKept.KEPT}, DAY0) == 3
    assert checkin_streak({**days, d[1]: DayKept.OPEN}, DAY0) == 0  # yesterday left open
    assert checkin_streak({}, DAY0) == 0


def test_return_to_sport_targets_in_kilometres(library: Library) -> None:
    rts = RehabState(phase=Phase.RETURN_TO_SPORT, stage=1, phase_entered=DAY0, stage_entered=DAY0)
    plan = plan_for_day(library, make_profile(weekly_volume_km=40), rts, DAY0, [])
    assert plan.session is not None
    assert (plan.session.weekly_km, plan.session.usual_weekly_km) == (20.0, 40)
    small = plan_for_day(library, make_profile(weekly_volume_km=15), rts, DAY0, [])
    assert small.session is not None
    assert small.session.weekly_km == 7.5
    unknown = plan_for_day(library, make_profile(), rts, DAY0, [])
    assert unknown.session is not None
    assert unknown.session.weekly_km is None


def test_return_to_sport_targets_in_miles(library: Library) -> None:
    """An athlete who gave "25 miles" (stored as 40.2 km) reads miles: 12 of 25 (whole
    units from 10, as for km)."""
    rts = RehabState(phase=Phase.RETURN_TO_SPORT, stage=1, phase_entered=DAY0, stage_entered=DAY0)
    profile = make_profile(weekly_volume_km=40.2, distance_unit="mi")
    plan = plan_for_day(library, profile, rts, DAY0, [])
    assert plan.session is not None
    assert plan.session.distance_unit == "mi"
    assert (plan.session.weekly_distance, plan.session.usual_distance) == (12.0, 25.0)
    km = plan_for_day(library, make_profile(weekly_volume_km=40), rts, DAY0, [])
    assert km.session is not None
    assert (km.session.distance_unit, km.session.weekly_distance) == ("km", 20.0)
