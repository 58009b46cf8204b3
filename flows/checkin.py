"""The engine's symptom vocabulary: one athlete-day of answers (`DailyCheckIn`).

Every field is optional: the athlete may skip questions or a whole check-in. Pain values
are 0–10 at the injured site. Questionnaire questions map onto these field names
(`maps_to:` in content/en/questionnaires.yaml), so renaming a field is a content change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any


class SessionResult(StrEnum):
    """How the planned session went. Option values of the `session` question."""

    DONE = "done"
    PARTIAL = "partial"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class DailyCheckIn:
    """What the athlete told us about one local day (morning and evening merged)."""

    # pain at the injured site, 0–10
    pain_rest: int | None = None
    pain_walking: int | None = None
    pain_during: int | None = None
    pain_after: int | None = None
    next_morning_pain: int | None = None
    # yes/no signs
    night_pain: bool | None = None
    pain_building: bool | None = None
    pain_sharp: bool | None = None
    gait_changed: bool | None = None
    swelling: bool | None = None
    limp: bool | None = None
    tender: bool | None = None  # focal bony tenderness when pressing the site
    groin_pain: bool | None = None  # groin/hip/front-of-thigh pain when loading
    high_risk_pattern: bool | None = None  # front of mid-shin, top of midfoot, outer forefoot
    new_site_pain: bool | None = None
    cannot_bear_weight: bool | None = None  # sudden severe pain / cannot put weight on it
    reds_signs: bool | None = None  # missed periods, fast weight loss, eating worries
    # recovery and mind
    sleep_hours: float | None = None
    sleep_quality: int | None = None  # single-item sleep quality 0–10 (FACTS §6)
    fear: int | None = None  # worry about re-injury today, 0–10 (FACTS §5)
    readiness: int | None = None  # weekly I-PRRS-style 0–60 (FACTS §5)
    # the session and self-tests
    session: SessionResult | None = None
    walk_30min_pain_free: bool | None = None
    heel_raises: int | None = None  # single-leg heel raises, injured side, pain-free
    hop_test_pain_free: bool | None = None  # 60 s single-leg hopping pain-free
    note: str | None = None

    def merge(self, later: DailyCheckIn) -> DailyCheckIn:
        """This check-in updated with every answer `later` gives (evening over morning)."""
        changes = {
            f.name: getattr(later, f.name)
            for f in fields(self)
            if getattr(later, f.name) is not None
        }
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of the answered fields only."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.value if isinstance(value, SessionResult) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DailyCheckIn:
        """Inverse of `to_dict`; unknown keys raise ValueError naming them."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown check-in fields: {sorted(unknown)}")
        values = dict(data)
        if values.get("session") is not None:
            values["session"] = SessionResult(values["session"])
        return cls(**values)

    def site_pains(self) -> list[int]:
        """The site pain values given today (rest, walking, during, after, next morning)."""
        return [
            v
            for v in (
                self.pain_rest,
                self.pain_walking,
                self.pain_during,
                self.pain_after,
                self.next_morning_pain,
            )
            if v is not None
        ]


#: Field names questionnaires may map onto.
CHECKIN_FIELDS: frozenset[str] = frozenset(f.name for f in fields(DailyCheckIn))


@dataclass(frozen=True, slots=True)
class DayRecord:
    """One past day in the history the caller passes: the local date and the check-in."""

    day: date
    checkin: DailyCheckIn
