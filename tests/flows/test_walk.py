"""The pure questionnaire walk (flows/questionnaire/walk.py) on the real check-in forms:
what is skipped, what the engine receives, red flags ending a check-in, multi-select
ticks, and properties: every red flag still reachable, the simulator's timelines unchanged
by the shorter forms."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.library.loader import Library
from flows.library.schema import Condition, Question, Questionnaire
from flows.phases import Phase
from flows.questionnaire import walk
from flows.questionnaire.due import self_tests_due
from flows.reasons import RedFlag
from flows.rules.safety import red_flags
from flows.simulator import load_scenario, simulate, through_forms
from flows.state import RehabState

SCENARIOS = Path(__file__).resolve().parents[2] / "docs" / "scenarios"
STABLE = DailyCheckIn(
    night_pain=False,
    next_morning_pain=0,
    pain_rest=0,
    sleep_quality=8,
    sleep_hours=8,
    fear=1,
    session=SessionResult.DONE,
    pain_during=0,
    pain_after=0,
    pain_walking=0,
    limp=False,
    swelling=False,
    groin_pain=False,
    new_site_pain=False,
    cannot_bear_weight=False,
    note=None,
)
SESSION_DAY = {"phase": "walk_run", "planned_session": True}
REST_DAY = {"phase": "walk_run", "planned_session": False}


def form(library: Library, name: str) -> Questionnaire:
    return library.questionnaires.questionnaires[name]


def ids(questions: Any) -> list[str]:
    return [q.id for q in questions]


def run(library: Library, name: str, context: dict[str, Any], day: DailyCheckIn) -> Any:
    if name == "weekly":  # the confidence ratings sum into readiness: rate each 50
        return _weekly(library, context, day)
    return walk.walk_through(form(library, name), context, day, library.protocol)


def _weekly(library: Library, context: dict[str, Any], day: DailyCheckIn) -> Any:
    weekly = form(library, "weekly")
    current = walk.start(weekly, context)
    asked = []
    while not current.complete:
        assert current.question is not None
        asked.append(current.question)
        if current.question.sum_into:
            answer: Any = 50
        else:
            answer = walk.answer_for(current.question, day)
        current = walk.step(weekly, current.state, answer, library.protocol)
    got = walk.checkin_from_answers(weekly, current.state.answers)
    return got, asked, current.red_flags


# --------------------------------------------------------------------------- skipping


def test_stable_morning_asks_four_questions(library: Library) -> None:
    got, asked, flags = run(library, "morning", {"phase": "walk_run", "evening_due": True}, STABLE)
    assert ids(asked) == ["night_pain", "next_morning_pain", "sleep_quality", "fear"]
    assert not flags
    # No pain on getting up records no pain at rest: the engine sees the same day.
    assert got.pain_rest == 0
    assert got.sleep_hours is None  # a good night: hours not asked


def test_a_morning_without_an_evening_carries_the_safety_screen(library: Library) -> None:
    # Maintenance (or the light weekly check): no evening check-in, so the morning asks it.
    context = {"phase": "maintenance", "evening_due": False}
    got, asked, flags = run(library, "morning", context, STABLE)
    assert ids(asked) == [
        "night_pain",
        "next_morning_pain",
        "pain_walking",
        "warning_signs",
        "sleep_quality",
        "fear",
    ]
    assert not flags
    assert got.limp is False
    assert got.pain_walking == 0
    _, asked, flags = run(library, "morning", context, replace(STABLE, swelling=True))
    assert flags == (RedFlag.SWELLING,)
    assert ids(asked)[-1] == "warning_signs"  # the check-in ends there


def test_morning_pain_asks_rest_pain_and_a_poor_night_asks_hours(library: Library) -> None:
    day = replace(STABLE, next_morning_pain=2, pain_rest=1, sleep_quality=4, sleep_hours=6)
    got, asked, _ = run(library, "morning", {"phase": "walk_run"}, day)
    assert ids(asked) == [
        "night_pain",
        "next_morning_pain",
        "pain_rest",
        "sleep_quality",
        "sleep_hours",
        "fear",
    ]
    assert (got.pain_rest, got.sleep_hours) == (1, 6)


def test_stable_evening_after_a_session_asks_at_most_six(library: Library) -> None:
    got, asked, flags = run(library, "evening", SESSION_DAY, STABLE)
    assert ids(asked) == [
        "session",
        "pain_during",
        "pain_after",
        "pain_walking",
        "warning_signs",
        "note",
    ]
    assert not flags
    # Pain 0 during the session: no build-up, nothing sharp (recorded, not asked).
    assert (got.pain_building, got.pain_sharp) == (False, False)
    assert (got.limp, got.cannot_bear_weight) == (False, False)


def test_rest_day_or_hold_asks_no_session_questions(library: Library) -> None:
    got, asked, _ = run(library, "evening", REST_DAY, STABLE)
    assert ids(asked) == ["pain_walking", "warning_signs", "note"]
    assert got.session is None
    assert got.pain_building is None  # not asked because no session, not "no build-up"


def test_pain_during_a_session_asks_build_up_and_sharpness(library: Library) -> None:
    day = replace(STABLE, pain_during=3, pain_building=True, pain_sharp=False)
    got, asked, _ = run(library, "evening", SESSION_DAY, day)
    assert "pain_building" in ids(asked)
    assert "pain_sharp" in ids(asked)
    assert got.pain_building is True


def test_self_tests_only_when_due(library: Library) -> None:
    context = {**SESSION_DAY, "phase": "walk_strength"}
    due = {"walk_test_due": True, "heel_test_due": True, "hop_test_due": False}
    day = replace(STABLE, walk_30min_pain_free=True, heel_raises=20)
    _, asked, _ = run(library, "evening", {**context, **due}, day)
    assert {"walk_30min_pain_free", "heel_raises"} <= set(ids(asked))
    not_due = {"walk_test_due": False, "heel_test_due": False, "hop_test_due": False}
    _, asked, _ = run(library, "evening", {**context, **not_due}, day)
    assert not {"walk_30min_pain_free", "heel_raises"} & set(ids(asked))


def test_a_test_is_due_until_passed_in_the_phase(library: Library) -> None:
    start = _day(0)
    state = RehabState(Phase.WALK_STRENGTH, 1, start, start)
    assert self_tests_due(library.protocol, state, [])["walk_test_due"]
    passed = [DayRecord(_day(1), replace(STABLE, walk_30min_pain_free=True, heel_raises=30))]
    due = self_tests_due(library.protocol, state, passed)
    assert due == {"walk_test_due": False, "heel_test_due": False, "hop_test_due": False}
    weak = [DayRecord(_day(1), replace(STABLE, heel_raises=10))]
    assert self_tests_due(library.protocol, state, weak)["heel_test_due"]
    held = replace(state, phase=Phase.HOLD, held_from=Phase.WALK_STRENGTH)
    assert not any(self_tests_due(library.protocol, held, []).values())


def _day(n: int) -> date:
    return date(2026, 3, 2) + timedelta(days=n)


# --------------------------------------------------------------------------- multi-select


def test_a_ticked_red_flag_ends_the_walk_at_once(library: Library) -> None:
    evening = form(library, "evening")
    current = walk.start(evening, REST_DAY)
    assert current.question is not None
    assert current.question.id == "pain_walking"
    current = walk.step(evening, current.state, 0, library.protocol)
    assert current.question is not None
    assert current.question.id == "warning_signs"
    state = walk.toggle(evening, current.state, "limp", True)
    state = walk.toggle(evening, state, "limp", True)  # a double tap changes nothing
    state = walk.toggle(evening, state, "swelling", True)
    state = walk.toggle(evening, state, "swelling", False)
    assert state.ticked == ("limp",)
    done = walk.step(evening, state, list(state.ticked), library.protocol)
    assert done.complete
    assert done.red_flags == (RedFlag.LIMP,)
    assert walk.checkin_from_answers(evening, done.state.answers).limp is True


def test_none_of_these_moves_on_and_records_every_sign_false(library: Library) -> None:
    evening = form(library, "evening")
    current = walk.step(evening, walk.start(evening, REST_DAY).state, 0, library.protocol)
    after = walk.step(evening, current.state, [], library.protocol)
    assert after.question is not None
    assert after.question.id == "note"
    assert not after.red_flags
    got = walk.checkin_from_answers(evening, after.state.answers)
    assert (got.limp, got.swelling, got.groin_pain, got.new_site_pain) == (False,) * 4
    assert got.cannot_bear_weight is False


def test_the_walk_refuses_what_is_not_asked(library: Library) -> None:
    evening = form(library, "evening")
    first = walk.start(evening, REST_DAY)
    with pytest.raises(ValueError, match="multi-select"):
        walk.toggle(evening, first.state, "limp", True)  # pain_walking is waiting
    screen = walk.step(evening, first.state, 0)
    with pytest.raises(ValueError, match="not options"):
        walk.step(evening, screen.state, ["elbow"])
    finished = walk.step(evening, walk.step(evening, screen.state, []).state, None)
    assert finished.complete
    with pytest.raises(ValueError, match="complete"):
        walk.step(evening, finished.state, 1)


def test_follow_ups_only_for_what_was_ticked() -> None:
    screen = Question.model_validate(
        {
            "id": "signs",
            "type": "multi",
            "text": "Any of these?",
            "options": [
                {"value": "limp", "label": "Limp", "maps_to": "limp"},
                {"value": "tender", "label": "Tender", "maps_to": "tender"},
            ],
        }
    )
    follow = Question.model_validate(
        {
            "id": "tender_more",
            "type": "scale",
            "text": "How tender?",
            "ask_if": [{"answer": "signs", "includes": "tender"}],
        }
    )
    form_ = Questionnaire(title="t", questions=[screen, follow])
    asked = walk.step(form_, walk.start(form_).state, ["tender"])
    assert asked.question is not None
    assert asked.question.id == "tender_more"
    assert walk.step(form_, walk.start(form_).state, ["limp"]).question is None
    assert walk.step(form_, walk.start(form_).state, []).question is None


def test_conditions_have_exactly_one_test() -> None:
    with pytest.raises(ValidationError):
        Condition.model_validate({"answer": "x", "in": [1], "above": 0})
    with pytest.raises(ValidationError):
        Condition.model_validate({"answer": "x"})
    above = Condition.model_validate({"answer": "x", "above": 0})
    assert above.holds(1)
    assert not above.holds(0)
    assert not above.holds(None)
    assert not above.holds(True)  # a yes is not a number
    at_most = Condition.model_validate({"context": "x", "at_most": 5})
    assert at_most.holds(5)
    assert not at_most.holds(6)


def test_an_includes_condition_names_an_option_of_the_earlier_question() -> None:
    with pytest.raises(ValidationError, match="not an option"):
        Questionnaire.model_validate(
            {
                "title": "t",
                "questions": [
                    {
                        "id": "signs",
                        "type": "multi",
                        "text": "Any?",
                        "options": [
                            {"value": "a", "label": "A", "maps_to": "limp"},
                            {"value": "b", "label": "B", "maps_to": "swelling"},
                        ],
                    },
                    {
                        "id": "more",
                        "type": "scale",
                        "text": "More?",
                        "ask_if": [{"answer": "signs", "includes": "c"}],
                    },
                ],
            }
        )


# --------------------------------------------------------------------------- properties

#: Red flags the forms ask for, by the field that raises them. PAIN_TREND needs the
#: history (decided at the end of the check-in, tested in test_rules).
REACHABLE = {
    RedFlag.NIGHT_PAIN: {"night_pain": True},
    RedFlag.REST_PAIN: {"next_morning_pain": 5, "pain_rest": 6},
    RedFlag.WALKING_PAIN: {"pain_walking": 5},
    RedFlag.LIMP: {"limp": True},
    RedFlag.SWELLING: {"swelling": True},
    RedFlag.GROIN_PAIN: {"groin_pain": True},
    RedFlag.HIGH_RISK_PATTERN: {"high_risk_pattern": True},
    RedFlag.NEW_SITE: {"new_site_pain": True},
    RedFlag.CANNOT_BEAR_WEIGHT: {"cannot_bear_weight": True},
    RedFlag.REDS_SIGNS: {"reds_signs": True},
}


def test_every_red_flag_is_known_here() -> None:
    assert set(REACHABLE) | {RedFlag.PAIN_TREND} == set(RedFlag)


@pytest.mark.parametrize("flag", sorted(REACHABLE), ids=str)
def test_every_red_flag_is_reachable_without_an_evening(library: Library, flag: RedFlag) -> None:
    """With no evening check-in (maintenance): the morning carries the walking pain and the
    safety screen."""
    day = replace(STABLE, **REACHABLE[flag])
    context = {"phase": "maintenance", "planned_session": True, "evening_due": False}
    raised: set[RedFlag] = set()
    for name in ("morning", "weekly"):
        _, _, flags = run(library, name, context, day)
        raised.update(flags)
    assert flag in raised


@pytest.mark.parametrize("flag", list(REACHABLE), ids=str)
@pytest.mark.parametrize("planned", [True, False], ids=["session", "rest"])
def test_every_red_flag_is_reachable_and_ends_its_check_in(
    library: Library, flag: RedFlag, planned: bool
) -> None:
    day = replace(STABLE, **REACHABLE[flag])
    context = {"phase": "walk_run", "planned_session": planned}
    raised: set[RedFlag] = set()
    for name in ("morning", "evening", "weekly"):
        _, _, flags = run(library, name, context, day)
        raised.update(flags)
    assert flag in raised


flag_fields = st.fixed_dictionaries(
    {
        "night_pain": st.booleans(),
        "limp": st.booleans(),
        "swelling": st.booleans(),
        "groin_pain": st.booleans(),
        "new_site_pain": st.booleans(),
        "cannot_bear_weight": st.booleans(),
        "pain_walking": st.integers(0, 10),
        "next_morning_pain": st.integers(0, 10),
        "pain_during": st.integers(0, 10),
        "pain_after": st.integers(0, 10),
        "pain_building": st.booleans(),
        "pain_sharp": st.booleans(),
    }
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=flag_fields,
    rest=st.integers(0, 10),
    planned=st.booleans(),
    phase=st.sampled_from([Phase.PROTECT, Phase.WALK_STRENGTH, Phase.WALK_RUN]),
)
def test_the_short_forms_escalate_whenever_the_long_ones_did(
    library: Library, values: dict[str, Any], rest: int, planned: bool, phase: Phase
) -> None:
    # The one assumption of the short morning: no pain on getting up, no pain at rest.
    day = replace(STABLE, **values, pain_rest=rest if values["next_morning_pain"] else 0)
    if not planned:
        day = replace(day, session=None, pain_during=None, pain_after=None)
        day = replace(day, pain_building=None, pain_sharp=None)
    context = {"phase": phase.value, "planned_session": planned}
    full = {f for f in red_flags(library.protocol, phase, day) if f is not RedFlag.PAIN_TREND}
    got, _ = through_forms(library, day, context)
    short = set(red_flags(library.protocol, phase, got))
    # Every flag of the long form is raised, or the check-in ended earlier on another.
    assert bool(short) == bool(full)
    assert short <= full
    if full:
        flags: set[RedFlag] = set()
        for name in ("morning", "evening"):
            _, _, ended = run(library, name, context, day)
            flags.update(ended)
        assert flags  # the walk itself stopped on a red flag (escalation in the reply)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_timelines_unchanged_by_the_short_forms(library: Library, path: Path) -> None:
    scenario = load_scenario(path)
    long = simulate(library, scenario)
    short = simulate(library, scenario, adaptive_forms=True)
    assert short.rows == long.rows
    assert short.phase_entered == long.phase_entered
