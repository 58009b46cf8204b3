"""Published timelines by site class and grade (content/protocol.yaml `calibration:`).

A site's class says how it heals: low-risk cortical, low-risk trabecular, high-risk
cortical, high-risk trabecular (FACTS §1.1; `Site.OTHER` counts as high-risk, as in
flows.injury). With the severity bucket of the grade it picks one cell of the calibration
grid, which holds two windows in days from diagnosis: when running restarts (the first
walk-run session) and when full return starts (entering `return_to_sport`). Athletes are
shown these windows (flows.milestones); the suite checks the simulator's clean run of each
cell against them (tests/flows/test_calibration.py).
"""

from __future__ import annotations

from flows.injury import SITES, BoneType, RiskClass, Site
from flows.library.schema import CalibrationRange, ProtocolFile, SiteClass
from flows.profile import AthleteProfile

__all__ = ["SiteClass", "cell_of", "site_class"]


def site_class(site: Site) -> SiteClass:
    """The healing class of `site` (risk class x bone type)."""
    info = SITES[site]
    high = info.risk is RiskClass.HIGH
    trabecular = info.bone is BoneType.TRABECULAR
    if high:
        return SiteClass.HIGH_TRABECULAR if trabecular else SiteClass.HIGH
    return SiteClass.TRABECULAR if trabecular else SiteClass.LOW


def cell_of(protocol: ProtocolFile, profile: AthleteProfile) -> CalibrationRange:
    """The calibration cell of the athlete's site class and grade. The content validation
    (flows.library.validate) guarantees every cell exists; KeyError otherwise."""
    cell = protocol.window(site_class(profile.site), profile.severity)
    if cell is None:
        raise KeyError(f"no calibration window for {profile.site} / {profile.severity}")
    return cell
