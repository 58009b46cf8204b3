"""The injury model: where the bone stress injury is, how severe it is, and what follows.

Site risk class and bone type come from FACTS §1.1 (source keys `facts-1.1-sites`,
`facts-1.1-trabecular`); the grade scales from FACTS §1.2 (`facts-1.2-kaeding`,
`facts-1.2-arendt`, `facts-1.2-kijowski`). This is classification, not a threshold: the
numbers that depend on it (dwell days, pain limits) live in `content/protocol.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Site(StrEnum):
    """Injured site. Values are persisted and used as option values (<= 20 ASCII chars)."""

    POSTEROMEDIAL_TIBIA = "posteromedial_tibia"
    ANTERIOR_TIBIA = "anterior_tibia"
    FIBULA = "fibula"
    FEMORAL_NECK = "femoral_neck"
    FEMORAL_SHAFT = "femoral_shaft"
    PELVIS = "pelvis"
    SACRUM = "sacrum"
    CALCANEUS = "calcaneus"
    NAVICULAR = "navicular"
    TALUS = "talus"
    MEDIAL_MALLEOLUS = "medial_malleolus"
    METATARSAL_SHAFT = "metatarsal_shaft"
    METATARSAL_2_BASE = "metatarsal_2_base"
    METATARSAL_5_PROXIMAL = "metatarsal_5_proximal"
    SESAMOID = "sesamoid"
    OTHER = "other"


class RiskClass(StrEnum):
    LOW = "low"
    HIGH = "high"


class BoneType(StrEnum):
    CORTICAL = "cortical"
    TRABECULAR = "trabecular"


class Region(StrEnum):
    """Body region, used to group the site question in onboarding."""

    SHIN = "shin"
    FOOT_ANKLE = "foot_ankle"
    HIP_PELVIS = "hip_pelvis"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class SiteInfo:
    risk: RiskClass
    bone: BoneType
    region: Region


_L, _H = RiskClass.LOW, RiskClass.HIGH
_C, _T = BoneType.CORTICAL, BoneType.TRABECULAR

#: FACTS §1.1. Trabecular sites are the four the sheet names (femoral neck, sacrum,
#: pelvis/pubis, calcaneus). `other` (unknown site) is treated as high-risk so it is gated
#: like the sites that heal worst: caution when we do not know.
SITES: dict[Site, SiteInfo] = {
    Site.POSTEROMEDIAL_TIBIA: SiteInfo(_L, _C, Region.SHIN),
    Site.ANTERIOR_TIBIA: SiteInfo(_H, _C, Region.SHIN),
    Site.FIBULA: SiteInfo(_L, _C, Region.SHIN),
    Site.FEMORAL_NECK: SiteInfo(_H, _T, Region.HIP_PELVIS),
    Site.FEMORAL_SHAFT: SiteInfo(_L, _C, Region.HIP_PELVIS),
    Site.PELVIS: SiteInfo(_L, _T, Region.HIP_PELVIS),
    Site.SACRUM: SiteInfo(_L, _T, Region.HIP_PELVIS),
    Site.CALCANEUS: SiteInfo(_L, _T, Region.FOOT_ANKLE),
    Site.NAVICULAR: SiteInfo(_H, _C, Region.FOOT_ANKLE),
    Site.TALUS: SiteInfo(_H, _C, Region.FOOT_ANKLE),
    Site.MEDIAL_MALLEOLUS: SiteInfo(_H, _C, Region.FOOT_ANKLE),
    Site.METATARSAL_SHAFT: SiteInfo(_L, _C, Region.FOOT_ANKLE),
    Site.METATARSAL_2_BASE: SiteInfo(_H, _C, Region.FOOT_ANKLE),
    Site.METATARSAL_5_PROXIMAL: SiteInfo(_H, _C, Region.FOOT_ANKLE),
    Site.SESAMOID: SiteInfo(_H, _C, Region.FOOT_ANKLE),
    Site.OTHER: SiteInfo(_H, _C, Region.OTHER),
}


def site_info(site: Site) -> SiteInfo:
    return SITES[site]


class Grade(StrEnum):
    """A grade on one of the scales an athlete may have been told (FACTS §1.2).

    `km1`..`km5` Kaeding–Miller I–V; `mri1`..`mri4` MRI grade 1–4 (Fredericson/Arendt/
    Nattiv; 4 = fracture line); `unknown` when the athlete does not know.
    """

    KM1 = "km1"
    KM2 = "km2"
    KM3 = "km3"
    KM4 = "km4"
    KM5 = "km5"
    MRI1 = "mri1"
    MRI2 = "mri2"
    MRI3 = "mri3"
    MRI4 = "mri4"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    """The engine's severity bucket; protocol thresholds are tabled by it."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    FRACTURE = "fracture"
    UNKNOWN = "unknown"


