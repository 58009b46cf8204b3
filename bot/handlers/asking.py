"""Putting a question on screen and remembering which message shows it."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message

from bot.context import RemodelContext, Services
from bot.dialogue import driver
from bot.dialogue.driver import Position
from bot.handlers.common import deactivate, deliver
from bot.rendering.keyboards import question_keyboard
from bot.rendering.questions import render_question
from bot.sending import SendOutcome, SendStatus
from bot.storage import Dialogue, KeyboardMark


def keyboard_shown(services: Services, dialogue: Dialogue | None) -> int | None:
    """The message showing the keyboard of ``dialogue``'s question, to drop when the dialogue
    is replaced or asked again; ``None`` when there is none: no message stored, or a question
    answered by typing only (Telegram refuses an edit that changes nothing: found by fuzzing,
    ``/start`` at "How many days ago...")."""
    if dialogue is None or dialogue.keyboard_message_id is None:
        return None
    at = driver.position(services.questionnaires, dialogue)
    if at is None:
        return None
    keyboard = question_keyboard(
        at.question, nonce=dialogue.nonce, index=at.index, texts=services.texts
    )
    return dialogue.keyboard_message_id if keyboard is not None else None


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

    The question is sent at most once: when Telegram gives no answer to its send (a time-out
    after the request went out), it is not sent again, since Telegram may deliver it late and
    two copies would draw a typed answer meant for the copy to the question after it (issue
    13). The outcome is then ``UNCERTAIN`` and no message id is stored: the question counts
    as undelivered, so the athlete's next text, a press on the answered question or the
    reminder asks it (bot/handlers/answers.py), and a press on the late copy answers it.

    The ticker passes ``deactivate_if_blocked=False``: it records a blocked send itself.
    ``ticked``: the options of a multi-select question ticked before it is asked again."""
    services = context.services
    text = render_question(at.question, services.texts)
    keyboard = question_keyboard(
        at.question, nonce=nonce, index=at.index, texts=services.texts, ticked=ticked
    )
    outcome = (
        await deliver(context, chat_id, preface, at_most_once=True)
        if preface
        else SendOutcome[Message].sent()
    )
    if outcome.status not in (SendStatus.BLOCKED, SendStatus.MIGRATED):
        # The preface (a check-in's intro, a reminder's nudge) only introduces the question:
        # whatever became of it, the question goes out (an intro that failed every retry
        # once made a whole check-in missed: the 100 x 7 soak). Neither is sent twice after
        # a time-out. A message of its own: the question's message is edited to echo the answer.
        outcome = await deliver(context, chat_id, text, keyboard, at_most_once=True)
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
