"""Decision wording: the daily "stay" varies from day to day (deterministically per athlete
and date), a move up names the new stage or phase and what changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

import pytest
from engine_helpers import CLEAN, DAY0, make_profile
from pydantic import ValidationError

from flows.checkin import DayRecord, SessionResult
from flows.engine import decide
from flows.injury import Site
from flows.library.loader import Library
from flows.library.schema import Message
from flows.phases import Phase
from flows.reasons import Action, Reason
from flows.state import RehabState
from flows.variety import pick

DONE = replace(CLEAN, session=SessionResult.DONE, pain_during=0, pain_after=0)


def headline(explanation: str) -> str:
    return explanation.split("\n")[0]


def protect(entered: int) -> RehabState:
    start = DAY0 - timedelta(days=entered)
    return RehabState(phase=Phase.PROTECT, stage=1, phase_entered=start, stage_entered=start)


def test_the_daily_stay_varies_and_never_repeats_the_day_before(library: Library) -> None:
    profile = make_profile(diagnosis=DAY0)
    lines = []
    for i in range(14):
        today = DAY0 + timedelta(days=i)
        history = [DayRecord(today - timedelta(days=1), CLEAN)]
        d = decide(library, profile, protect(0), CLEAN, history, today)
        assert d.action is Action.REPEAT
        lines.append(headline(d.explanation))
    assert len(set(lines)) == len(library.decisions.messages["action.repeat"].choices) >= 5
    assert all(a != b for a, b in pairwise(lines))
    assert all("same step" in line.lower() for line in lines)


def test_a_morning_and_evening_on_the_same_step_never_read_alike(library: Library) -> None:
    """Two decisions a day (the evening's is turn 1): over two weeks, no message reads like
    the one before it, the evening's like the morning's, nor the next morning's like it."""
    profile = make_profile(diagnosis=DAY0)
    said = []
    for i in range(14):
        today = DAY0 + timedelta(days=i)
        history = [DayRecord(today - timedelta(days=1), CLEAN)]
        for turn in (0, 1):
            d = decide(library, profile, protect(0), CLEAN, history, today, turn)
            assert d.action is Action.REPEAT
            said.append(headline(d.explanation))
    assert all(a != b for a, b in pairwise(said))
    # Mornings alone still step through the list day by day, as before.
    mornings = said[::2]
    assert len(set(mornings)) == len(library.decisions.messages["action.repeat"].choices)


def test_pick_turns_differ_from_the_days_first_and_the_next_days_first() -> None:
    for options in (["a", "b"], ["a", "b", "c"], ["a", "b", "c", "d", "e", "f"]):
        for day in range(10):
            today = DAY0 + timedelta(days=day)
            first, second = pick(options, 7, today), pick(options, 7, today, turn=1)
            assert first != second, (options, day)
            if len(options) > 2:
                assert second != pick(options, 7, today + timedelta(days=1)), (options, day)
    assert pick(["only"], 7, DAY0, turn=1) == "only"


def test_wording_is_deterministic_per_athlete_and_day(library: Library) -> None:
    ann = make_profile(diagnosis=DAY0)
    bob = make_profile(site=Site.FIBULA, diagnosis=DAY0 - timedelta(days=3))
    again = [decide(library, ann, protect(0), CLEAN, [], DAY0).explanation for _ in range(3)]
    assert len(set(again)) == 1
    week_a = [
        headline(decide(library, ann, protect(0), CLEAN, [], DAY0 + timedelta(days=i)).explanation)
        for i in range(6)
    ]
    week_b = [
        headline(decide(library, bob, protect(0), CLEAN, [], DAY0 + timedelta(days=i)).explanation)
        for i in range(6)
    ]
    assert week_a != week_b


def test_a_stage_move_names_the_new_step(library: Library) -> None:
    start = DAY0 - timedelta(days=4)
    state = RehabState(phase=Phase.WALK_RUN, stage=2, phase_entered=start, stage_entered=start)
    history = [
        DayRecord(DAY0 - timedelta(days=4), DONE),
        DayRecord(DAY0 - timedelta(days=3), CLEAN),
        DayRecord(DAY0 - timedelta(days=2), DONE),
        DayRecord(DAY0 - timedelta(days=1), CLEAN),
    ]
    d = decide(
        library, make_profile(diagnosis=DAY0 - timedelta(days=80)), state, CLEAN, history, DAY0
    )
    assert d.action is Action.ADVANCE
    assert d.reason_params[Reason.STAGE_COMPLETE] == {
        "stage": 3,
        "stages": 5,
        "title": "Walk 3 / jog 3, five times",
    }
    assert "step 3 of 5" in d.explanation.lower()
    assert "<b>Walk 3 / jog 3, five times</b>" in d.explanation


def test_a_phase_move_names_the_new_phase_and_what_changes(library: Library) -> None:
    profile = make_profile(diagnosis=DAY0 - timedelta(days=30))
    history = [DayRecord(DAY0 - timedelta(days=i), CLEAN) for i in range(10, 0, -1)]
    d = decide(library, profile, protect(30), CLEAN, history, DAY0)
    assert d.action is Action.ADVANCE
    assert d.new_state.phase is Phase.WALK_STRENGTH
    assert "New phase: <b>walking and strength</b>" in d.explanation
    assert "10 easy minutes" in d.explanation


def test_every_phase_one_can_move_up_into_is_named(library: Library) -> None:
    messages = library.decisions.messages
    for phase in [
        Phase.WALK_STRENGTH,
        Phase.IMPACT_PREP,
        Phase.WALK_RUN,
        Phase.RUN_BUILD,
        Phase.RETURN_TO_SPORT,
        Phase.MAINTENANCE,
    ]:
        assert f"moved_up.{phase.value}" in messages


def test_a_variant_must_use_the_same_placeholders() -> None:
    Message(text="You have {have}.", params=["have"], variants=["Now at {have}."])
    with pytest.raises(ValidationError, match="placeholders"):
        Message(text="You have {have}.", params=["have"], variants=["Now at {count}."])
    with pytest.raises(ValidationError):
        Message(text="Fine.", variants=["<b>unclosed"])
