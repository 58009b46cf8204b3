"""Machine-readable decision vocabulary: actions, reason codes, red flags and event kinds.

Every code has a text in content (decisions.yaml `action.<code>` / `reason.<code>`,
safety.yaml `red_flag.<code>`); `validate_library` fails when one is missing.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    ADVANCE = "advance"  # one stage up, or the next phase
    REPEAT = "repeat"  # stay at the current stage
    STEP_BACK = "step_back"  # one stage down (or the previous phase's last stage)
    HOLD = "hold"  # no progression until a clinician clearance is recorded
    REFER = "refer"  # hold, and see a clinician (red flag or repeated setbacks)


class RedFlag(StrEnum):
    """FACTS §4.4 red flags as the engine detects them from a check-in."""

    NIGHT_PAIN = "night_pain"
    REST_PAIN = "rest_pain"
    WALKING_PAIN = "walking_pain"
    LIMP = "limp"
    SWELLING = "swelling"
    GROIN_PAIN = "groin_pain"
    HIGH_RISK_PATTERN = "high_risk_pattern"
    NEW_SITE = "new_site"
    PAIN_TREND = "pain_trend"
    REDS_SIGNS = "reds_signs"
    CANNOT_BEAR_WEIGHT = "cannot_bear_weight"


#: Red flags that need urgent care, not just a clinician review (FACTS §4.4 item 10).
URGENT_FLAGS: frozenset[RedFlag] = frozenset({RedFlag.CANNOT_BEAR_WEIGHT})


class Reason(StrEnum):
    # safety and holds
    RED_FLAG = "red_flag"
    AWAITING_IMPACT_CLEARANCE = "awaiting_impact_clearance"
    AWAITING_RTS_CLEARANCE = "awaiting_rts_clearance"
    AWAITING_REVIEW = "awaiting_review"
    CLEARANCE_RECORDED = "clearance_recorded"
    SECOND_STEP_BACK = "second_step_back"
    REDS_RESTRICT = "reds_restrict"
    REDS_REVIEW = "reds_review"
    # regression
    PAIN_DURING_HIGH = "pain_during_high"
    PAIN_BUILDING = "pain_building"
    PAIN_SHARP = "pain_sharp"
    GAIT_CHANGED = "gait_changed"
    PAIN_AFTER_HIGH = "pain_after_high"
    MORNING_PAIN = "morning_pain"
    SYMPTOMS_24H = "symptoms_24h"
    SYMPTOMS_48H = "symptoms_48h"
    # the caution tier (below a red flag)
    CAUTION_REST_PAIN = "caution_rest_pain"
    CAUTION_WALKING_PAIN = "caution_walking_pain"
    EASED_DAY = "eased_day"  # the day after a caution day: the eased session, no progress
    # gates not met
    MIN_DWELL = "min_dwell"
    PAIN_FREE_DAYS = "pain_free_days"
    WEIGHT_BEARING = "weight_bearing"
    TENDERNESS = "tenderness"
    WALK_TEST = "walk_test"
    HEEL_RAISES = "heel_raises"
    HOP_TEST = "hop_test"
    CONTINUOUS_RUNS = "continuous_runs"
    STAGE_SESSIONS = "stage_sessions"
    CHECKLIST = "checklist"
    READINESS_LOW = "readiness_low"
    READINESS_MISSING = "readiness_missing"
    FEAR_GATE = "fear_gate"
    READINESS_HOLDS = "readiness_holds"  # only confidence gates are unmet: support follows
    SLEEP_WITH_PAIN = "sleep_with_pain"
    NO_SESSION = "no_session"
    # progress and support
    STAGE_COMPLETE = "stage_complete"
    PHASE_CRITERIA_MET = "phase_criteria_met"
    FEAR_HIGH = "fear_high"
    SLEEP_SHORT = "sleep_short"
    PAUSED = "paused"
    MAINTAINING = "maintaining"
    # silence (rules/silence.py)
    FRESH_DAYS = "fresh_days"


class EventKind(StrEnum):
    """Events for the coach alerts and the audit log (payloads are JSON-safe dicts)."""

    RED_FLAG = "red_flag"
    PHASE_CHANGED = "phase_changed"
    STAGE_CHANGED = "stage_changed"
    STEP_BACK = "step_back"
    HOLD = "hold"
    RELEASED = "released"
    CLINICIAN_REVIEW = "clinician_review"
    SUPPORT_OFFERED = "support_offered"
    REDS_SCREEN_ADVISED = "reds_screen_advised"
    CAUTION = "caution"  # a caution-tier day: no progression, session eased
