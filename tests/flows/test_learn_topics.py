"""/learn topics by typed name (flows.education.match_topic) and the unit a typed distance
is given in (flows.questionnaire.answers.distance_unit)."""

from __future__ import annotations

import pytest

from content import CONTENT_DIR
from flows.education import match_topic
from flows.library import Library, load_library
from flows.questionnaire.answers import distance_unit


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(CONTENT_DIR)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("bone health", "bone_biology"),
        ("Bone health", "bone_biology"),
        ("nutrition", "nutrition"),
        ("nutrtion", "nutrition"),  # a near miss
        ("Food and fuel", "nutrition"),  # the button's label
        ("sleep", "sleep"),
        ("sleeep", "sleep"),
        ("cross training", "cross_training"),
        ("cross_training", "cross_training"),
        ("confidence", "fear_confidence"),
        ("RED-S", "reds"),
        ("running technique", "technique"),
        ("hi", None),
        ("thanks", None),
        ("ok", None),
        ("yes", None),
        ("quantum physics", None),
        ("", None),
    ],
)
def test_match_topic(library: Library, text: str, topic: str | None) -> None:
    assert match_topic(library.education.topics, library.readings.topic_words, text) == topic


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("25 miles", "mi"),
        ("25 miles a week", "mi"),
        ("about 25mi", "mi"),
        ("40", "km"),
        ("40 km", "km"),
        ("about 40k", "km"),
        ("40km a week", "km"),
    ],
)
def test_distance_unit(library: Library, text: str, unit: str) -> None:
    question = next(
        q
        for q in library.questionnaires.questionnaires["onboarding"].questions
        if q.id == "weekly_volume_km"
    )
    assert distance_unit(question, text, library.readings) == unit
    site = library.questionnaires.questionnaires["onboarding"].questions[1]
    assert distance_unit(site, text, library.readings) is None
