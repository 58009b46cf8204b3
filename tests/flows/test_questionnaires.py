"""Lenient answer parsing per question type, dialogue order and mapping onto the engine."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from flows.checkin import SessionResult
from flows.injury import Grade, Site
from flows.library.loader import Library
from flows.library.schema import Question, QuestionType
from flows.phases import Phase
from flows.profile import WeightBearing
from flows.questionnaire.answers import Parsed, Refusal, answer_from_option, parse_answer
from flows.questionnaire.flow import profile_from_answers, valid_zone_format
from flows.questionnaire.walk import (
    WalkState,
    checkin_from_answers,
    immediate_red_flags,
    start,
    step,
)
from flows.reasons import RedFlag


def q(library: Library, form: str, qid: str) -> Question:
    return next(x for x in library.questionnaires.questionnaires[form].questions if x.id == qid)


def parse(library: Library, form: str, qid: str, raw: str) -> Parsed | Refusal:
    return parse_answer(q(library, form, qid), raw, library.questionnaires, library.readings)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("3", 3),
        ("3/10", 3),
        ("three", 3),
        ("about 3", 3),
        ("~3", 3),
        ("3 out of 10", 3),
        (" 0 ", 0),
        ("no", 0),
        ("none", 0),
        ("2.5", 3),
        ("10", 10),
        ("Ten", 10),
    ],
)
def test_scale_lenient(library: Library, raw: str, value: int) -> None:
    assert parse(library, "morning", "next_morning_pain", raw) == Parsed(value)


@pytest.mark.parametrize("raw", ["11", "-1", "lots", "3 or 9", ""])
def test_scale_refusal_repeats_expectation(library: Library, raw: str) -> None:
    result = parse(library, "morning", "next_morning_pain", raw)
    assert isinstance(result, Refusal)
    assert "0 to 10" in result.text


@pytest.mark.parametrize(
    ("raw", "value"),
    [("yes", True), ("Y", True), ("yep!", True), ("nope", False), ("No.", False), ("n", False)],
)
def test_yes_no(library: Library, raw: str, value: bool) -> None:
    assert parse(library, "morning", "night_pain", raw) == Parsed(value)


def test_yes_no_refusal(library: Library) -> None:
    result = parse(library, "morning", "night_pain", "perhaps")
    assert isinstance(result, Refusal)
    assert "yes or no" in result.text


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("7.5 h", 7.5),
        ("7h30", 7.5),
        ("7 hours", 7.0),
        ("about 8", 8.0),
        ("6:45", 6.75),
        ("7,5", 7.5),
        ("8h", 8.0),
    ],
)
def test_number_hours(library: Library, raw: str, value: float) -> None:
    assert parse(library, "morning", "sleep_hours", raw) == Parsed(value)


def test_number_refusal_names_range_and_unit(library: Library) -> None:
    result = parse(library, "morning", "sleep_hours", "20")
    assert isinstance(result, Refusal)
    assert "0 to 16" in result.text
    assert "hours" in result.text
    assert "for example 7.5" in result.text  # the question's own typical answer


def test_number_refusal_example_defaults_to_the_middle_of_the_range(library: Library) -> None:
    plain = Question(id="laps", type=QuestionType.NUMBER, text="Laps?", min=0, max=100, unit="laps")
    result = parse_answer(plain, "150", library.questionnaires, library.readings)
    assert isinstance(result, Refusal)
    assert "for example 50" in result.text
    # A 0-100 rating quotes the forms that work there.
    result = parse(library, "weekly", "conf_overall", "150")
    assert isinstance(result, Refusal)
    assert "“7/10”" in result.text


def test_integer_number(library: Library) -> None:
    assert parse(library, "evening", "heel_raises", "25") == Parsed(25)
    assert parse(library, "evening", "heel_raises", "twelve") == Parsed(12)
    assert isinstance(parse(library, "evening", "heel_raises", "25.5"), Refusal)


def test_percent_number(library: Library) -> None:
    assert parse(library, "weekly", "conf_bone", "80%") == Parsed(80.0)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("8pm", time(20, 0)),
        ("8 pm", time(20, 0)),
        ("20h", time(20, 0)),
        ("7.15", time(7, 15)),
        ("12am", time(0, 0)),
        ("730", time(7, 30)),
    ],
)
def test_time_of_day(library: Library, raw: str, value: time) -> None:
    assert parse(library, "onboarding", "morning_time", raw) == Parsed(value)


@pytest.mark.parametrize("raw", ["25:00", "7:75", "soon", "13pm"])
def test_time_refusal(library: Library, raw: str) -> None:
    result = parse(library, "onboarding", "morning_time", raw)
    assert isinstance(result, Refusal)
    assert "7:30" in result.text


def test_choice_by_value_label_prefix_not_position(library: Library) -> None:
    assert parse(library, "evening", "session", "done") == Parsed("done")
    assert parse(library, "evening", "session", "Part of it") == Parsed("partial")
    assert parse(library, "evening", "session", "skip") == Parsed("skipped")
    # A bare number is not a button's position: Telegram shows no numbers on buttons,
    # and "2" at the site question must never pick a high-risk site silently.
    assert isinstance(parse(library, "evening", "session", "3"), Refusal)
    refusal = parse(library, "evening", "session", "maybe")
    assert isinstance(refusal, Refusal)
    assert "“did it all”" in refusal.text  # an answer that works, not the option list


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("MRI grade 2", "mri2"),  # the label itself
        ("mri 1", "mri1"),
        ("MRI 3", "mri3"),
        ("grade 2 mri", "mri2"),
        ("mri grade 4b", "mri4"),
        ("km 3", "km3"),
        ("KM III", "km3"),
        ("kaeding 2", "km2"),
        ("Kaeding-Miller V", "km5"),
        ("grade II", "km2"),  # Roman numerals are Kaeding-Miller's
        ("iv", "km4"),
        ("2", "mri2"),  # a bare number is the MRI grade, never the second option
        ("not sure", "unknown"),
        ("I don't know", "unknown"),
    ],
)
def test_grade_question_reads_typed_grades(library: Library, raw: str, value: str) -> None:
    assert parse(library, "onboarding", "grade", raw) == Parsed(value)


@pytest.mark.parametrize("raw", ["grade 5", "mri 7", "km 9", "grade VI", "purple", "."])
def test_grade_question_refuses_what_is_no_grade(library: Library, raw: str) -> None:
    refusal = parse(library, "onboarding", "grade", raw)
    assert isinstance(refusal, Refusal)
    assert "“MRI 2”" in refusal.text  # the refusal quotes an answer that works


def test_domain_reading_is_only_for_the_grade_question(library: Library) -> None:
    # "2" elsewhere is no option (and never a button's position).
    assert isinstance(parse(library, "onboarding", "weight_bearing", "2"), Refusal)


def test_answer_from_option(library: Library) -> None:
    session = q(library, "evening", "session")
    forms = library.questionnaires
    assert answer_from_option(session, "partial", forms) == Parsed("partial")
    assert isinstance(answer_from_option(session, "stale", forms), Refusal)
    assert answer_from_option(q(library, "morning", "night_pain"), "yes", forms) == Parsed(True)


def test_text_and_skip(library: Library) -> None:
    assert parse(library, "evening", "note", "felt good") == Parsed("felt good")
    assert parse(library, "evening", "note", "skip") == Parsed(None)  # optional
    # "Nothing to add" is no note; a note that only starts so is kept.
    for nothing in (
        "no",
        "Nope.",
        "nothing",
        "All good!",
        "that's all",
        "nothing, all good",
        "no,",
    ):
        assert parse(library, "evening", "note", nothing) == Parsed(None), nothing
    for note in ("no pain at all", "no, the knee was sore", "nothing, but tired"):
        assert parse(library, "evening", "note", note) == Parsed(note)
    result = parse(library, "evening", "note", "x" * 501)
    assert isinstance(result, Refusal)
    assert "500" in result.text


def test_option_values_short_ascii(library: Library) -> None:
    for form in library.questionnaires.questionnaires.values():
        for question in form.questions:
            for option in question.options:
                assert len(option.value) <= 20
                assert option.value.isascii()


def test_site_options_grouped_by_region(library: Library) -> None:
    groups = {o.group for o in q(library, "onboarding", "site").options}
    assert groups == {"shin", "foot_ankle", "hip_pelvis", "other"}


def test_session_questions_skipped_without_session(library: Library) -> None:
    evening = library.questionnaires.questionnaires["evening"]
    answer = {"session": "skipped", "pain_walking": 0, "warning_signs": []}

    def asked(context: dict[str, Any]) -> list[str]:
        ids = []
        current = start(evening, context)
        while (question := current.question) is not None:
            ids.append(question.id)
            current = step(evening, current.state, answer.get(question.id, False))
        return ids

    with_session = asked({"planned_session": True, "phase": "walk_run"})
    assert "session" in with_session
    assert "pain_during" not in with_session
    rest_day = asked({"planned_session": False, "phase": "walk_run"})
    assert "session" not in rest_day
    assert "pain_during" not in rest_day


def test_checkin_mapping_and_readiness_sum(library: Library) -> None:
    forms = library.questionnaires.questionnaires
    evening = checkin_from_answers(
        forms["evening"], {"session": "done", "pain_during": 1, "limp": False}
    )
    assert evening.session is SessionResult.DONE
    assert evening.pain_during == 1
    weekly_answers = {
        f"conf_{k}": 90 for k in ("overall", "pain", "effort", "focus", "bone", "skill")
    }
    assert checkin_from_answers(forms["weekly"], weekly_answers).readiness == 54
    partial: dict[str, int | None] = dict(weekly_answers)
    partial["conf_bone"] = None
    assert checkin_from_answers(forms["weekly"], partial).readiness is None


def test_red_flags_in_answers_so_far(library: Library) -> None:
    morning = library.questionnaires.questionnaires["morning"]
    walk_run = {"phase": Phase.WALK_RUN.value}
    assert immediate_red_flags(library.protocol, morning, {"night_pain": True}, walk_run) == (
        RedFlag.NIGHT_PAIN,
    )
    assert immediate_red_flags(library.protocol, morning, {"night_pain": False}, walk_run) == ()


def test_onboarding_profile(library: Library) -> None:
    form = library.questionnaires.questionnaires["onboarding"]
    answers = {
        "consent": True,
        "site": "mt5_proximal",
        "grade": "km2",
        "days_since_diagnosis": 10,
        "weight_bearing": "partial",
        "sport": "running",
        "weekly_volume_km": 35.0,
        "timezone": "other",
        "timezone_other": "Europe/Dublin",
        "morning_time": time(7, 0),
        "evening_time": time(20, 0),
        "reds_opt_in": False,
    }
    profile = profile_from_answers(form, answers, date(2025, 5, 20))
    assert profile.site is Site.METATARSAL_5_PROXIMAL
    assert profile.grade is Grade.KM2
    assert profile.diagnosis_date == date(2025, 5, 10)
    assert profile.weight_bearing is WeightBearing.PARTIAL
    assert profile.timezone == "Europe/Dublin"
    with pytest.raises(ValueError, match="consent"):
        profile_from_answers(form, {**answers, "consent": False}, date(2025, 5, 20))


def test_reds_questions_only_after_opt_in(library: Library) -> None:
    form = library.questionnaires.questionnaires["onboarding"]
    at = [x.id for x in form.questions].index("reds_opt_in")
    waiting = WalkState(answers={"consent": True}, index=at)
    assert step(form, waiting, False).question is None
    nxt = step(form, waiting, True).question
    assert nxt is not None
    assert nxt.id == "reds_restriction"


def test_zone_format() -> None:
    assert valid_zone_format("America/Argentina/Buenos_Aires")
    assert valid_zone_format("Lisbon")
    assert not valid_zone_format("Europe/<script>")
