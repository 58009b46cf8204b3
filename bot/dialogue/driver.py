"""Walk a questionnaire stored as data, with the position stored in the ``dialogues`` row.

Pure functions over the row and the questionnaire; the handlers own the transaction and
the Telegram calls. The answers dict maps question ids to answer values (``None`` for a
skipped optional question); the key :data:`CONTEXT_KEY` holds the values ``ask_if``
conditions may test (``phase``, ``planned_session``...), fixed when the dialogue opens, so
a restart resumes with exactly the same questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.rendering.keyboards import Skipped, Value
from bot.storage.models import Dialogue, DialogueKind
from flows.library import Library
from flows.library.schema import Question, Questionnaire

CONTEXT_KEY = "_ctx"
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
    """The answers given so far (without the context entry)."""
    return {k: v for k, v in (dialogue.answers or {}).items() if k != CONTEXT_KEY}


def context_of(dialogue: Dialogue) -> dict[str, Any]:
    value = (dialogue.answers or {}).get(CONTEXT_KEY) or {}
    return dict(value)


def applies(question: Question, answers: dict[str, Any], context: dict[str, Any]) -> bool:
    """Whether every ``ask_if`` condition of ``question`` holds."""
    for condition in question.ask_if:
        if condition.answer is not None:
            value = answers.get(condition.answer)
        else:
            value = context.get(condition.context or "")
        if value not in condition.in_:
            return False
    return True


def next_index(
    questionnaire: Questionnaire, start: int, answers: dict[str, Any], context: dict[str, Any]
) -> int | None:
    """The first question at or after ``start`` that applies, or ``None`` when done."""
    for index in range(start, len(questionnaire.questions)):
        if applies(questionnaire.questions[index], answers, context):
            return index
    return None


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


def begin(
    questionnaires: Questionnaires, dialogue: Dialogue, context: dict[str, Any] | None = None
) -> Position | None:
    """Store ``context`` and move to the first applicable question."""
    ctx = dict(context or {})
    answers = answers_of(dialogue)
    dialogue.answers = {**answers, CONTEXT_KEY: ctx}
    questionnaire = questionnaire_of(questionnaires, dialogue)
    return _move(dialogue, questionnaire, next_index(questionnaire, 0, answers, ctx))


def record(
    questionnaires: Questionnaires, dialogue: Dialogue, at: Position, value: Value
) -> Position | None:
    """Record ``value`` for the question at ``at`` and move on; the next position or ``None``
    when the questionnaire is complete. The caller checks that ``at`` is current."""
    questionnaire = questionnaire_of(questionnaires, dialogue)
    stored: Any = None if isinstance(value, Skipped) else value
    answers = {**answers_of(dialogue), at.question.id: stored}
    ctx = context_of(dialogue)
    dialogue.answers = {**answers, CONTEXT_KEY: ctx}
    return _move(dialogue, questionnaire, next_index(questionnaire, at.index + 1, answers, ctx))


def _move(dialogue: Dialogue, questionnaire: Questionnaire, index: int | None) -> Position | None:
    if index is None:
        dialogue.question_index = len(questionnaire.questions)
        dialogue.question_id = None
        return None
    question = questionnaire.questions[index]
    dialogue.question_index = index
    dialogue.question_id = question.id
    dialogue.keyboard_message_id = None
    return Position(index, question)


def remember_unit(dialogue: Dialogue, question: Question, unit: str | None) -> None:
    """Keep the unit a typed answer to ``question`` was given in ("mi" for "25 miles")."""
    if unit is None:
        return
    ctx = context_of(dialogue)
    ctx[UNITS_KEY] = {**(ctx.get(UNITS_KEY) or {}), question.id: unit}
    dialogue.answers = {**answers_of(dialogue), CONTEXT_KEY: ctx}


def units_of(dialogue: Dialogue) -> dict[str, str]:
    """The units remembered by :func:`remember_unit`."""
    return dict(context_of(dialogue).get(UNITS_KEY) or {})
