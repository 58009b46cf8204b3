"""The bot's view of the engine: turn stored rows into engine values and back.

Everything here is a thin translation between the database (athlete columns, dialogue
answers, check-in rows) and ``flows`` (``AthleteProfile``, ``DailyCheckIn``,
``RehabState``). The engine decides; this module only feeds it and stores what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta
from typing import Any

from bot.storage.models import Athlete
from bot.storage.models import Clearance as ClearanceRow
from flows.checkin import DailyCheckIn
from flows.injury import Grade, Site
from flows.library import Library
from flows.library.schema import Questionnaire
from flows.phases import Phase
from flows.profile import (
    AthleteProfile,
    Clearance,
    ClearanceKind,
    Periods,
    RedsScreen,
    WeightBearing,
)
from flows.reasons import RedFlag
from flows.rules.safety import red_flags

PROFILE_PREFIX = "profile."


def profile_answers(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """Onboarding answers by profile target (``profile.site`` -> ``site``)."""
    out: dict[str, Any] = {}
    for question in questionnaire.questions:
        target = question.maps_to or ""
        if target.startswith(PROFILE_PREFIX) and question.id in answers:
            value = answers[question.id]
            name = target.removeprefix(PROFILE_PREFIX)
            if name == "timezone" and value == "other":
                continue  # the typed follow-up question carries the zone
            out[name] = value
    return out


def apply_units(athlete: Athlete, units: dict[str, str]) -> None:
    """Keep the unit the weekly volume was typed in (``units``: question id -> unit, from
    :func:`bot.dialogue.driver.units_of`)."""
    unit = units.get("weekly_volume_km")
    if unit:
        athlete.distance_unit = unit


def apply_onboarding(athlete: Athlete, profile: dict[str, Any], today: date) -> None:
    """Copy the onboarding answers onto the athlete's columns."""
    if "site" in profile:
        athlete.injury_site = Site(profile["site"]).value
    if "grade" in profile:
        athlete.injury_grade = Grade(profile["grade"]).value
    if profile.get("days_since_diagnosis") is not None:
        athlete.diagnosis_date = today - timedelta(days=int(profile["days_since_diagnosis"]))
    if "weight_bearing" in profile:
        athlete.weight_bearing = WeightBearing(profile["weight_bearing"]).value
    if "sport" in profile:
        athlete.sport = str(profile["sport"])
    if "weekly_volume_km" in profile:
        volume = profile["weekly_volume_km"]
        athlete.weekly_volume_km = None if volume is None else float(volume)
    if profile.get("timezone"):
        athlete.time_zone = str(profile["timezone"])
    if profile.get("morning_time"):
        athlete.morning_time = time.fromisoformat(profile["morning_time"])
    if profile.get("evening_time"):
        athlete.evening_time = time.fromisoformat(profile["evening_time"])
    reds = {
        name.removeprefix("reds_"): profile[name]
        for name in ("reds_restriction", "reds_periods", "reds_weight_loss", "reds_previous_bsi")
        if name in profile
    }
    if reds or athlete.reds_answers is None:
        athlete.reds_answers = {**(athlete.reds_answers or {}), **reds}


def profile_of(athlete: Athlete, clearances: Sequence[ClearanceRow] = ()) -> AthleteProfile:
    """The engine's profile of an onboarded athlete."""
    reds = athlete.reds_answers or {}
    periods = reds.get("periods")
    previous = reds.get("previous_bsi")
    kinds = frozenset(k.value for k in ClearanceKind)
    return AthleteProfile(
        site=Site(athlete.injury_site or Site.OTHER.value),
        grade=Grade(athlete.injury_grade or Grade.UNKNOWN.value),
        diagnosis_date=athlete.diagnosis_date or athlete.created_at.date(),
        sport=athlete.sport or "running",
        weekly_volume_km=athlete.weekly_volume_km,
        distance_unit=athlete.distance_unit or "km",
        weight_bearing=WeightBearing(athlete.weight_bearing or WeightBearing.UNKNOWN.value),
        clearances=tuple(
            clearance
            for c in clearances
            if (clearance := decode_clearance(c.on_date, c.allows, kinds)) is not None
        ),
        reds=RedsScreen(
            restriction=reds.get("restriction"),
            periods=Periods(periods) if periods else None,
            weight_loss=reds.get("weight_loss"),
            previous_bsi=int(previous) if previous is not None else None,
        ),
        timezone=athlete.time_zone,
        morning_time=athlete.morning_time,
        evening_time=athlete.evening_time,
    )


#: ``allows`` of a resume clearance that names its restart phase: ``resume:walk_strength``.
RESUME_SEPARATOR = ":"


def encode_clearance(clearance: Clearance) -> str:
    """The ``allows`` column of a clearance row: the kind, and for a resume the phase the
    clinician named (``resume:walk_strength``), so the row keeps what was cleared."""
    if clearance.kind is ClearanceKind.RESUME and clearance.resume_phase is not None:
        return f"{clearance.kind.value}{RESUME_SEPARATOR}{clearance.resume_phase.value}"
    return clearance.kind.value


def decode_clearance(on_date: date, allows: str, kinds: frozenset[str]) -> Clearance | None:
    """The engine's clearance from a row (None for a kind this version does not know)."""
    kind, _, phase = allows.partition(RESUME_SEPARATOR)
    if kind not in kinds:
        return None
    try:
        resume_phase = Phase(phase) if phase else None
    except ValueError:
        resume_phase = None
    return Clearance(day=on_date, kind=ClearanceKind(kind), resume_phase=resume_phase)


def current_phase(athlete: Athlete) -> Phase:
    """The athlete's main-line phase (the one held or paused from)."""
    state = athlete.rehab_state or {}
    for key in ("held_from", "paused_from", "phase"):
        if state.get(key):
            return Phase(state[key])
    return Phase(athlete.phase or Phase.PROTECT.value)


def immediate_red_flags(library: Library, athlete: Athlete, checkin: DailyCheckIn) -> list[RedFlag]:
    """Red flags the answers so far raise on their own (the trend rule needs the history and
    is left to the decision at the end of the check-in)."""
    return [
        flag
        for flag in red_flags(library.protocol, current_phase(athlete), checkin)
        if flag is not RedFlag.PAIN_TREND
    ]
