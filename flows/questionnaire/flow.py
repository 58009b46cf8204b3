"""Onboarding answers onto the athlete's profile, and the format check of a typed zone.

`answers` is a mapping question id -> parsed value (None for skipped). The order of the
questions, their red flags and the check-in fields are the walk's (walk.py): one
implementation for the bot, the simulator and the tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time, timedelta
from typing import Any

from flows.injury import Grade, parse_grade, parse_site
from flows.library.schema import Questionnaire
from flows.profile import AthleteProfile, Periods, RedsScreen, WeightBearing

__all__ = ["profile_from_answers", "valid_zone_format"]

#: An IANA zone name (Area/City, Area/Region/City), UTC, or a city name.
_ZONE_RE = re.compile(
    r"^([A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){1,2}|UTC|[A-Za-z][A-Za-z .'\-]{1,59})$"
)


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
