"""The athlete as the engine sees them: injury, sport, clinician instructions, screening.

`AthleteProfile` is immutable; the bot stores it (JSON via `to_dict`) and passes it to
every engine call. Clinician clearances are recorded with `record_clearance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time
from enum import StrEnum
from typing import Any

from flows.injury import (
    SITES,
    BoneType,
    Grade,
    RiskClass,
    Severity,
    Site,
    needs_impact_clearance,
    severity,
)
from flows.phases import Phase


class WeightBearing(StrEnum):
    """The clinician's current weight-bearing instruction (option values)."""

    NONE = "none"  # non-weight-bearing (crutches)
    PARTIAL = "partial"  # partial, e.g. boot or crutches
    FULL = "full"  # full / as tolerated
    UNKNOWN = "unknown"  # not told


class ClearanceKind(StrEnum):
    """What a clinician cleared (option values)."""

    FULL_WEIGHT_BEARING = "full_wb"  # may walk without aids
    IMPACT = "impact"  # may start impact loading (hops, running)
    RETURN_TO_SPORT = "rts"  # may return to sport (for high-risk sites: healing on imaging)
    RESUME = "resume"  # after a hold: may resume progression (from `resume_phase`)


@dataclass(frozen=True, slots=True)
class Clearance:
    """A clinician clearance the athlete reported, dated by its local day."""

    day: date
    kind: ClearanceKind
    resume_phase: Phase | None = None  # for RESUME: where to restart (default: protect)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "kind": self.kind.value,
            "resume_phase": self.resume_phase.value if self.resume_phase else None,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clearance:
        phase = data.get("resume_phase")
        return cls(
            day=date.fromisoformat(data["day"]),
            kind=ClearanceKind(data["kind"]),
            resume_phase=Phase(phase) if phase else None,
            note=data.get("note", ""),
        )


class Periods(StrEnum):
    """Menstrual pattern in the last 12 months (Triad CRA rows; option values)."""

    REGULAR = "regular"  # more than 9
    SOME_MISSED = "some_missed"  # 6–9
    MANY_MISSED = "many_missed"  # fewer than 6
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True, slots=True)
class RedsScreen:
    """Self-reported RED-S/Triad screening answers (all optional; FACTS §7)."""

    restriction: bool | None = None  # restricting food / worried about eating
    periods: Periods | None = None
    weight_loss: bool | None = None  # lost 10% or more of body weight in a month
    previous_bsi: int | None = None  # earlier bone stress injuries (not counting this one)

    def energy_points(self) -> int:
        """The CRA points from the energy/menstrual rows alone (not the injury row)."""
        points = 1 if self.restriction else 0
        if self.periods is Periods.MANY_MISSED:
            points += 2
        elif self.periods is Periods.SOME_MISSED:
            points += 1
        if self.weight_loss:
            points += 2
        return points

    def cra_points(self, site: Site) -> int:
        """Partial Triad Cumulative Risk Assessment score (De Souza 2014, FACTS §7).

        Only the rows the athlete can self-report are scored; BMD and BMI need a clinician.
        The current injury itself counts in the stress-fracture row.
        """
        points = 0
        if self.restriction:
            points += 1  # "some restriction"; the 2-point row needs a clinical diagnosis
        if self.periods is Periods.MANY_MISSED:
            points += 2
        elif self.periods is Periods.SOME_MISSED:
            points += 1
        if self.weight_loss:
            points += 2
        info = SITES[site]
        total_bsi = 1 + (self.previous_bsi or 0)
        if total_bsi >= 2 or info.risk is RiskClass.HIGH or info.bone is BoneType.TRABECULAR:
            points += 2
        else:
            points += 1
        return points


