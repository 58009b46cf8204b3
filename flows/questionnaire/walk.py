"""The questionnaire walk, pure: one call per answer.

A caller (the bot's dialogue, the simulator, a test) keeps a :class:`WalkState` (the answers
so far, the context fixed when the walk started, the index of the question waiting, and the
ticks of a multi-select question not yet submitted) and makes one call per event:

* :func:`start` ``(questionnaire, context) -> Step``: the first question to ask;
* :func:`step` ``(questionnaire, state, answer, protocol) -> Step``: record the answer to the
  question waiting and say what comes next: the next question, or complete, and the red
  flags the answers so far raise (a check-in ends at once on one: the caller escalates in
  the same reply);
* :func:`toggle` ``(questionnaire, state, option, ticked) -> WalkState``: tick or untick an
  option of the multi-select question waiting (idempotent: a double tap changes nothing).

Which questions are asked is data (``ask_if`` in content/<lang>/questionnaires.yaml): a
question is skipped when one of its conditions fails; a skipped question with ``otherwise``
records that value when an earlier *answer* ruled it out (no build-up question after pain 0
records "no build-up"), so the engine sees the same day as with the long form.

No clock, no storage, no Telegram: the state is plain data the caller persists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flows.checkin import DailyCheckIn, SessionResult
from flows.library.schema import ProtocolFile, Question, Questionnaire, QuestionType
from flows.phases import Phase
from flows.reasons import RedFlag
from flows.rules.safety import red_flags


@dataclass(frozen=True, slots=True)
class WalkState:
    """Where a walk stands. ``index`` is the question waiting (``len(questions)`` when
    complete); ``ticked`` the options ticked so far at a multi-select question waiting."""

    answers: Mapping[str, Any] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    index: int = 0
    ticked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of one call: the new state, the question to ask (``None`` when the walk
    is complete), and the red flags the answers so far raise on their own."""

    state: WalkState
    question: Question | None
    red_flags: tuple[RedFlag, ...] = ()

    @property
    def complete(self) -> bool:
        """Nothing more to ask: every question answered or ruled out, or a red flag (the
        check-in ends at once and the engine decides on the answers so far)."""
        return self.question is None or bool(self.red_flags)

    @property
    def index(self) -> int:
        return self.state.index


