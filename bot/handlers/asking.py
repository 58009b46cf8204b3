"""Putting a question on screen and remembering which message shows it."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message

from bot.context import RemodelContext
from bot.dialogue.driver import Position
from bot.handlers.common import deactivate, deliver
from bot.rendering.keyboards import question_keyboard
from bot.rendering.questions import render_question
from bot.sending import SendOutcome, SendStatus
from bot.storage import KeyboardMark


async def ask(
    context: RemodelContext,
    *,
    athlete_id: int,
    chat_id: int,
    nonce: str,
    at: Position,
    preface: str | None = None,
    deactivate_if_blocked: bool = True,
    ticked: Sequence[str] = (),
) -> SendOutcome[Message]:
    """Send the question at ``at`` (after an optional ``preface`` message) and store the
    message id in the dialogue row, if the dialogue is still at that question; return once
    that is committed.

    The ticker passes ``deactivate_if_blocked=False``: it records a blocked send itself.
    ``ticked``: the options of a multi-select question ticked before it is asked again."""
    services = context.services
    text = render_question(at.question, services.texts)
    keyboard = question_keyboard(
        at.question, nonce=nonce, index=at.index, texts=services.texts, ticked=ticked
    )
    outcome = await deliver(context, chat_id, preface) if preface else SendOutcome[Message].sent()
    if outcome.status is SendStatus.SENT:
        # A message of its own: the question's message is edited to echo the answer.
        outcome = await deliver(context, chat_id, text, keyboard)
    if outcome.status is SendStatus.BLOCKED and deactivate_if_blocked and chat_id > 0:
        await deactivate(services, chat_id)
    if outcome.status is not SendStatus.SENT or outcome.value is None:
        return outcome
    # Conditional on the dialogue still waiting at this question; shares its transaction
    # with the marks of other athletes' questions sent meanwhile.
    await services.keyboard_marks.submit(
        KeyboardMark(
            athlete_id=athlete_id,
            nonce=nonce,
            question_index=at.index,
            message_id=outcome.value.message_id,
            at=services.clock.now(),
        )
    )
    return outcome