@dataclass(frozen=True, slots=True)
class AthleteProfile:
    """Who the athlete is to the engine. Persist with `to_dict`; all values are by name."""

    site: Site
    grade: Grade
    diagnosis_date: date
    sport: str = "running"
    weekly_volume_km: float | None = None  # pre-injury weekly running volume
    #: The unit the athlete gave it in (readings.yaml `distance` id): targets are shown in it.
    distance_unit: str = "km"
    weight_bearing: WeightBearing = WeightBearing.UNKNOWN
    clearances: tuple[Clearance, ...] = ()
    reds: RedsScreen = field(default_factory=RedsScreen)
    timezone: str | None = None  # IANA name or a city, resolved by the bot
    morning_time: time | None = None
    evening_time: time | None = None

    @property
    def severity(self) -> Severity:
        return severity(self.grade)

    @property
    def risk(self) -> RiskClass:
        return SITES[self.site].risk

    @property
    def bone(self) -> BoneType:
        return SITES[self.site].bone

    @property
    def needs_impact_clearance(self) -> bool:
        return needs_impact_clearance(self.site, self.grade)

    def has_clearance(self, kinds: set[ClearanceKind], on_or_after: date | None = None) -> bool:
        """Whether a clearance of one of `kinds` is recorded (dated on/after `on_or_after`)."""
        return any(
            c.kind in kinds and (on_or_after is None or c.day >= on_or_after)
            for c in self.clearances
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site.value,
            "grade": self.grade.value,
            "diagnosis_date": self.diagnosis_date.isoformat(),
            "sport": self.sport,
            "weekly_volume_km": self.weekly_volume_km,
            "distance_unit": self.distance_unit,
            "weight_bearing": self.weight_bearing.value,
            "clearances": [c.to_dict() for c in self.clearances],
            "reds": {
                "restriction": self.reds.restriction,
                "periods": self.reds.periods.value if self.reds.periods else None,
                "weight_loss": self.reds.weight_loss,
                "previous_bsi": self.reds.previous_bsi,
            },
            "timezone": self.timezone,
            "morning_time": self.morning_time.isoformat() if self.morning_time else None,
            "evening_time": self.evening_time.isoformat() if self.evening_time else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AthleteProfile:
        reds = data.get("reds") or {}
        periods = reds.get("periods")
        morning, evening = data.get("morning_time"), data.get("evening_time")
        return cls(
            site=Site(data["site"]),
            grade=Grade(data["grade"]),
            diagnosis_date=date.fromisoformat(data["diagnosis_date"]),
            sport=data.get("sport", "running"),
            weekly_volume_km=data.get("weekly_volume_km"),
            distance_unit=data.get("distance_unit") or "km",
            weight_bearing=WeightBearing(data.get("weight_bearing", "unknown")),
            clearances=tuple(Clearance.from_dict(c) for c in data.get("clearances", [])),
            reds=RedsScreen(
                restriction=reds.get("restriction"),
                periods=Periods(periods) if periods else None,
                weight_loss=reds.get("weight_loss"),
                previous_bsi=reds.get("previous_bsi"),
            ),
            timezone=data.get("timezone"),
            morning_time=time.fromisoformat(morning) if morning else None,
            evening_time=time.fromisoformat(evening) if evening else None,
        )


def record_clearance(profile: AthleteProfile, clearance: Clearance) -> AthleteProfile:
    """The profile with `clearance` recorded. A full-weight-bearing clearance also updates
    the weight-bearing instruction (the clinician has changed it)."""
    updated = replace(profile, clearances=(*profile.clearances, clearance))
    if clearance.kind is ClearanceKind.FULL_WEIGHT_BEARING:
        updated = replace(updated, weight_bearing=WeightBearing.FULL)
    return updated


#: Onboarding questions map onto `profile.<name>` with one of these names. Most are profile
#: fields; `days_since_diagnosis` becomes `diagnosis_date`, `reds_*` fill `reds`,
#: `consent`/`timezone_other` steer onboarding (see flows.questionnaire.onboarding).
PROFILE_TARGETS: frozenset[str] = frozenset(
    {
        "consent",
        "site",
        "grade",
        "days_since_diagnosis",
        "sport",
        "weekly_volume_km",
        "weight_bearing",
        "timezone",
        "morning_time",
        "evening_time",
        "reds_restriction",
        "reds_periods",
        "reds_weight_loss",
        "reds_previous_bsi",
    }
)
