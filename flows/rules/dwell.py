"""Minimum dwell: how many active days a phase lasts at least for this athlete."""

from __future__ import annotations

import math

from flows.injury import BoneType, RiskClass
from flows.library.schema import ProtocolFile
from flows.phases import Phase
from flows.profile import AthleteProfile


def min_dwell_days(protocol: ProtocolFile, profile: AthleteProfile, phase: Phase) -> int:
    """Minimum active days in `phase` (0 for phases without a dwell rule).

    By severity bucket, plus extras for high-risk and trabecular sites, stretched by the
    RED-S slow factor when the partial Triad CRA score is in the review band (FACTS §7)
    and the athlete's energy/menstrual answers contribute to it. A score made only of the
    injury row (a high-risk or trabecular site scores 2) does not slow timing again: the
    site extras already carry it.
    """
    rule = protocol.dwell.get(phase)
    if rule is None:
        return 0
    days = float(rule.by_severity.of(profile.severity).value)
    if profile.risk is RiskClass.HIGH:
        days += rule.high_risk_extra.value
    if profile.bone is BoneType.TRABECULAR:
        days += rule.trabecular_extra.value
    score = profile.reds.cra_points(profile.site)
    in_review_band = protocol.reds.score_review.value <= score < protocol.reds.score_restrict.value
    if in_review_band and profile.reds.energy_points() > 0:
        days *= protocol.reds.slow_factor.value
    return math.ceil(days)
