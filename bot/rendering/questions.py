"""How a question and an answered question look in the chat."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.rendering.keyboards import Value, grid, token_label
from bot.rendering.texts import Safe, Texts
from flows.library.schema import Question, Questionnaire, QuestionType
from flows.questionnaire.walk import holds

#: A typed note is quoted in the recap up to this many characters.
NOTE_CLIP = 60


def render_question(question: Question, texts: Texts) -> str:
    """The question's text (content HTML, trusted) and a hint on how to answer."""
    parts = [question.text]
    if question.help:
        parts.append(f"<i>{question.help}</i>")
    if question.type is QuestionType.SCALE:
        parts.append(texts.render("question.hint.scale", low=0, high=10))
    elif question.type is QuestionType.MULTI:
        parts.append(texts.render("question.hint.multi"))
    elif grid(question):
        low, high = question.bounds
        parts.append(texts.render("question.hint.grid", low=int(low), high=int(high)))
    elif question.type in (QuestionType.CHOICE, QuestionType.YES_NO):
        parts.append(texts.render("question.hint.choice"))
    else:
        parts.append(texts.render("question.hint.typed"))
    return "\n".join(parts)


def render_answered(question: Question, value: Value, texts: Texts) -> str:
    """The question with its recorded answer (the keyboard is gone)."""
    return texts.render(
        "answer.recorded", question=Safe(question.text), answer=token_label(question, value, texts)
    )


def render_recap(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    context: Mapping[str, Any],
    texts: Texts,
) -> str:
    """One compact message for a finished check-in: each question asked and answered
    (``short`` name and answer), skipped ones left out. Values recorded without asking
    (``otherwise``) are not shown: the athlete did not say them."""
    items: list[str] = []
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if value is None or not holds(question, answers, context):
            continue
        if isinstance(value, str) and question.type is QuestionType.TEXT:
            value = value if len(value) <= NOTE_CLIP else value[: NOTE_CLIP - 1] + "…"
        items.append(
            texts.render(
                "checkin.recap.item",
                name=question.short or question.id,
                answer=token_label(question, value, texts),
            )
        )
    separator = texts.raw("checkin.recap.separator")
    return texts.render(
        "checkin.recap", title=questionnaire.title, answers=Safe(separator.join(items))
    )
