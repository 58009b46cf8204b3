"""Real typed answers and what they must read as (issue 9: "answers as people type them").

Every input named in the issue is here, with others athletes type. Each row goes through
the same entry point the bot uses (``parse_answer`` with the real content library and its
readings.yaml). ``REFUSED`` rows must get a refusal that quotes a working example and is
short (never the whole option list).
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.library.loader import Library
from flows.library.schema import Question, html_problems
from flows.questionnaire.answers import Parsed, Refusal, parse_answer

REFUSED = object()
TODAY = date(2026, 11, 27)  # a Friday

ON, M, E, W = "onboarding", "morning", "evening", "weekly"

TABLE: list[tuple[str, str, str, Any]] = [
    # --- site: synonyms, words of one label; ambiguous words are asked, never guessed
    (ON, "site", "inner shin", "posteromedial_tibia"),
    (ON, "site", "Inner shin", "posteromedial_tibia"),
    (ON, "site", "inside of the shin", "posteromedial_tibia"),
    (ON, "site", "medial tibia", "posteromedial_tibia"),
    (ON, "site", "back of shin", "posteromedial_tibia"),
    (ON, "site", "posteromedial tibia", "posteromedial_tibia"),
    (ON, "site", "front of shin", "anterior_tibia"),
    (ON, "site", "Front of the shin", "anterior_tibia"),
    (ON, "site", "anterior tibia", "anterior_tibia"),
    (ON, "site", "outer shin", "fibula"),
    (ON, "site", "fibula", "fibula"),
    (ON, "site", "heel", "calcaneus"),
    (ON, "site", "heel bone", "calcaneus"),
    (ON, "site", "navicular", "navicular"),
    (ON, "site", "Navicular.", "navicular"),
    (ON, "site", "midfoot", "navicular"),
    (ON, "site", "2nd metatarsal", "metatarsal_shaft"),
    (ON, "site", "metatarsal", "metatarsal_shaft"),
    (ON, "site", "5th metatarsal", "mt5_proximal"),
    (ON, "site", "jones fracture", "mt5_proximal"),
    (ON, "site", "sesamoid", "sesamoid"),
    (ON, "site", "under the big toe", "sesamoid"),
    (ON, "site", "femoral neck", "femoral_neck"),
    (ON, "site", "groin", "femoral_neck"),
    (ON, "site", "femur", "femoral_shaft"),
    (ON, "site", "thigh", "femoral_shaft"),
    (ON, "site", "pubic ramus", "pelvis"),
    (ON, "site", "sacrum", "sacrum"),
    (ON, "site", "lower back", "sacrum"),
    (ON, "site", "inner ankle", "medial_malleolus"),
    (ON, "site", "talus", "talus"),
    (ON, "site", "not sure", "other"),
    (ON, "site", "shin", REFUSED),
    (ON, "site", "tibia", REFUSED),
    (ON, "site", "my shin", REFUSED),
    (ON, "site", "shin splints", REFUSED),
    (ON, "site", "foot", REFUSED),
    (ON, "site", "hip", REFUSED),
    (ON, "site", "ankle", REFUSED),
    (ON, "site", "2", REFUSED),  # never a button's position: that could be a high-risk site
    (ON, "site", "²", REFUSED),
    (ON, "site", "①", REFUSED),
    (ON, "site", "banana", REFUSED),
    # --- grade
    (ON, "grade", "MRI 2", "mri2"),
    (ON, "grade", "grade 2", "mri2"),
    (ON, "grade", "km III", "km3"),
    (ON, "grade", "not sure", "unknown"),
    (ON, "grade", "no idea", "unknown"),
    (ON, "grade", "dunno", "unknown"),
    (ON, "grade", "grade 9", REFUSED),
    # --- days since diagnosis: counts, durations and dates
    (ON, "days_since_diagnosis", "5", 5),
    (ON, "days_since_diagnosis", "0", 0),
    (ON, "days_since_diagnosis", "5 days ago", 5),
    (ON, "days_since_diagnosis", "3 weeks ago", 21),
    (ON, "days_since_diagnosis", "2 weeks", 14),
    (ON, "days_since_diagnosis", "1 day", 1),
    (ON, "days_since_diagnosis", "a week ago", 7),
    (ON, "days_since_diagnosis", "two weeks ago", 14),
    (ON, "days_since_diagnosis", "about 10 days", 10),
    (ON, "days_since_diagnosis", "10 days back", 10),
    (ON, "days_since_diagnosis", "a fortnight", 14),
    (ON, "days_since_diagnosis", "a couple of weeks ago", 14),
    (ON, "days_since_diagnosis", "yesterday", 1),
    (ON, "days_since_diagnosis", "today", 0),
    (ON, "days_since_diagnosis", "2 November", 25),
    (ON, "days_since_diagnosis", "Nov 20", 7),
    (ON, "days_since_diagnosis", "last monday", 4),
    (ON, "days_since_diagnosis", "a month ago", 31),
    (ON, "days_since_diagnosis", "1.5 weeks", 10),
    (ON, "days_since_diagnosis", "5 days", 5),
    (ON, "days_since_diagnosis", "٥", 5),  # an Arabic-Indic five is a five
    (ON, "days_since_diagnosis", "5²", REFUSED),
    (ON, "days_since_diagnosis", "2 years ago", REFUSED),  # beyond 365
    (ON, "days_since_diagnosis", "soon", REFUSED),
    # --- weight bearing
    (ON, "weight_bearing", "boot", "partial"),
    (ON, "weight_bearing", "in a boot", "partial"),
    (ON, "weight_bearing", "walking boot", "partial"),
    (ON, "weight_bearing", "crutches", "none"),
    (ON, "weight_bearing", "non weight bearing", "none"),
    (ON, "weight_bearing", "full", "full"),
    (ON, "weight_bearing", "full weight", "full"),
    (ON, "weight_bearing", "nobody told me", "unknown"),
    (ON, "weight_bearing", "don't know", "unknown"),
    # --- sport: the list, synonyms, and sports we have no button for
    (ON, "sport", "running", "running"),
    (ON, "sport", "ultra running", "running"),
    (ON, "sport", "trail running", "running"),
    (ON, "sport", "marathon", "running"),
    (ON, "sport", "Football", "team_sport"),
    (ON, "sport", "soccer", "team_sport"),
    (ON, "sport", "netball", "team_sport"),
    (ON, "sport", "ballet", "dance"),
    (ON, "sport", "Triathlon", "triathlon"),
    (ON, "sport", "ironman", "triathlon"),
    (ON, "sport", "army", "military"),
    (ON, "sport", "hurdles", "track"),
    (ON, "sport", "rock climbing", "rock climbing"),
    (ON, "sport", "Tennis", "Tennis"),
    (ON, "sport", "12345", REFUSED),
    (ON, "sport", "no", REFUSED),  # found in remodel chat: stored as the sport "no"
    (ON, "sport", "Yes", REFUSED),
    (ON, "sport", "n/a", REFUSED),
    (ON, "sport", "x" * 80, REFUSED),
    # --- weekly volume: units, per week, miles, ranges
    (ON, "weekly_volume_km", "40", 40.0),
    (ON, "weekly_volume_km", "about 40k", 40.0),
    (ON, "weekly_volume_km", "40km a week", 40.0),
    (ON, "weekly_volume_km", "40 km", 40.0),
    (ON, "weekly_volume_km", "40 kilometres per week", 40.0),
    (ON, "weekly_volume_km", "40k/week", 40.0),
    (ON, "weekly_volume_km", "25 miles", 40.2),
    (ON, "weekly_volume_km", "25 mi", 40.2),
    (ON, "weekly_volume_km", "about 25 miles a week", 40.2),
    (ON, "weekly_volume_km", "30-40", 35.0),
    (ON, "weekly_volume_km", "30 to 40 km", 35.0),
    (ON, "weekly_volume_km", "forty", 40.0),
    (ON, "weekly_volume_km", "forty five", 45.0),
    (ON, "weekly_volume_km", "~50", 50.0),
    (ON, "weekly_volume_km", "0", 0.0),
    (ON, "weekly_volume_km", "12,5", 12.5),
    (ON, "weekly_volume_km", "lots", REFUSED),
    (ON, "weekly_volume_km", "500", REFUSED),
    # --- time zone: before pressing Other, and at Other
    (ON, "timezone", "Lisbon", "Europe/Lisbon"),
    (ON, "timezone", "Lisboa", "Europe/Lisbon"),
    (ON, "timezone", "Europe/Lisbon", "Europe/Lisbon"),
    (ON, "timezone", "europe/lisbon", "Europe/Lisbon"),
    (ON, "timezone", "Berlin", "Europe/Paris"),  # the "Paris / Berlin / Madrid" button
    (ON, "timezone", "London", "Europe/London"),
    (ON, "timezone", "NYC", "America/New_York"),
    (ON, "timezone", "New York", "America/New_York"),
    (ON, "timezone", "Dublin", "Europe/Dublin"),
    (ON, "timezone", "São Paulo", "America/Sao_Paulo"),
    (ON, "timezone", "Munich", "Europe/Berlin"),
    (ON, "timezone", "Japan", "Asia/Tokyo"),
    (ON, "timezone", "Ireland", "Europe/Dublin"),
    (ON, "timezone", "UTC+1", "Etc/GMT-1"),
    (ON, "timezone", "GMT-5", "Etc/GMT+5"),
    (ON, "timezone", "UTC+5:30", "Asia/Kolkata"),
    (ON, "timezone", "UTC", "UTC"),
    (ON, "timezone", "Other", "other"),
    (ON, "timezone", "Dublin, Ireland", "Europe/Dublin"),
    (ON, "timezone", "United States", REFUSED),  # several zones: asks for the city
    (ON, "timezone", "Atlantis", REFUSED),
    # --- check-in times
    (ON, "morning_time", "7:30", time(7, 30)),
    (ON, "morning_time", "07:30", time(7, 30)),
    (ON, "morning_time", "7.30", time(7, 30)),
    (ON, "morning_time", "730", time(7, 30)),
    (ON, "morning_time", "7", time(7, 0)),
    (ON, "morning_time", "7am", time(7, 0)),
    (ON, "morning_time", "7 am", time(7, 0)),
    (ON, "morning_time", "7:30 a.m.", time(7, 30)),
    (ON, "morning_time", "7:30am", time(7, 30)),
    (ON, "morning_time", "7 in the morning", time(7, 0)),
    (ON, "morning_time", "half 7", time(7, 30)),
    (ON, "morning_time", "half past 7", time(7, 30)),
    (ON, "morning_time", "quarter past 7", time(7, 15)),
    (ON, "morning_time", "quarter to 8", time(7, 45)),
    (ON, "morning_time", "seven", time(7, 0)),
    (ON, "morning_time", "seven thirty", time(7, 30)),
    (ON, "morning_time", "around 7ish", time(7, 0)),
    (ON, "morning_time", "7 o'clock", time(7, 0)),
    (ON, "morning_time", "at 6:45", time(6, 45)),
    (ON, "morning_time", "noon", time(12, 0)),
    (ON, "morning_time", "7h", time(7, 0)),
    (ON, "morning_time", "7.30pm", time(19, 30)),  # read as typed; the schedule check refuses it
    (ON, "morning_time", "25:00", REFUSED),
    (ON, "morning_time", "breakfast-ish maybe", REFUSED),
    (ON, "evening_time", "20:00", time(20, 0)),
    (ON, "evening_time", "19h", time(19, 0)),
    (ON, "evening_time", "19h30", time(19, 30)),
    (ON, "evening_time", "8pm", time(20, 0)),
    (ON, "evening_time", "8 pm", time(20, 0)),
    (ON, "evening_time", "8.30 p.m.", time(20, 30)),
    (ON, "evening_time", "8", time(20, 0)),  # a bare hour at the evening question
    (ON, "evening_time", "half 8", time(20, 30)),
    (ON, "evening_time", "9 at night", time(21, 0)),
    (ON, "evening_time", "midnight", time(0, 0)),
    (ON, "evening_time", "nine", time(21, 0)),
    # --- yes / no, with synonyms, hedges and n/a
    (ON, "consent", "yes", True),
    (ON, "consent", "ok", True),
    (ON, "consent", "Sure!", True),
    (ON, "consent", "of course", True),
    (ON, "consent", "no thanks", False),
    (ON, "consent", "kind of", REFUSED),  # consent is a plain yes or no
    (ON, "consent", "fine", REFUSED),  # "fine" is "no symptoms" elsewhere: never a refusal
    (ON, "consent", "n/a", REFUSED),
    (ON, "consent", "yes, fine", True),
    (ON, "reds_opt_in", "a little", REFUSED),
    (ON, "reds_restriction", "a little", True),  # a screening question: any is a yes
    (M, "night_pain", "no", False),
    (M, "night_pain", "No, slept fine", False),
    (M, "night_pain", "no slept fine", False),
    (M, "night_pain", "nope, all good", False),
    (M, "night_pain", "slept fine", False),
    (M, "night_pain", "none at all", False),
    (M, "night_pain", "not at all", False),
    (M, "night_pain", "yes", True),
    (M, "night_pain", "yes, a bit", True),
    (M, "night_pain", "a little", True),  # any amount of a symptom is a yes
    (M, "night_pain", "not much", True),
    (M, "night_pain", "slightly", True),
    (M, "night_pain", "no, but it ached", REFUSED),  # takes the "no" back: ask again
    (M, "night_pain", "purple", REFUSED),
    (E, "pain_building", "n/a", False),
    (E, "pain_building", "N/A", False),
    (E, "pain_sharp", "not applicable", False),
    # --- the evening safety screen: one multi-select question, typed
    (E, "warning_signs", "nope", []),
    (E, "warning_signs", "none", []),
    (E, "warning_signs", "no", []),
    (E, "warning_signs", "n/a", []),
    (E, "warning_signs", "nothing", []),
    (E, "warning_signs", "None of these", []),
    (E, "warning_signs", "no, all good", []),
    (E, "warning_signs", "limping", ["limp"]),
    (E, "warning_signs", "a limp", ["limp"]),
    (E, "warning_signs", "limping and swelling", ["limp", "swelling"]),
    (E, "warning_signs", "swollen + hip pain", ["swelling", "groin"]),
    (E, "warning_signs", "can't bear weight", ["no_weight"]),
    (E, "warning_signs", "yes", REFUSED),  # which one? never guessed
    (E, "warning_signs", "sharp pain", REFUSED),
    # --- 0-10 scales: words by direction, fractions, ranges
    (M, "next_morning_pain", "0", 0),
    (M, "next_morning_pain", "3", 3),
    (M, "next_morning_pain", "3/10", 3),
    (M, "next_morning_pain", "3 out of 10", 3),
    (M, "next_morning_pain", "1 out of 5", 2),
    (M, "next_morning_pain", "30%", 3),
    (M, "next_morning_pain", "none at all", 0),
    (M, "next_morning_pain", "no pain", 0),
    (M, "next_morning_pain", "not much", 1),
    (M, "next_morning_pain", "a little", 2),
    (M, "next_morning_pain", "mild", 2),
    (M, "next_morning_pain", "moderate", 5),
    (M, "next_morning_pain", "2-3", 3),  # half points round up: for pain, caution
    (M, "next_morning_pain", "2 or 3", 3),
    (M, "next_morning_pain", "two", 2),
    (M, "next_morning_pain", "about 1", 1),
    (M, "next_morning_pain", "1ish", 1),
    (M, "next_morning_pain", "good", REFUSED),  # a quality word at a pain scale
    (M, "next_morning_pain", "11", REFUSED),
    (M, "pain_rest", "n/a", 0),
    (M, "pain_rest", "zero", 0),
    (M, "sleep_quality", "good", 7),
    (M, "sleep_quality", "pretty good", 7),
    (M, "sleep_quality", "great", 9),
    (M, "sleep_quality", "ok", 5),
    (M, "sleep_quality", "bad", 3),
    (M, "sleep_quality", "terrible", 1),
    (M, "sleep_quality", "8/10", 8),
    (M, "sleep_quality", "7-8", 7),  # half points round down at a quality: caution again
    (M, "sleep_quality", "7.5", 7),
    (M, "sleep_quality", "7.6", 8),
    (M, "fear", "7.5", 8),
    (M, "sleep_quality", "skip", None),
    (M, "fear", "a little", 2),
    (M, "fear", "not at all", 0),
    (M, "fear", "low", 2),
    (M, "fear", "very low", 1),
    (M, "fear", "pretty high", 7),
    (M, "next_morning_pain", "low", 2),
    (M, "sleep_quality", "low", REFUSED),  # "low" sleep? asked again, never guessed
    # --- sleep hours
    (M, "sleep_hours", "7", 7.0),
    (M, "sleep_hours", "7.5", 7.5),
    (M, "sleep_hours", "6-7", 6.5),
    (M, "sleep_hours", "6 to 7 hours", 6.5),
    (M, "sleep_hours", "7 and a half", 7.5),
    (M, "sleep_hours", "seven and a half", 7.5),
    (M, "sleep_hours", "7½", 7.5),
    (M, "sleep_hours", "7 1/2", 7.5),
    (M, "sleep_hours", "7h30", 7.5),
    (M, "sleep_hours", "7:30", 7.5),
    (M, "sleep_hours", "about 8 hours", 8.0),
    (M, "sleep_hours", "8 hrs", 8.0),
    (M, "sleep_hours", "around 6ish", 6.0),
    (M, "sleep_hours", "n/a", None),
    (M, "sleep_hours", "20", REFUSED),
    # --- evening session
    (E, "session", "done", "done"),
    (E, "session", "yes", "done"),
    (E, "session", "did it all", "done"),
    (E, "session", "Yep, all of it", REFUSED),  # two answers in one: ask again
    (E, "session", "most of it", "partial"),
    (E, "session", "a little", "partial"),
    (E, "session", "part of it", "partial"),
    (E, "session", "cut it short", "partial"),
    (E, "session", "no", "skipped"),
    (E, "session", "skipped", "skipped"),
    (E, "session", "rest day", "skipped"),
    (E, "heel_raises", "25", 25),
    (E, "heel_raises", "twenty", 20),
    (E, "heel_raises", "about 20", 20),
    (E, "heel_raises", "20-25", REFUSED),  # a range of reps is 22.5: not a whole count
    # --- weekly confidence 0-100: fractions and percentages against the scale
    (W, "conf_overall", "80", 80),
    (W, "conf_overall", "8/10", 80),
    (W, "conf_overall", "8 out of 10", 80),
    (W, "conf_overall", "4/5", 80),
    (W, "conf_overall", "80%", 80),
    (W, "conf_overall", "80 percent", 80),
    (W, "conf_overall", "80 per cent", 80),
    (W, "conf_overall", "eighty", 80),
    (W, "conf_overall", "about 70", 70),
    (W, "conf_overall", "70-80", 75),
    (W, "conf_overall", "7.5/10", 75),
    (W, "conf_pain", "100", 100),
    (W, "conf_pain", "10/10", 100),
    (W, "conf_pain", "0", 0),
    (W, "conf_pain", "150", REFUSED),
    (W, "conf_pain", "11/10", REFUSED),
    (W, "reds_signs", "no", False),
    (W, "reds_signs", "rather not say", None),
]


def _question(library: Library, form: str, qid: str) -> Question:
    return next(q for q in library.questionnaires.questionnaires[form].questions if q.id == qid)


def test_the_table_is_large_enough() -> None:
    assert len(TABLE) >= 200


@pytest.mark.parametrize(
    ("form", "qid", "raw", "expected"), TABLE, ids=[f"{row[1]}:{row[2]}" for row in TABLE]
)
def test_typed_input(library: Library, form: str, qid: str, raw: str, expected: Any) -> None:
    question = _question(library, form, qid)
    result = parse_answer(question, raw, library.questionnaires, library.readings, today=TODAY)
    if expected is REFUSED:
        assert isinstance(result, Refusal), result
        # Short, and quoting something that would have worked (a digit or a quoted word).
        assert len(result.text) <= 320, result.text
        assert "“" in result.text or any(c.isdigit() for c in result.text), result.text
    else:
        assert isinstance(result, Parsed), result
        assert result.value == expected
        assert type(result.value) is type(expected)


def _all_questions(library: Library) -> list[Question]:
    return [q for form in library.questionnaires.questionnaires.values() for q in form.questions]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.text(max_size=40))
def test_any_text_is_read_or_refused_as_valid_html(library: Library, raw: str) -> None:
    """Whatever is typed (emoji, "²", "<b>", control characters) at whichever question: a
    reading or a short refusal that is valid Telegram HTML, never an exception."""
    for question in _all_questions(library):
        result = parse_answer(question, raw, library.questionnaires, library.readings, today=TODAY)
        if isinstance(result, Refusal):
            assert not html_problems(result.text), (question.id, raw, result.text)
            assert len(result.text) <= 400


def test_typed_markup_is_escaped_in_refusals(library: Library) -> None:
    site = _question(library, ON, "site")
    result = parse_answer(site, "<b>shin", library.questionnaires, library.readings)
    assert isinstance(result, Refusal)
    assert "&lt;b&gt;" in result.text
    assert not html_problems(result.text)
