"""Answers to the questionnaire on screen: typed text and button presses.

Both paths end in :func:`apply_answer`, which records the answer in the dialogue row,
moves to the next question (or completes the questionnaire) in one transaction, then
edits the answered question (keyboard gone, answer echoed) and sends what comes next.

Refusals change nothing: a press on a closed dialogue's keyboard ("this check-in is
closed"), a second press on an answered question ("already recorded"), a press on someone
else's message, a forged token, garbage text at a question (the engine's refusal text).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update

from bot.context import RemodelContext
from bot.dialogue import driver
from bot.dialogue.driver import Position
from bot.dialogue.typed import Refusal, parse_typed
from bot.handlers import checkin, clearance, coach, onboarding, settings
from bot.handlers.asking import ask
from bot.handlers.common import drop_keyboard, edit, is_private, send, toast
from bot.rendering import callbacks
from bot.rendering.keyboards import Value, token_value
from bot.rendering.questions import render_answered
from bot.rendering.texts import Safe
from bot.storage import (
    Athlete,
    DialogueKind,
    clear_dialogue,
    get_athlete_by_telegram_id,
    get_checkin,
    get_dialogue,
    save_dialogue,
)

log = logging.getLogger(__name__)

#: Longer typed answers are refused before parsing (the longest question takes 500).
MAX_TYPED = 1000


async def on_text(update: Update, context: RemodelContext) -> None:
    """Plain text in a private chat: an answer to the question on screen, or a pointer."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    chat_id = message.chat_id
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
        dialogue = await get_dialogue(session, athlete.id) if athlete and athlete.id else None
    if athlete is None or athlete.id is None:
        await send(context, chat_id, texts.render("pointer.not_registered"))
        return
    if dialogue is None:
        await send(context, chat_id, texts.render("pointer.free_text"))
        return
    at = driver.position(services.questionnaires, dialogue)
    if at is None:
        await send(context, chat_id, texts.render("pointer.free_text"))
        return
    if dialogue.keyboard_message_id is None:
        # The question was never delivered (a crash between saving and sending): ask it
        # now rather than taking this text as its answer.
        await ask(context, athlete_id=athlete.id, chat_id=chat_id, nonce=dialogue.nonce, at=at)
        return
    text = message.text or ""
    if len(text) > MAX_TYPED:
        await send(context, chat_id, texts.render("answer.too_long"))
        return
    try:
        value = parse_typed(services.library, at.question, text)
        await onboarding.validate(services, athlete, dialogue.kind, at.question, value)
    except Refusal as refusal:
        await send(context, chat_id, texts.render("answer.invalid", reason=Safe(refusal.reason)))
        return
    await apply_answer(context, athlete, dialogue.nonce, at, value)


async def on_media(update: Update, context: RemodelContext) -> None:
    """Photos, stickers, voice...: we read text and buttons only."""
    message = update.effective_message
    if message is None or not is_private(update):
        return
    await send(context, message.chat_id, context.services.texts.render("answer.unexpected_media"))


