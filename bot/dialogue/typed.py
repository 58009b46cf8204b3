"""Typed answers: the engine's lenient parser, adapted to what the dialogue stores.

Values stored in the dialogue row are JSON-safe: times of day become ``"HH:MM"``.
"""

from __future__ import annotations

from datetime import date, time

from bot.rendering.keyboards import SKIPPED, Value
from flows.library import Library
from flows.library.schema import Question
from flows.questionnaire.answers import Refusal as EngineRefusal
from flows.questionnaire.answers import distance_unit, parse_answer


class Refusal(Exception):
    """A typed answer the question cannot take; ``reason`` is Telegram HTML from content."""

    def __init__(self, reason: str, *, asks: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: The reason is a question back ("Which part of the shin…?"): shown on its own.
        self.asks = asks


def parse_typed(
    library: Library, question: Question, text: str, *, today: date | None = None
) -> Value:
    """Read ``text`` as an answer to ``question`` with the library's readings.yaml;
    :class:`Refusal` when it is not one. ``today`` (the athlete's local date) lets a typed
    date ("2 November") be counted back."""
    result = parse_answer(
        question,
        text,
        library.questionnaires,
        library.readings,
        today=today,
        language=library.language,
    )
    if isinstance(result, EngineRefusal):
        raise Refusal(result.text, asks=result.asks)
    value = result.value
    if value is None:
        return SKIPPED
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value  # type: ignore[no-any-return]


def typed_unit(library: Library, question: Question, text: str) -> str | None:
    """The distance unit ``text`` gives its answer in ("mi" for "25 miles"), for a distance
    question; None otherwise."""
    return distance_unit(question, text, library.readings)
