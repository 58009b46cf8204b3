"""Dialogue order and mapping of answers onto the engine (the walk: walk.py).

`answers` is a mapping question id -> parsed value (None for skipped); `context` holds
values the caller knows (phase, stage, planned_session, test_due, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time, timedelta
from typing import Any

from flows.injury import Grade, parse_grade, parse_site
from flows.library.schema import ProtocolFile, Question, Questionnaire
from flows.phases import Phase
from flows.profile import AthleteProfile, Periods, RedsScreen, WeightBearing
from flows.questionnaire.walk import checkin_from_answers, holds

__all__ = [
    "checkin_from_answers",
    "next_question",
    "profile_from_answers",
    "red_flags_in",
    "valid_zone_format",
]
from flows.reasons import RedFlag
from flows.rules.safety import red_flags

#: An IANA zone name (Area/City, Area/Region/City), UTC, or a city name.
_ZONE_RE = re.compile(
    r"^([A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){1,2}|UTC|[A-Za-z][A-Za-z .'\-]{1,59})$"
)


def next_question(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> Question | None:
    """The first unanswered question whose `ask_if` conditions hold, or None when done."""
    ctx = context or {}
    for question in questionnaire.questions:
        if question.id in answers:
            continue
        if holds(question, answers, ctx):
            return question
    return None


def red_flags_in(
    protocol: ProtocolFile,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    phase: Phase,
) -> list[RedFlag]:
    """Red flags in the answers so far, so a check-in can end at once on a red flag."""
    return red_flags(protocol, phase, checkin_from_answers(questionnaire, answers))


def profile_from_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any], today: date
) -> AthleteProfile:
    """An `AthleteProfile` from onboarding answers; ValueError when consent, site or the
    diagnosis day is missing."""
    by_target: dict[str, Any] = {}
    for q in questionnaire.questions:
        if q.maps_to and q.maps_to.startswith("profile.") and answers.get(q.id) is not None:
            target = q.maps_to.removeprefix("profile.")
            if target == "timezone" and answers[q.id] == "other":
                continue
            by_target[target] = answers[q.id]
    if by_target.get("consent") is not True:
        raise ValueError("onboarding needs consent")
    if "site" not in by_target or "days_since_diagnosis" not in by_target:
        raise ValueError("onboarding needs the site and the diagnosis day")
    periods = by_target.get("reds_periods")
    morning, evening = by_target.get("morning_time"), by_target.get("evening_time")
    return AthleteProfile(
        site=parse_site(str(by_target["site"])),
        grade=parse_grade(str(by_target.get("grade", Grade.UNKNOWN.value))),
        diagnosis_date=today - timedelta(days=int(by_target["days_since_diagnosis"])),
        sport=str(by_target.get("sport", "running")),
        weekly_volume_km=by_target.get("weekly_volume_km"),
        weight_bearing=WeightBearing(by_target.get("weight_bearing", "unknown")),
        reds=RedsScreen(
            restriction=by_target.get("reds_restriction"),
            periods=Periods(periods) if periods else None,
            weight_loss=by_target.get("reds_weight_loss"),
            previous_bsi=by_target.get("reds_previous_bsi"),
        ),
        timezone=by_target.get("timezone"),
        morning_time=morning if isinstance(morning, time) else None,
        evening_time=evening if isinstance(evening, time) else None,
    )


def valid_zone_format(text: str) -> bool:
    """Whether `text` looks like an IANA zone name (Area/City) or a city name. The bot
    resolves it; the engine only checks the format."""
    return bool(_ZONE_RE.match(text.strip()))