async def on_press(update: Update, context: RemodelContext) -> None:
    """A press on one of our answer buttons (``v1:a:...``)."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    texts = services.texts
    try:
        data = callbacks.decode(query.data)
    except callbacks.CallbackDataError:
        await toast(query, texts.raw("error.stale_button"))
        return
    if not data.is_answer:
        await toast(query, texts.raw("error.stale_button"))
        return
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
        dialogue = await get_dialogue(session, athlete.id) if athlete and athlete.id else None
    if athlete is None or athlete.id is None or chat_id != athlete.chat_id:
        # Someone other than the athlete (e.g. a group member) pressed an athlete's button.
        await toast(query, texts.raw("error.foreign_press"), alert=True)
        return
    if dialogue is None or dialogue.nonce != data.nonce:
        await toast(query, texts.raw("checkin.closed.toast"))
        await send(context, chat_id, texts.render("checkin.closed"))
        if message is not None:
            await drop_keyboard(context, chat_id, message.message_id)
        return
    at = driver.position(services.questionnaires, dialogue)
    if at is None or data.question_index < at.index:
        await toast(query, texts.raw("answer.already"))
        return
    if data.question_index != at.index:
        await toast(query, texts.raw("error.stale_button"))
        return
    try:
        value = token_value(at.question, data.option)
    except ValueError:
        log.warning("forged or outdated option %r for question %s", data.option, at.question.id)
        await toast(query, texts.raw("error.stale_button"))
        return
    await toast(query)
    await apply_answer(context, athlete, dialogue.nonce, at, value)


async def apply_answer(
    context: RemodelContext, athlete: Athlete, nonce: str, at: Position, value: Value
) -> None:
    """Record ``value`` at ``at``; then echo it and send the next question or the outcome."""
    services = context.services
    texts = services.texts
    assert athlete.id is not None
    now = services.clock.now()
    outcome: list[str] = []
    next_at: Position | None = None
    closed = False
    async with services.store.transaction() as session:
        dialogue = await get_dialogue(session, athlete.id)
        current = driver.position(services.questionnaires, dialogue) if dialogue else None
        if dialogue is None or dialogue.nonce != nonce or current != at:
            return  # changed under us (cannot happen under the athlete lock; be safe)
        answered_message = dialogue.keyboard_message_id
        kind = dialogue.kind
        row = await get_checkin(session, dialogue.checkin_id) if dialogue.checkin_id else None
        if dialogue.checkin_id is not None and (row is None or not row.status.is_open):
            # Too late: the next check-in came (or the grace window passed). The answer is
            # not filed, but a red flag in it is acted on now: safety never waits.
            driver.record(services.questionnaires, dialogue, at, value)
            fresh = await get_athlete_by_telegram_id(session, athlete.telegram_user_id)
            if fresh is not None and checkin.red_flag_now(services, fresh, dialogue):
                outcome = await checkin.late_red_flag(services, session, fresh, dialogue)
            await clear_dialogue(session, athlete.id)
            closed = True
        else:
            next_at = driver.record(services.questionnaires, dialogue, at, value)
            fresh = await get_athlete_by_telegram_id(session, athlete.telegram_user_id)
            assert fresh is not None
            if dialogue.kind in driver.CHECKIN_KINDS and checkin.red_flag_now(
                services, fresh, dialogue
            ):
                next_at = None  # a red flag ends the check-in at once
            if onboarding.declined(dialogue):
                next_at = None
            if next_at is None:
                outcome = await _complete(context, session, fresh, dialogue)
            else:
                await save_dialogue(session, dialogue, now)
                await checkin.keep_partial(services, session, dialogue)
    chat_id = athlete.chat_id
    if closed:
        if answered_message is not None:
            await drop_keyboard(context, chat_id, answered_message)
        await send(context, chat_id, texts.render("checkin.closed"))
        for text in outcome:
            await send(context, chat_id, text)
        if outcome:
            await coach.notify(context, athlete.id, since=now)
        return
    if answered_message is not None:
        await edit(context, chat_id, answered_message, render_answered(at.question, value, texts))
    if next_at is not None:
        await ask(context, athlete_id=athlete.id, chat_id=chat_id, nonce=nonce, at=next_at)
        return
    for text in outcome:
        if await send(context, chat_id, text) is None:
            break
    if kind in driver.CHECKIN_KINDS:
        await coach.notify(context, athlete.id, since=now)


async def _complete(
    context: RemodelContext, session: Any, athlete: Athlete, dialogue: Any
) -> list[str]:
    if dialogue.kind is DialogueKind.ONBOARDING:
        return await onboarding.complete(context.services, session, athlete, dialogue)
    if dialogue.kind in driver.CHECKIN_KINDS:
        return await checkin.complete(context.services, session, athlete, dialogue)
    if dialogue.kind in (DialogueKind.SETTINGS, DialogueKind.TIMEZONE):
        return await settings.complete(context.services, session, athlete, dialogue)
    if dialogue.kind is DialogueKind.CLEARANCE:
        return await clearance.complete(context.services, session, athlete, dialogue)
    log.error("dialogue kind %s has no completion", dialogue.kind)
    return []