def holds(question: Question, answers: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """Whether every ``ask_if`` condition of ``question`` holds."""
    for condition in question.ask_if:
        if condition.answer is not None:
            value = answers.get(condition.answer)
        else:
            value = context.get(condition.context or "")
        if not condition.holds(value):
            return False
    return True


def _ruled_out_by_answers(question: Question, answers: Mapping[str, Any]) -> bool:
    """Whether the question is skipped because of answers given (every question its
    conditions name was answered), not because those questions were never asked."""
    subjects = [c.answer for c in question.ask_if if c.answer is not None]
    return bool(subjects) and all(answers.get(s) is not None for s in subjects)


def _advance(
    questionnaire: Questionnaire, start: int, answers: dict[str, Any], context: Mapping[str, Any]
) -> int:
    """The index of the first applicable question at or after ``start`` (recording the
    ``otherwise`` values of the questions skipped on the way), or ``len(questions)``."""
    questions = questionnaire.questions
    for index in range(start, len(questions)):
        question = questions[index]
        if holds(question, answers, context):
            return index
        if question.otherwise is not None and _ruled_out_by_answers(question, answers):
            answers[question.id] = question.otherwise
    return len(questions)


def _step(
    questionnaire: Questionnaire,
    answers: dict[str, Any],
    context: Mapping[str, Any],
    start: int,
    protocol: ProtocolFile | None,
) -> Step:
    index = _advance(questionnaire, start, answers, context)
    state = WalkState(answers=answers, context=dict(context), index=index)
    question = questionnaire.questions[index] if index < len(questionnaire.questions) else None
    flags = immediate_red_flags(protocol, questionnaire, answers, context) if protocol else ()
    return Step(state=state, question=question, red_flags=flags)


def start(
    questionnaire: Questionnaire,
    context: Mapping[str, Any] | None = None,
    answers: Mapping[str, Any] | None = None,
) -> Step:
    """The first question to ask (``answers``: any known before the walk starts)."""
    return _step(questionnaire, dict(answers or {}), dict(context or {}), 0, None)


def step(
    questionnaire: Questionnaire,
    state: WalkState,
    answer: Any,
    protocol: ProtocolFile | None = None,
) -> Step:
    """Record ``answer`` (``None`` for a skipped optional question; a list of option values
    for a multi-select question) for the question waiting, and move on.

    With ``protocol``, the step carries the red flags the answers so far raise on their own
    (the trend rule needs the history and is left to the decision). ``ValueError`` when the
    walk is already complete."""
    questions = questionnaire.questions
    if not 0 <= state.index < len(questions):
        raise ValueError("the walk is complete: no question is waiting")
    question = questions[state.index]
    if question.type is QuestionType.MULTI and answer is not None:
        allowed = [o.value for o in question.options]
        unknown = set(answer) - set(allowed)
        if unknown:
            raise ValueError(f"{sorted(unknown)} are not options of {question.id!r}")
        answer = [v for v in allowed if v in answer]  # the options' order, no repeats
    answers = {**state.answers, question.id: answer}
    return _step(questionnaire, answers, state.context, state.index + 1, protocol)


def toggle(questionnaire: Questionnaire, state: WalkState, option: str, ticked: bool) -> WalkState:
    """Tick (or untick) ``option`` of the multi-select question waiting. Setting a state
    (not flipping it) makes a double tap harmless. ``ValueError`` for anything else."""
    questions = questionnaire.questions
    if not 0 <= state.index < len(questions):
        raise ValueError("the walk is complete: no question is waiting")
    question = questions[state.index]
    values = [o.value for o in question.options]
    if question.type is not QuestionType.MULTI or option not in values:
        raise ValueError(f"{option!r} is not an option of a multi-select question waiting")
    chosen = (set(state.ticked) | {option}) if ticked else (set(state.ticked) - {option})
    return replace(state, ticked=tuple(v for v in values if v in chosen))


def checkin_from_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> DailyCheckIn:
    """A `DailyCheckIn` from a check-in questionnaire's answers (``maps_to`` of a question
    or of each multi-select option, ``sum_into``)."""
    values: dict[str, Any] = {}
    sums: dict[str, float] = {}
    complete: dict[str, bool] = {}
    for q in questionnaire.questions:
        value = answers.get(q.id)
        if q.sum_into is not None:
            if value is None:
                complete[q.sum_into] = False
            else:
                sums[q.sum_into] = sums.get(q.sum_into, 0.0) + float(value) * q.sum_scale
                complete.setdefault(q.sum_into, True)
            continue
        if q.type is QuestionType.MULTI:
            if isinstance(value, list | tuple):
                for option in q.options:
                    if option.maps_to is not None:
                        values[option.maps_to] = option.value in value
            continue
        if q.maps_to is None or q.maps_to.startswith("profile.") or value is None:
            continue
        values[q.maps_to] = SessionResult(value) if q.maps_to == "session" else value
    for name, total in sums.items():
        if complete.get(name):
            values[name] = round(total)
    return DailyCheckIn(**values)


def immediate_red_flags(
    protocol: ProtocolFile,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    context: Mapping[str, Any],
) -> tuple[RedFlag, ...]:
    """Red flags the answers so far raise on their own, for the main-line phase in the
    context (``phase``; protect when absent). The trend rule needs the history: left to the
    decision at the end."""
    try:
        phase = Phase(context.get("phase") or Phase.PROTECT.value)
    except ValueError:
        phase = Phase.PROTECT
    today = checkin_from_answers(questionnaire, answers)
    return tuple(f for f in red_flags(protocol, phase, today) if f is not RedFlag.PAIN_TREND)


def answer_for(question: Question, checkin: DailyCheckIn) -> Any:
    """The answer an athlete whose day is ``checkin`` gives to ``question`` (``None``:
    skipped or unknown). For simulations and property tests: the same underlying day
    through a shorter form."""
    if question.type is QuestionType.MULTI:
        return [o.value for o in question.options if getattr(checkin, o.maps_to or "", None)]
    if question.maps_to is None or question.maps_to.startswith("profile."):
        return None
    value = getattr(checkin, question.maps_to, None)
    return value.value if isinstance(value, SessionResult) else value


def walk_through(
    questionnaire: Questionnaire,
    context: Mapping[str, Any],
    checkin: DailyCheckIn,
    protocol: ProtocolFile | None = None,
) -> tuple[DailyCheckIn, Sequence[Question], tuple[RedFlag, ...]]:
    """Answer the whole walk from ``checkin``: what the engine receives, the questions
    asked, and the red flags that ended it (if any). A required question the day has no
    answer for ends the walk there (an athlete who stopped answering)."""
    current = start(questionnaire, context)
    asked: list[Question] = []
    while not current.complete:
        question = current.question
        assert question is not None
        asked.append(question)
        answer = answer_for(question, checkin)
        if answer is None and not question.optional:
            break
        current = step(questionnaire, current.state, answer, protocol)
    return checkin_from_answers(questionnaire, current.state.answers), asked, current.red_flags
