"""How a question and an answered question look in the chat."""

from __future__ import annotations

from bot.rendering.keyboards import Value, token_label
from bot.rendering.texts import Safe, Texts
from flows.library.schema import Question, QuestionType


def render_question(question: Question, texts: Texts) -> str:
    """The question's text (content HTML, trusted) and a hint on how to answer."""
    parts = [question.text]
    if question.help:
        parts.append(f"<i>{question.help}</i>")
    if question.type is QuestionType.SCALE:
        parts.append(texts.render("question.hint.scale", low=0, high=10))
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
