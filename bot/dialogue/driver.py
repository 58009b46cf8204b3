"""Walk a questionnaire stored as data, with the position stored in the ``dialogues`` row.

The walk itself is pure, in ``flows.questionnaire.walk``; this module only maps its state
onto the row and back (one call per answer: :func:`answer`). The handlers own the
transaction and the Telegram calls. The answers dict maps question ids to answer values
(``None`` for a skipped optional question); the key :data:`CONTEXT_KEY` holds the values ``ask_if``
conditions may test (``phase``, ``planned_session``...), fixed when the dialogue opens, so
a restart resumes with exactly the same questions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.rendering.keyboards import Skipped, Value
from bot.storage.models import Dialogue, DialogueKind
from flows.library import Library
from flows.library.schema import ProtocolFile, Question, Questionnaire
from flows.questionnaire import walk

CONTEXT_KEY = "_ctx"
#: The options ticked so far at a multi-select question on screen (before "Done").
TICKED_KEY = "_ticked"
#: Message ids of the questions answered so far (a finished check-in collapses them).
SHOWN_KEY = "_shown"
#: The message id of a copy of the question just answered that was sent after the athlete
#: typed that answer (a question sent twice after a crash, a reminder crossing an answer):
#: the athlete may answer that copy too, and plain text typed after it and before the next
#: question was sent belongs to it, not to the next question.
STALE_KEY = "_stale"
#: Written by versions before 0012 (the last typed answer's message, now
#: ``Athlete.last_typed_message_id``); still read so that it is never taken for an answer.
TYPED_KEY = "_typed"
_NOT_ANSWERS = (CONTEXT_KEY, TICKED_KEY, SHOWN_KEY, TYPED_KEY, STALE_KEY)
#: Under the context: the unit each typed distance answer was given in (question id -> unit).
UNITS_KEY = "units"

#: Dialogue kinds that walk one of the questionnaires of content/<lang>/questionnaires.yaml.
QUESTIONNAIRE_OF: dict[DialogueKind, str] = {
    DialogueKind.ONBOARDING: "onboarding",
    DialogueKind.MORNING: "morning",
    DialogueKind.EVENING: "evening",
    DialogueKind.WEEKLY: "weekly",
    DialogueKind.SYMPTOM: "symptom",
}

CHECKIN_KINDS = frozenset({DialogueKind.MORNING, DialogueKind.EVENING, DialogueKind.WEEKLY})


@dataclass(frozen=True, slots=True)
class Position:
    """The question on screen: its index in the questionnaire and the question."""

    index: int
    question: Question


#: Dialogues that ask a chosen subset of the onboarding questions (ids in the context).
SUBSET_KINDS = frozenset({DialogueKind.SETTINGS, DialogueKind.TIMEZONE})
#: Questionnaires the bot composes itself (from content/<lang>/bot.yaml texts).
EXTRA_OF: dict[DialogueKind, str] = {DialogueKind.CLEARANCE: "clearance"}
QUESTIONS_KEY = "questions"

Questionnaires = Mapping[str, Questionnaire]


def all_questionnaires(
    library: Library, extra: Mapping[str, Questionnaire]
) -> dict[str, Questionnaire]:
    """The library's questionnaires plus the bot's own."""
    return {**library.questionnaires.questionnaires, **extra}


def questionnaire_of(questionnaires: Questionnaires, dialogue: Dialogue) -> Questionnaire:
    """The questionnaire a dialogue walks."""
    kind = DialogueKind(dialogue.kind)
    if kind in QUESTIONNAIRE_OF:
        return questionnaires[QUESTIONNAIRE_OF[kind]]
    if kind in EXTRA_OF:
        return questionnaires[EXTRA_OF[kind]]
    if kind in SUBSET_KINDS:
        onboarding = questionnaires["onboarding"]
        wanted = list(context_of(dialogue).get(QUESTIONS_KEY) or [])
        questions = [q for q in onboarding.questions if q.id in wanted]
        return Questionnaire(title=onboarding.title, questions=questions)
    raise KeyError(f"dialogue kind {kind} walks no questionnaire")


def walks_questionnaire(dialogue: Dialogue) -> bool:
    kind = DialogueKind(dialogue.kind)
    return kind in QUESTIONNAIRE_OF or kind in EXTRA_OF or kind in SUBSET_KINDS


def answers_of(dialogue: Dialogue) -> dict[str, Any]:
    """The answers given so far (without the context entry and the pending ticks)."""
    return {k: v for k, v in (dialogue.answers or {}).items() if k not in (CONTEXT_KEY, TICKED_KEY)}


def context_of(dialogue: Dialogue) -> dict[str, Any]:
    value = (dialogue.answers or {}).get(CONTEXT_KEY) or {}
    return dict(value)


def shown_of(dialogue: Dialogue) -> list[int]:
    """Message ids of the questions answered so far, oldest first."""
    return [int(m) for m in (dialogue.answers or {}).get(SHOWN_KEY) or ()]


def stale_copy_of(dialogue: Dialogue) -> int:
    """The message id of the previous question's copy left unanswered in the athlete's eyes
    (:data:`STALE_KEY`; 0: none)."""
    return int((dialogue.answers or {}).get(STALE_KEY) or 0)


def ticked_of(dialogue: Dialogue) -> tuple[str, ...]:
    """The options ticked so far at the multi-select question on screen (not submitted)."""
    return tuple((dialogue.answers or {}).get(TICKED_KEY) or ())


def state_of(dialogue: Dialogue) -> walk.WalkState:
    """The walk's state as the dialogue row stores it."""
    return walk.WalkState(
        answers=answers_of(dialogue),
        context=context_of(dialogue),
        index=dialogue.question_index,
        ticked=ticked_of(dialogue),
    )


