"""flows/symptoms.py: which text reads like a symptom or a question, the report in the
engine's vocabulary, and the engine's decision on it."""

from __future__ import annotations

from datetime import date

import pytest

from content import CONTENT_DIR
from flows.checkin import DailyCheckIn
from flows.engine import initial_state
from flows.injury import Grade, Site
from flows.library import Library, load_library
from flows.library.schema import QuestionType
from flows.phases import Phase
from flows.profile import AthleteProfile, WeightBearing
from flows.reasons import RedFlag
from flows.symptoms import (
    NEUTRAL_OPTIONS,
    QUESTIONNAIRE,
    SIGN_FIELDS,
    Conclusion,
    decide_report,
    reads_like_question,
    reads_like_symptom,
    report_checkin,
    report_flags,
)


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(CONTENT_DIR)


SYMPTOMS = [
    "my shin really hurts now and I'm limping",
    "my shin throbbed a bit in bed last night, is that ok?",
    "shin is sore",
    "it aches when I walk",
    "I can't put weight on it",
    "swollen ankle this morning",
    "Sharp pain on the run",
    "it’s hurting again",
    "felt a twinge at the end",
]
NOT_SYMPTOMS = [
    "hi",
    "thanks!",
    "no pain today, felt great",
    "pain-free walk",
    "nothing hurts",
    "did the session",
    "what's my plan",
    "ok",
]


@pytest.mark.parametrize("text", SYMPTOMS)
def test_reads_like_a_symptom(library: Library, text: str) -> None:
    assert reads_like_symptom(library.readings.symptom_words, text)


@pytest.mark.parametrize("text", NOT_SYMPTOMS)
def test_does_not_read_like_a_symptom(library: Library, text: str) -> None:
    assert not reads_like_symptom(library.readings.symptom_words, text)


def test_questions(library: Library) -> None:
    words = library.readings.symptom_words
    assert reads_like_question(words, "is that ok")
    assert reads_like_question(words, "Should I run tomorrow")
    assert reads_like_question(words, "when do I get to hop?")
    assert not reads_like_question(words, "felt fine today")


def test_report_options_name_warning_signs_or_nothing(library: Library) -> None:
    form = library.questionnaires.questionnaires[QUESTIONNAIRE]
    for question in form.questions:
        if question.type is QuestionType.CHOICE:
            for option in question.options:
                assert option.value in SIGN_FIELDS | NEUTRAL_OPTIONS, option.value
    # Every option that names a sign raises a red flag on its own, in every phase.
    signs = {o.value for q in form.questions for o in q.options if o.value in SIGN_FIELDS}
    signs |= {o.maps_to for q in form.questions for o in q.options if o.maps_to}
    assert {"limp", "high_risk_pattern", "new_site_pain"} <= signs
    for sign in signs:
        for phase in (Phase.PROTECT, Phase.WALK_RUN):
            report = DailyCheckIn.from_dict({sign: True})
            assert report_flags(library, phase, report), (sign, phase)


def test_report_checkin(library: Library) -> None:
    form = library.questionnaires.questionnaires[QUESTIONNAIRE]
    answers = {
        "symptom_where": "new_site_pain",
        "symptom_signs": ["limp"],
        "symptom_rest": 2,
        "symptom_walking": None,
    }
    assert report_checkin(form, answers) == DailyCheckIn(pain_rest=2, new_site_pain=True, limp=True)
    # Nothing ticked sets nothing (an unticked sign stays unknown: it clears no earlier one).
    assert report_checkin(form, {"symptom_where": "site", "symptom_signs": []}) == (DailyCheckIn())
    several = {"symptom_where": "site", "symptom_signs": ["limp", "swelling", "front_foot"]}
    assert report_checkin(form, several) == DailyCheckIn(
        limp=True, swelling=True, high_risk_pattern=True
    )
    # FACTS 4.4 item 4, asked on the report's screen as on the check-ins'.
    groin = {"symptom_where": "site", "symptom_signs": ["groin"]}
    assert report_checkin(form, groin) == DailyCheckIn(groin_pain=True)


PROFILE = AthleteProfile(
    site=Site.POSTEROMEDIAL_TIBIA,
    grade=Grade.MRI2,
    diagnosis_date=date(2026, 1, 1),
    weight_bearing=WeightBearing.FULL,
)
TODAY = date(2026, 3, 2)


def test_a_red_flag_holds_and_escalates(library: Library) -> None:
    state = initial_state(PROFILE, TODAY)
    outcome = decide_report(library, PROFILE, state, None, DailyCheckIn(limp=True), [], TODAY)
    assert outcome.conclusion is Conclusion.RED_FLAG
    assert outcome.decision is not None
    assert outcome.decision.red_flags == [RedFlag.LIMP]
    assert outcome.decision.new_state.phase is Phase.HOLD
    assert outcome.decision.escalation


def test_merged_with_the_days_answers(library: Library) -> None:
    """The morning's answers count: rest pain 1 this morning and walking pain 3 now."""
    state = initial_state(PROFILE, TODAY)
    morning = DailyCheckIn(pain_rest=1, night_pain=False)
    outcome = decide_report(library, PROFILE, state, morning, DailyCheckIn(pain_rest=3), [], TODAY)
    assert outcome.conclusion is Conclusion.RED_FLAG  # the report's 3 wins over the morning


def test_mild_pain_eases_and_nothing_changes_nothing(library: Library) -> None:
    state = initial_state(PROFILE, TODAY)
    eased = decide_report(library, PROFILE, state, None, DailyCheckIn(pain_rest=1), [], TODAY)
    assert eased.conclusion is Conclusion.EASED
    assert eased.decision is not None
    assert eased.decision.new_state.eased_until is not None
    calm = decide_report(
        library, PROFILE, state, None, DailyCheckIn(pain_rest=0, pain_walking=0), [], TODAY
    )
    assert calm.conclusion is Conclusion.NO_CHANGE
    assert calm.decision is None  # a report never moves anyone up