_SEVERITY: dict[Grade, Severity] = {
    Grade.KM1: Severity.MILD,
    Grade.KM2: Severity.MODERATE,
    Grade.KM3: Severity.FRACTURE,
    Grade.KM4: Severity.FRACTURE,
    Grade.KM5: Severity.FRACTURE,
    Grade.MRI1: Severity.MILD,
    Grade.MRI2: Severity.MODERATE,
    Grade.MRI3: Severity.SEVERE,
    Grade.MRI4: Severity.FRACTURE,
    Grade.UNKNOWN: Severity.UNKNOWN,
}


def severity(grade: Grade) -> Severity:
    """Kaeding II (no fracture line) is `moderate`: Miller 2018 found no RTS difference
    between II and III, but III has a fracture line, which gates impact (FACTS §9.1)."""
    return _SEVERITY[grade]


def parse_grade(value: str) -> Grade:
    """Grade from an option value or a loose label ("KM III", "kaeding 2", "grade II",
    "grade 2 MRI", "mri 1", "4b"). A Roman numeral is a Kaeding-Miller grade, a bare
    number an MRI grade. ValueError otherwise."""
    text = value.strip().lower().replace(" ", "").replace("-", "").replace("_", "")
    try:
        return Grade(text)
    except ValueError:
        pass
    romans = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
    # Roman numerals are Kaeding-Miller's ("grade II"); MRI grades are numbers.
    for prefix in ("kaedingmiller", "kaeding", "km", "grade", ""):
        if text.startswith(prefix) and text.removeprefix(prefix) in romans:
            return Grade(f"km{romans[text.removeprefix(prefix)]}")
    for prefix in ("kaedingmiller", "kaeding", "km"):
        if text.startswith(prefix):
            rest = text.removeprefix(prefix).removeprefix("grade")
            number = romans.get(rest) or (int(rest) if rest.isascii() and rest.isdigit() else 0)
            if 1 <= number <= 5:
                return Grade(f"km{number}")
    for prefix in ("mrigrade", "mri", "grade", ""):
        if text.startswith(prefix):
            rest = text.removeprefix(prefix).removesuffix("mri")
            if rest in {"4a", "4b"}:
                # Fredericson 4a has no fracture line yet; 4b does (FACTS §1.2).
                return Grade.MRI3 if rest == "4a" else Grade.MRI4
            if rest.isascii() and rest.isdigit() and 1 <= int(rest) <= 4:
                return Grade(f"mri{rest}")
    if text in {"", "unknown", "dontknow", "idontknow", "notsure", "unsure"}:
        return Grade.UNKNOWN
    raise ValueError(f"unknown grade {value!r}")


#: Short option values for sites whose name is longer than the 20-character limit on
#: option values (callback data); `parse_site` accepts both.
SITE_ALIASES: dict[str, Site] = {"mt5_proximal": Site.METATARSAL_5_PROXIMAL}


def parse_site(value: str) -> Site:
    """Site from its name or option value (see `SITE_ALIASES`); ValueError otherwise."""
    text = value.strip().lower()
    if text in SITE_ALIASES:
        return SITE_ALIASES[text]
    try:
        return Site(text)
    except ValueError:
        names = ", ".join(s.value for s in Site)
        raise ValueError(f"unknown site {value!r}; expected one of: {names}") from None


def needs_impact_clearance(site: Site, grade: Grade) -> bool:
    """True when no impact phase may start without a recorded clinician clearance:
    high-risk or trabecular sites, fracture-line grades, and unknown grades (FACTS §1.3, §9.1;
    DESIGN "safety rules are absolute")."""
    info = SITES[site]
    sev = severity(grade)
    return (
        info.risk is RiskClass.HIGH
        or info.bone is BoneType.TRABECULAR
        or sev in (Severity.FRACTURE, Severity.UNKNOWN)
    )