def position(questionnaires: Questionnaires, dialogue: Dialogue) -> Position | None:
    """The question the dialogue waits for (``None`` for dialogues without a questionnaire
    or past the last question)."""
    if not walks_questionnaire(dialogue):
        return None
    questions = questionnaire_of(questionnaires, dialogue).questions
    index = dialogue.question_index
    if 0 <= index < len(questions) and questions[index].id == dialogue.question_id:
        return Position(index, questions[index])
    return None


def only_optional_left(questionnaires: Questionnaires, dialogue: Dialogue, at: Position) -> bool:
    """Whether ``at`` and every question after it may be skipped (an evening check-in
    waiting for its note): the athlete has answered all that the check-in needs."""
    questions = questionnaire_of(questionnaires, dialogue).questions
    return all(question.optional for question in questions[at.index :])


def begin(
    questionnaires: Questionnaires, dialogue: Dialogue, context: dict[str, Any] | None = None
) -> Position | None:
    """Store ``context`` and move to the first applicable question."""
    ctx = dict(context or {})
    answers = answers_of(dialogue)
    # The context first: a subset dialogue's questionnaire is named in it.
    dialogue.answers = {**answers, CONTEXT_KEY: ctx}
    questionnaire = questionnaire_of(questionnaires, dialogue)
    first = walk.start(questionnaire, ctx, answers)
    return _store(dialogue, questionnaire, first)


def answer(
    questionnaires: Questionnaires,
    dialogue: Dialogue,
    at: Position,
    value: Value,
    protocol: ProtocolFile | None = None,
    typed: int | None = None,
) -> walk.Step:
    """Record ``value`` for the question at ``at`` (the caller checked that it is current):
    the one call into the engine per answer. The row moves on (or is left complete); the
    step says what to ask next and which red flags the answers so far raise (with
    ``protocol``). ``typed``: the message id of the text that gave the answer; typed before
    the copy of the question on screen, that copy is remembered (:data:`STALE_KEY`)."""
    questionnaire = questionnaire_of(questionnaires, dialogue)
    stored: Any = None if isinstance(value, Skipped) else value
    state = replace(state_of(dialogue), index=at.index)
    result = walk.step(questionnaire, state, stored, protocol)
    shown = shown_of(dialogue)
    if dialogue.keyboard_message_id is not None:
        shown.append(dialogue.keyboard_message_id)
    on_screen = dialogue.keyboard_message_id
    stale = on_screen if typed is not None and on_screen is not None and typed < on_screen else 0
    _store(dialogue, questionnaire, result, shown, stale)
    return result


def record(
    questionnaires: Questionnaires, dialogue: Dialogue, at: Position, value: Value
) -> Position | None:
    """Record ``value`` for the question at ``at`` and move on; the next position or ``None``
    when the questionnaire is complete. The caller checks that ``at`` is current."""
    result = answer(questionnaires, dialogue, at, value)
    return None if result.question is None else Position(result.index, result.question)


def tick(
    questionnaires: Questionnaires, dialogue: Dialogue, at: Position, option: str, on: bool
) -> tuple[str, ...]:
    """Tick (``on``) or untick an option of the multi-select question at ``at``; the ticks
    now. Idempotent (a double tap changes nothing); ``ValueError`` for a foreign option."""
    questionnaire = questionnaire_of(questionnaires, dialogue)
    state = walk.toggle(questionnaire, replace(state_of(dialogue), index=at.index), option, on)
    dialogue.answers = {
        **(dialogue.answers or {}),
        TICKED_KEY: list(state.ticked),
    }
    return state.ticked


def _store(
    dialogue: Dialogue,
    questionnaire: Questionnaire,
    result: walk.Step,
    shown: Sequence[int] = (),
    stale: int = 0,
) -> Position | None:
    """Write the walk's state onto the row: answers, context, the answered questions'
    messages, a stale copy, position (ticks cleared)."""
    extra: dict[str, Any] = {SHOWN_KEY: list(shown)} if shown else {}
    if stale:
        extra[STALE_KEY] = stale
    dialogue.answers = {
        **result.state.answers,
        CONTEXT_KEY: dict(result.state.context),
        **extra,
    }
    question = result.question
    if question is None:
        dialogue.question_index = len(questionnaire.questions)
        dialogue.question_id = None
        return None
    dialogue.question_index = result.index
    dialogue.question_id = question.id
    dialogue.keyboard_message_id = None
    return Position(result.index, question)


def remember_unit(dialogue: Dialogue, question: Question, unit: str | None) -> None:
    """Keep the unit a typed answer to ``question`` was given in ("mi" for "25 miles")."""
    if unit is None:
        return
    ctx = context_of(dialogue)
    ctx[UNITS_KEY] = {**(ctx.get(UNITS_KEY) or {}), question.id: unit}
    dialogue.answers = {**(dialogue.answers or {}), CONTEXT_KEY: ctx}


def units_of(dialogue: Dialogue) -> dict[str, str]:
    """The units remembered by :func:`remember_unit`."""
    return dict(context_of(dialogue).get(UNITS_KEY) or {})
