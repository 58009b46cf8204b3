"""Shared helpers of the engine tests (imported as a plain module, like tests/content)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from flows.checkin import DailyCheckIn
from flows.injury import Grade, Site
from flows.library.loader import ENGINE_PARTS, Library, load_library
from flows.library.schema import CrossTrainingFile, EducationFile, ExercisesFile
from flows.profile import AthleteProfile, WeightBearing

CONTENT = Path(__file__).resolve().parents[2] / "content"
DAY0 = date(2025, 3, 3)

CLEAN = DailyCheckIn(
    pain_rest=0,
    pain_walking=0,
    night_pain=False,
    next_morning_pain=0,
    session=None,
    sleep_hours=8,
    sleep_quality=7,
    fear=2,
)

_EXERCISES = {
    "exercises": [
        {
            "id": "seated-calf-raise",
            "name": "Seated calf raise",
            "category": "calf_foot",
            "cues": "Slow up, slow down.",
            "dose": "3 x 15",
            "phases": ["protect", "walk_strength"],
            "avoid_sites": ["calcaneus"],
        },
        {
            "id": "glute-bridge",
            "name": "Glute bridge",
            "category": "hip",
            "cues": "Squeeze.",
            "dose": "3 x 12",
            "phases": ["protect", "walk_strength"],
        },
    ]
}
_CROSS = {
    "modalities": [
        {
            "id": "stationary-bike",
            "name": "Stationary bike",
            "bone_load_rank": 2,
            "phases": ["protect", "walk_strength", "walk_run"],
            "excluded_sites": ["pelvis"],
            "caution_sites": ["metatarsal_shaft"],
            "minutes_per_run_minute": 1.2,
            "intensity": "Easy.",
            "stop_signs": "Stop if the bone aches.",
            "caution": "Keep pressure through the heel.",
        },
        {
            "id": "deep-water-running",
            "name": "Deep-water running",
            "bone_load_rank": 1,
            "phases": ["protect", "walk_strength", "walk_run", "hold"],
            "minutes_per_run_minute": 1.0,
            "intensity": "Easy.",
            "stop_signs": "Stop if pain.",
        },
        {
            "id": "elliptical",
            "name": "Elliptical",
            "bone_load_rank": 3,
            "phases": ["walk_strength", "walk_run"],
            "minutes_per_run_minute": 1.0,
            "intensity": "Easy.",
            "stop_signs": "Stop if pain.",
        },
    ]
}
_EDU = {
    "topics": {
        "bone_biology": "How bone heals",
        "sleep": "Sleep",
        "pain_signals": "Pain",
        "fear_confidence": "Confidence",
    },
    "snippets": [
        {
            "id": "bone-1",
            "topic": "bone_biology",
            "title": "B1",
            "text": "Bone one.",
            "phases": ["all"],
        },
        {
            "id": "bone-2",
            "topic": "bone_biology",
            "title": "B2",
            "text": "Bone two.",
            "phases": ["all"],
        },
        {"id": "sleep-1", "topic": "sleep", "title": "S1", "text": "Sleep one.", "phases": ["all"]},
        {"id": "sleep-2", "topic": "sleep", "title": "S2", "text": "Sleep two.", "phases": ["all"]},
        {
            "id": "pain-1",
            "topic": "pain_signals",
            "title": "P1",
            "text": "Pain one.",
            "phases": ["all"],
        },
        {
            "id": "fear-1",
            "topic": "fear_confidence",
            "title": "F1",
            "text": "Fear one.",
            "phases": ["all"],
        },
    ],
}


def engine_library() -> Library:
    lib = load_library(CONTENT, parts=ENGINE_PARTS)
    return dataclasses.replace(
        lib,
        exercises=ExercisesFile.model_validate(_EXERCISES),
        crosstraining=CrossTrainingFile.model_validate(_CROSS),
        education=EducationFile.model_validate(_EDU),
        loaded=lib.loaded | {"exercises", "crosstraining", "education"},
    )


def make_profile(
    site: Site = Site.POSTEROMEDIAL_TIBIA,
    grade: Grade = Grade.MRI2,
    diagnosis: date = DAY0,
    **kwargs: object,
) -> AthleteProfile:
    kwargs.setdefault("weight_bearing", WeightBearing.FULL)
    return AthleteProfile(site=site, grade=grade, diagnosis_date=diagnosis, **kwargs)  # type: ignore[arg-type]
