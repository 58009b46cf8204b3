"""A symptom reported any time, and check-in notes that read like a symptom or a question.

Pure: word tables come from readings.yaml (`symptom_words`), the report's questions from
questionnaires.yaml (`symptom`), the decision from the engine (`flows.engine.decide`).

* :func:`reads_like_symptom` / :func:`reads_like_question`: whether typed text names a
  symptom ("my shin really hurts now and I'm limping") or asks something ("is that ok?").
* :func:`report_checkin`: the report's answers in the engine's vocabulary: a `DailyCheckIn`
  (scales by `maps_to`; a choice option whose value names a yes/no check-in field sets it,
  as does each sign ticked at the multi-select red-flag screen).
* :func:`decide_report`: the engine decides on the report merged with the day's answers so
  far. A red flag holds and escalates (the same decision as on a check-in); a caution-tier
  pain eases the day; a report never moves the athlete *up* (only check-ins do that), so a
  report without warning signs changes nothing and says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from flows.checkin import DailyCheckIn, DayRecord
from flows.engine import Decision, decide
from flows.library.loader import Library
from flows.library.schema import Questionnaire, QuestionType, SymptomWords
from flows.phases import Phase
from flows.profile import AthleteProfile
from flows.questionnaire.walk import checkin_from_answers
from flows.reasons import Action, Reason, RedFlag
from flows.rules.safety import red_flags
from flows.state import RehabState

#: The questionnaire of content/<lang>/questionnaires.yaml a symptom report walks.
QUESTIONNAIRE = "symptom"

#: Yes/no check-in fields (warning signs) a choice option of the report may set by naming it
#: (the red-flag screen's multi-select options name theirs with `maps_to`).
SIGN_FIELDS: frozenset[str] = frozenset(
    {
        "cannot_bear_weight",
        "limp",
        "night_pain",
        "swelling",
        "new_site_pain",
        "groin_pain",
        "high_risk_pattern",
        "gait_changed",
        "tender",
        "pain_sharp",
    }
)
#: Choice option values that set nothing (the usual site, not the bone).
NEUTRAL_OPTIONS: frozenset[str] = frozenset({"site", "elsewhere"})

_WORD = re.compile(r"[^\w'’-]+")


class Conclusion(StrEnum):
    """What the engine concluded on a report (or on the check-in a note came with)."""

    RED_FLAG = "red_flag"  # a warning sign: hold, escalation, clinician
    ON_HOLD = "on_hold"  # already on hold: stays so until a clearance
    EASED = "eased"  # caution tier or a step back: no progression, session eased
    NO_CHANGE = "no_change"  # nothing that changes today's plan


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """The engine's answer to one symptom report.

    `decision` is the decision to store (new state, events, explanation) or None when the
    report changes nothing; `report` is the report alone, in check-in fields."""

    report: DailyCheckIn
    conclusion: Conclusion
    decision: Decision | None


def _flat(text: str) -> str:
    """Lower case, apostrophes straightened, words separated by single spaces."""
    lowered = text.lower().replace("’", "'")
    return " " + " ".join(w for w in _WORD.split(lowered) if w) + " "


def _has(flat: str, phrases: Sequence[str]) -> bool:
    return any(f" {_flat(p).strip()} " in flat for p in phrases if p.strip())


def reads_like_symptom(words: SymptomWords, text: str) -> bool:
    """Whether `text` names a symptom: a `symptom` word once the `calm` phrases ("no pain")
    are taken out."""
    flat = _flat(text)
    for phrase in sorted(words.calm, key=len, reverse=True):
        calm = f" {_flat(phrase).strip()} "
        if calm.strip():
            flat = flat.replace(calm, " ")
    return _has(flat, words.symptom)


def reads_like_question(words: SymptomWords, text: str) -> bool:
    """Whether `text` asks something: it has a "?" or one of the `question` phrases."""
    return "?" in text or _has(_flat(text), words.question)


def report_checkin(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> DailyCheckIn:
    """The report's answers as a `DailyCheckIn`: `maps_to` answers as in a check-in; a
    choice answer that names a yes/no check-in field sets that field, and so does each
    ticked option of a multi-select question (the red-flag screen). An unticked sign stays
    unknown: a report adds signs to the day, it never clears one the day's check-ins gave
    (the report is merged over them, `decide_report`)."""
    multi = {q.id for q in questionnaire.questions if q.type is QuestionType.MULTI}
    base = checkin_from_answers(questionnaire, {k: v for k, v in answers.items() if k not in multi})
    signs: dict[str, Any] = {}
    for q in questionnaire.questions:
        value = answers.get(q.id)
        if q.type is QuestionType.CHOICE and value in SIGN_FIELDS:
            signs[str(value)] = True
        elif q.type is QuestionType.MULTI and isinstance(value, list | tuple):
            signs.update({o.maps_to: True for o in q.options if o.maps_to and o.value in value})
    return replace(base, **signs)


def report_flags(library: Library, phase: Phase, report: DailyCheckIn) -> list[RedFlag]:
    """Red flags the report raises on its own (the report ends at once on one)."""
    return [f for f in red_flags(library.protocol, phase, report) if f is not RedFlag.PAIN_TREND]


def decide_report(
    library: Library,
    profile: AthleteProfile,
    state: RehabState,
    today_so_far: DailyCheckIn | None,
    report: DailyCheckIn,
    history: Sequence[DayRecord],
    today: date,
) -> ReportOutcome:
    """The engine's decision on a symptom report, merged with the day's answers so far
    (`today_so_far`, None before any check-in today). See the module docstring."""
    merged = today_so_far.merge(report) if today_so_far is not None else report
    decision = decide(library, profile, state, merged, history, today)
    conclusion = conclude(decision, state)
    if conclusion is Conclusion.NO_CHANGE:
        return ReportOutcome(report, conclusion, None)
    return ReportOutcome(report, conclusion, decision)


_EASED = frozenset({Reason.CAUTION_REST_PAIN, Reason.CAUTION_WALKING_PAIN, Reason.EASED_DAY})


def conclude(decision: Decision, before: RehabState) -> Conclusion:
    """What a decision means for a symptom: a red flag, a hold that stays, an eased day, or
    nothing that changes today's plan (an advance is never a report's conclusion)."""
    if decision.red_flags:
        return Conclusion.RED_FLAG
    if decision.action in (Action.HOLD, Action.REFER) or before.phase is Phase.HOLD:
        return Conclusion.ON_HOLD
    if decision.action is Action.STEP_BACK or _EASED & set(decision.reasons):
        return Conclusion.EASED
    return Conclusion.NO_CHANGE
