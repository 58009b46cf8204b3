"""Inline keyboards built from the engine's answer options.

Each button carries ``v1:a:<nonce>:<question index>:<token>`` where the token is

* a scale value ``0``..``10`` (two compact rows: 0–5 and 6–10),
* ``y`` / ``n`` for a yes/no question,
* the option's index for a choice question (option values may be up to 20 characters;
  an index keeps every button far below Telegram's 64-byte limit),
* a grid value (``0``, ``10``, ... ``100``) for a number question with a ``step``,
* ``t<i>`` / ``u<i>`` to tick / untick option ``i`` of a multi-select question (setting a
  state, not flipping it: a double tap changes nothing), ``none`` ("None of these", only
  while nothing is ticked) and ``ok`` ("Done": the ticks so far),
* ``skip`` for an optional question.

:func:`token_value` turns a pressed token back into the answer value, or raises
``ValueError`` for a token the question does not offer (a forged press).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from itertools import groupby

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rendering import callbacks
from bot.rendering.texts import Texts
from flows.library.schema import Question, QuestionType

SKIP = "skip"
YES, NO = "y", "n"
TICK, UNTICK = "t", "u"
NONE, DONE = "none", "ok"
#: Grid buttons per row (a number question with a step: 0-50 and 60-100 on a phone).
GRID_ROW = 6
#: Buttons per row for choice questions (labels are short phrases).
CHOICE_ROW = 2


class Skipped:
    """The answer value of a skipped optional question."""

    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED = Skipped()

Value = bool | int | float | str | list[str] | Skipped


def grid(question: Question) -> list[int]:
    """The values offered as buttons by a number question with a ``step`` (else none)."""
    if question.type is not QuestionType.NUMBER or not question.step:
        return []
    low, high = question.bounds
    count = int((high - low) / question.step + 1e-9) + 1
    return [int(low + n * question.step) for n in range(count)]


def toggle_of(question: Question, token: str) -> tuple[str, bool] | None:
    """``(option value, ticked)`` for a tick/untick token of a multi-select question, else
    ``None`` (not a toggle; a foreign option index raises ``ValueError``)."""
    if question.type is not QuestionType.MULTI or token[:1] not in (TICK, UNTICK):
        return None
    digits = token[1:]
    if digits.isascii() and digits.isdigit() and int(digits) < len(question.options):
        return question.options[int(digits)].value, token[0] == TICK
    raise ValueError(f"token {token!r} is not a button of question {question.id!r}")


def _button(label: str, nonce: str, index: int, token: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.answer(nonce, index, token))


def question_keyboard(
    question: Question,
    *,
    nonce: str,
    index: int,
    texts: Texts,
    ticked: Sequence[str] = (),
) -> InlineKeyboardMarkup | None:
    """The keyboard of ``question`` (``None`` for typed-only questions); ``ticked``: the
    options of a multi-select question ticked so far (shown with a ✓)."""
    rows: list[list[InlineKeyboardButton]] = []
    values = grid(question)
    if values:
        for start in range(0, len(values), GRID_ROW):
            rows.append(
                [_button(str(v), nonce, index, v) for v in values[start : start + GRID_ROW]]
            )
    elif question.type is QuestionType.MULTI:
        for i, option in enumerate(question.options):
            on = option.value in ticked
            label = texts.render("buttons.ticked", label=option.label) if on else option.label
            rows.append(
                [_button(html.unescape(label), nonce, index, f"{UNTICK if on else TICK}{i}")]
            )
        last = DONE if ticked else NONE
        rows.append([_button(texts.raw(f"buttons.multi_{last}"), nonce, index, last)])
    elif question.type is QuestionType.SCALE:
        rows.append([_button(str(v), nonce, index, v) for v in range(6)])
        rows.append([_button(str(v), nonce, index, v) for v in range(6, 11)])
    elif question.type is QuestionType.YES_NO:
        rows.append(
            [
                _button(texts.raw("buttons.yes"), nonce, index, YES),
                _button(texts.raw("buttons.no"), nonce, index, NO),
            ]
        )
    elif question.type is QuestionType.CHOICE:
        indexed = list(enumerate(question.options))
        # Options that share a group (e.g. the region of a site) stay on rows of their own.
        for _, members in groupby(indexed, key=lambda pair: pair[1].group):
            group = list(members)
            for start in range(0, len(group), CHOICE_ROW):
                rows.append(
                    [
                        _button(o.label, nonce, index, i)
                        for i, o in group[start : start + CHOICE_ROW]
                    ]
                )
    if question.optional:
        rows.append([_button(texts.raw("buttons.skip"), nonce, index, SKIP)])
    return InlineKeyboardMarkup(rows) if rows else None


def token_value(question: Question, token: str, ticked: Sequence[str] = ()) -> Value:
    """The answer a pressed token stands for (``ticked``: a multi-select question's ticks
    so far, what "Done" submits); ``ValueError`` for a button the question does not offer
    (a forged or outdated press: "None of these" from a keyboard older than a tick)."""
    if token == SKIP:
        if question.optional:
            return SKIPPED
        raise ValueError("question is not optional")
    if question.type is QuestionType.MULTI:
        if token == DONE or (token == NONE and not ticked):
            return list(ticked)
    elif question.type is QuestionType.NUMBER:
        if token.isascii() and token.isdigit() and int(token) in grid(question):
            return int(token)
    elif question.type is QuestionType.SCALE:
        if token.isascii() and token.isdigit() and 0 <= int(token) <= 10:
            return int(token)
    elif question.type is QuestionType.YES_NO:
        if token in (YES, NO):
            return token == YES
    elif question.type is QuestionType.CHOICE and token.isascii() and token.isdigit():
        position = int(token)
        if position < len(question.options):
            return question.options[position].value
    raise ValueError(f"token {token!r} is not a button of question {question.id!r}")


def token_label(question: Question, value: Value, texts: Texts) -> str:
    """How an answer value reads back to the athlete (for the answered question's echo)."""
    if isinstance(value, Skipped):
        return texts.raw("buttons.skip")
    if isinstance(value, bool):
        return texts.raw("buttons.yes" if value else "buttons.no")
    if isinstance(value, list):
        labels = [o.label for o in question.options if o.value in value]
        return ", ".join(labels) if labels else texts.raw("buttons.multi_none")
    if question.type is QuestionType.CHOICE:
        for option in question.options:
            if option.value == value:
                return option.label
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if question.unit and isinstance(value, int | float):
        # "1 day", "21 days", "80%": the unit's phrase in the right plural (bot.yaml);
        # rendered escaped, then read back as plain text for the caller to escape.
        key = f"unit.{question.unit}"
        if key in texts:
            return html.unescape(texts.render(key, value=value))
        return f"{value} {question.unit}"
    return str(value)
