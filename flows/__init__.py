"""Remodel's rehab engine: pure functions of content, profile, state, answers and dates.

The stable API for the bot (documented in docs/engine-api.md). Nothing here reads the
clock, the network or a database: today's local date and the history come in as arguments.
"""

from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.clearances import ClearanceOutcome, ClearanceResult, apply_clearance
from flows.engine import (
    Decision,
    Event,
    decide,
    diagnosis_changed,
    initial_state,
    pause,
    resume,
)
from flows.injury import Grade, RiskClass, Severity, Site, parse_grade, parse_site
from flows.library import ContentError, Library, load_library, validate_library
from flows.milestones import Milestone, Milestones, milestones, project
from flows.phases import Phase
from flows.plan import DailyPlan, plan_for_day
from flows.profile import (
    AthleteProfile,
    Clearance,
    ClearanceKind,
    RedsScreen,
    WeightBearing,
    record_clearance,
)
from flows.questionnaire.answers import Parsed, Refusal, answer_from_option, parse_answer
from flows.questionnaire.flow import profile_from_answers, valid_zone_format
from flows.questionnaire.walk import checkin_from_answers, immediate_red_flags
from flows.reasons import Action, EventKind, Reason, RedFlag
from flows.state import HoldReason, RehabState

__all__ = [
    "Action",
    "AthleteProfile",
    "Clearance",
    "ClearanceKind",
    "ClearanceOutcome",
    "ClearanceResult",
    "ContentError",
    "DailyCheckIn",
    "DailyPlan",
    "DayRecord",
    "Decision",
    "Event",
    "EventKind",
    "Grade",
    "HoldReason",
    "Library",
    "Milestone",
    "Milestones",
    "Parsed",
    "Phase",
    "Reason",
    "RedFlag",
    "RedsScreen",
    "Refusal",
    "RehabState",
    "RiskClass",
    "SessionResult",
    "Severity",
    "Site",
    "WeightBearing",
    "answer_from_option",
    "apply_clearance",
    "checkin_from_answers",
    "decide",
    "diagnosis_changed",
    "immediate_red_flags",
    "initial_state",
    "load_library",
    "milestones",
    "parse_answer",
    "parse_grade",
    "parse_site",
    "pause",
    "plan_for_day",
    "profile_from_answers",
    "project",
    "record_clearance",
    "resume",
    "valid_zone_format",
    "validate_library",
]
