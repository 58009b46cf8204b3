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

O, M, E, W = "onboarding", "morning", "evening", "weekly"

TABLE: list[tuple[str, str, str, Any]] = [
    # --- site: synonyms, words of one label; ambiguous words are asked, never guessed
    (O, "site", "inner shin", "posteromedial_tibia"),
    (O, "site", "Inner shin", "posteromedial_tibia"),
    (O, "site", "inside of the shin", "posteromedial_tibia"),
    (O, "site", "medial tibia", "posteromedial_tibia"),
    (O, "site", "back of shin", "posteromedial_tibia"),
    (O, "site", "posteromedial tibia", "posteromedial_tibia"),
    (O, "site", "front of shin", "anterior_tibia"),
    (O, "site", "Front of the shin", "anterior_tibia"),
    (O, "site", "anterior tibia", "anterior_tibia"),
    (O, "site", "outer shin", "fibula"),
    (O, "site", "fibula", "fibula"),
    (O, "site", "heel", "calcaneus"),
    (O, "site", "heel bone", "calcaneus"),
    (O, "site", "navicular", "navicular"),
    (O, "site", "Navicular.", "navicular"),
    (O, "site", "midfoot", "navicular"),
    (O, "site", "2nd metatarsal", "metatarsal_shaft"),
    (O, "site", "metatarsal", "metatarsal_shaft"),
    (O, "site", "5th metatarsal", "mt5_proximal"),
    (O, "site", "jones fracture", "mt5_proximal"),
    (O, "site", "sesamoid", "sesamoid"),
    (O, "site", "under the big toe", "sesamoid"),
    (O, "site", "femoral neck", "femoral_neck"),
    (O, "site", "groin", "femoral_neck"),
    (O, "site", "femur", "femoral_shaft"),
    (O, "site", "thigh", "femoral_shaft"),
    (O, "site", "pubic ramus", "pelvis"),
    (O, "site", "sacrum", "sacrum"),
    (O, "site", "lower back", "sacrum"),
    (O, "site", "inner ankle", "medial_malleolus"),
    (O, "site", "talus", "talus"),
    (O, "site", "not sure", "other"),
    (O, "site", "shin", REFUSED),
    (O, "site", "tibia", REFUSED),
    (O, "site", "my shin", REFUSED),
    (O, "site", "shin splints", REFUSED),
    (O, "site", "foot", REFUSED),
    (O, "site", "hip", REFUSED),
    (O, "site", "ankle", REFUSED),
    (O, "site", "2", REFUSED),  # never a button's position: that could be a high-risk site
    (O, "site", "²", REFUSED),
    (O, "site", "①", REFUSED),
    (O, "site", "banana", REFUSED),
    # --- grade
    (O, "grade", "MRI 2", "mri2"),
    (O, "grade", "grade 2", "mri2"),
    (O, "grade", "km III", "km3"),
    (O, "grade", "not sure", "unknown"),
    (O, "grade", "no idea", "unknown"),
    (O, "grade", "dunno", "unknown"),
    (O, "grade", "grade 9", REFUSED),
    # --- days since diagnosis: counts, durations and dates
    (O, "days_since_diagnosis", "5", 5),
    (O, "days_since_diagnosis", "0", 0),
    (O, "days_since_diagnosis", "5 days ago", 5),
    (O, "days_since_diagnosis", "3 weeks ago", 21),
    (O, "days_since_diagnosis", "2 weeks", 14),
    (O, "days_since_diagnosis", "1 day", 1),
    (O, "days_since_diagnosis", "a week ago", 7),
    (O, "days_since_diagnosis", "two weeks ago", 14),
    (O, "days_since_diagnosis", "about 10 days", 10),
    (O, "days_since_diagnosis", "10 days back", 10),
    (O, "days_since_diagnosis", "a fortnight", 14),
    (O, "days_since_diagnosis", "a couple of weeks ago", 14),
    (O, "days_since_diagnosis", "yesterday", 1),
    (O, "days_since_diagnosis", "today", 0),
    (O, "days_since_diagnosis", "2 November", 25),
    (O, "days_since_diagnosis", "Nov 20", 7),
    (O, "days_since_diagnosis", "last monday", 4),
    (O, "days_since_diagnosis", "a month ago", 31),
    (O, "days_since_diagnosis", "1.5 weeks", 10),
    (O, "days_since_diagnosis", "5 days", 5),
    (O, "days_since_diagnosis", "٥", 5),  # an Arabic-Indic five is a five
    (O, "days_since_diagnosis", "5²", REFUSED),
    (O, "days_since_diagnosis", "2 years ago", REFUSED),  # beyond 365
    (O, "days_since_diagnosis", "soon", REFUSED),
    # --- weight bearing
    (O, "weight_bearing", "boot", "partial"),
    (O, "weight_bearing", "in a boot", "partial"),
    (O, "weight_bearing", "walking boot", "partial"),
    (O, "weight_bearing", "crutches", "none"),
    (O, "weight_bearing", "non weight bearing", "none"),
    (O, "weight_bearing", "full", "full"),
    (O, "weight_bearing", "full weight", "full"),
    (O, "weight_bearing", "nobody told me", "unknown"),
    (O, "weight_bearing", "don't know", "unknown"),
    # --- sport: the list, synonyms, and sports we have no button for
    (O, "sport", "running", "running"),
    (O, "sport", "ultra running", "running"),
    (O, "sport", "trail running", "running"),
    (O, "sport", "marathon", "running"),
    (O, "sport", "Football", "team_sport"),
    (O, "sport", "soccer", "team_sport"),
    (O, "sport", "netball", "team_sport"),
    (O, "sport", "ballet", "dance"),
    (O, "sport", "Triathlon", "triathlon"),
    (O, "sport", "ironman", "triathlon"),
    (O, "sport", "army", "military"),
    (O, "sport", "hurdles", "track"),
    (O, "sport", "rock climbing", "rock climbing"),
    (O, "sport", "Tennis", "Tennis"),
    (O, "sport", "12345", REFUSED),
    (O, "sport", "x" * 80, REFUSED),
    # --- weekly volume: units, per week, miles, ranges
    (O, "weekly_volume_km", "40", 40.0),
    (O, "weekly_volume_km", "about 40k", 40.0),
    (O, "weekly_volume_km", "40km a week", 40.0),
    (O, "weekly_volume_km", "40 km", 40.0),
    (O, "weekly_volume_km", "40 kilometres per week", 40.0),
    (O, "weekly_volume_km", "40k/week", 40.0),
    (O, "weekly_volume_km", "25 miles", 40.2),
    (O, "weekly_volume_km", "25 mi", 40.2),
    (O, "weekly_volume_km", "about 25 miles a week", 40.2),
    (O, "weekly_volume_km", "30-40", 35.0),
    (O, "weekly_volume_km", "30 to 40 km", 35.0),
    (O, "weekly_volume_km", "forty", 40.0),
    (O, "weekly_volume_km", "forty five", 45.0),
    (O, "weekly_volume_km", "~50", 50.0),
    (O, "weekly_volume_km", "0", 0.0),
    (O, "weekly_volume_km", "12,5", 12.5),
    (O, "weekly_volume_km", "lots", REFUSED),
    (O, "weekly_volume_km", "500", REFUSED),
    # --- time zone: before pressing Other, and at Other
    (O, "timezone", "Lisbon", "Europe/Lisbon"),
    (O, "timezone", "Lisboa", "Europe/Lisbon"),
    (O, "timezone", "Europe/Lisbon", "Europe/Lisbon"),
    (O, "timezone", "europe/lisbon", "Europe/Lisbon"),
    (O, "timezone", "Berlin", "Europe/Paris"),  # the "Paris / Berlin / Madrid" button
    (O, "timezone", "London", "Europe/London"),
    (O, "timezone", "NYC", "America/New_York"),
    (O, "timezone", "New York", "America/New_York"),
    (O, "timezone", "Dublin", "Europe/Dublin"),
    (O, "timezone", "São Paulo", "America/Sao_Paulo"),
    (O, "timezone", "Munich", "Europe/Berlin"),
    (O, "timezone", "Japan", "Asia/Tokyo"),
    (O, "timezone", "Ireland", "Europe/Dublin"),
    (O, "timezone", "UTC+1", "Etc/GMT-1"),
    (O, "timezone", "GMT-5", "Etc/GMT+5"),
    (O, "timezone", "UTC+5:30", "Asia/Kolkata"),
    (O, "timezone", "UTC", "UTC"),
    (O, "timezone", "Other", "other"),
    (O, "timezone", "Dublin, Ireland", "Europe/Dublin"),
    (O, "timezone", "United States", REFUSED),  # several zones: asks for the city
    (O, "timezone", "Atlantis", REFUSED),
    # --- check-in times
    (O, "morning_time", "7:30", time(7, 30)),
    (O, "morning_time", "07:30", time(7, 30)),
    (O, "morning_time", "7.30", time(7, 30)),
    (O, "morning_time", "730", time(7, 30)),
    (O, "morning_time", "7", time(7, 0)),
    (O, "morning_time", "7am", time(7, 0)),
    (O, "morning_time", "7 am", time(7, 0)),
    (O, "morning_time", "7:30 a.m.", time(7, 30)),
    (O, "morning_time", "7:30am", time(7, 30)),
    (O, "morning_time", "7 in the morning", time(7, 0)),
    (O, "morning_time", "half 7", time(7, 30)),
    (O, "morning_time", "half past 7", time(7, 30)),
    (O, "morning_time", "quarter past 7", time(7, 15)),
    (O, "morning_time", "quarter to 8", time(7, 45)),
    (O, "morning_time", "seven", time(7, 0)),
    (O, "morning_time", "seven thirty", time(7, 30)),
    (O, "morning_time", "around 7ish", time(7, 0)),
    (O, "morning_time", "7 o'clock", time(7, 0)),
    (O, "morning_time", "at 6:45", time(6, 45)),
    (O, "morning_time", "noon", time(12, 0)),
    (O, "morning_time", "7h", time(7, 0)),
    (O, "morning_time", "7.30pm", time(19, 30)),  # read as typed; the schedule check refuses it
    (O, "morning_time", "25:00", REFUSED),
    (O, "morning_time", "breakfast-ish maybe", REFUSED),
    (O, "evening_time", "20:00", time(20, 0)),
    (O, "evening_time", "19h", time(19, 0)),
    (O, "evening_time", "19h30", time(19, 30)),
    (O, "evening_time", "8pm", time(20, 0)),
    (O, "evening_time", "8 pm", time(20, 0)),
    (O, "evening_time", "8.30 p.m.", time(20, 30)),
    (O, "evening_time", "8", time(20, 0)),  # a bare hour at the evening question
    (O, "evening_time", "half 8", time(20, 30)),
    (O, "evening_time", "9 at night", time(21, 0)),
    (O, "evening_time", "midnight", time(0, 0)),
    (O, "evening_time", "nine", time(21, 0)),
    # --- yes / no, with synonyms, hedges and n/a
    (O, "consent", "yes", True),
    (O, "consent", "ok", True),
    (O, "consent", "Sure!", True),
    (O, "consent", "of course", True),
    (O, "consent", "no thanks", False),
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
    (E, "limp", "nope", False),
    (E, "limp", "a bit", True),
    (E, "swelling", "nothing", False),
    (E, "cannot_bear_weight", "no way", False),
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
    (M, "sleep_quality", "7-8", 8),
    (M, "sleep_quality", "skip", None),
    (M, "fear", "a little", 2),
    (M, "fear", "not at all", 0),
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
    site = _question(library, O, "site")
    result = parse_answer(site, "<b>shin", library.questionnaires, library.readings)
    assert isinstance(result, Refusal)
    assert "&lt;b&gt;" in result.text
    assert not html_problems(result.text)
