"""Answers to the questionnaire on screen: typed text and button presses.

Both paths read the athlete, the dialogue and its check-in row, check the answer and
record it (dialogue row, partial answers on the check-in row, or the completion) in **one**
transaction (:func:`_record`); then :func:`_reply` answers the press, edits the answered
question (keyboard gone, answer echoed) and sends what comes next. Those Telegram calls go
out concurrently: the edit changes an older message and the press's answer only stops the
client's spinner, so neither has to wait for the other or for the next question.

Refusals change nothing: a press on a closed dialogue's keyboard (in that dialogue's words:
"this check-in is closed", "you're all set up already", "that report is already sent"),
a second press on an answered question ("already recorded"), a press on someone
else's message, a forged token, garbage text at a question (the engine's refusal text).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update

from bot.context import RemodelContext, Services
from bot.dialogue import driver
from bot.dialogue.driver import Position
from bot.dialogue.typed import Refusal, parse_typed, typed_unit
from bot.handlers import checkin, clearance, clinician, coach, learn, onboarding, settings, symptoms
from bot.handlers.asking import ask
from bot.handlers.common import (
    delete,
    drop_keyboard,
    edit,
    is_private,
    send,
    set_keyboard,
    toast,
)
from bot.metrics import ANSWERS
from bot.rendering import callbacks
from bot.rendering.keyboards import Value, question_keyboard, toggle_of, token_value
from bot.rendering.questions import render_answered, render_recap
from bot.rendering.symptoms import report_keyboard
from bot.rendering.texts import Safe
from bot.sending.pacer import background_sends
from bot.storage import (
    Athlete,
    Checkin,
    CheckinStatus,
    Dialogue,
    DialogueKind,
    advance_dialogue,
    clear_dialogue,
    get_answering,
    get_checkin_by_nonce,
    nonce_kind,
)

log = logging.getLogger(__name__)

#: Longer typed answers are refused before parsing (the longest question takes 500).
MAX_TYPED = 1000


@dataclass(slots=True)
class _Applied:
    """What a committed answer leaves to do on Telegram."""

    athlete_id: int
    chat_id: int
    nonce: str
    at: Position
    value: Value
    kind: DialogueKind
    now: datetime
    answered_message: int | None
    next_at: Position | None = None
    outcome: list[str] = field(default_factory=list)
    closed: bool = False
    #: A finished check-in: its recap (replaces the last question) and the messages of
    #: the questions answered before it (deleted once the outcome is out).
    recap: str | None = None
    shown: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Toggle:
    """A tick or untick at the multi-select question on screen (not an answer yet)."""

    at: Position
    option: str
    on: bool


class _Refused(Enum):
    """Why a press changes nothing (see the table in docs/bot.md)."""

    FOREIGN = "foreign"
    CLOSED = "closed"
    ALREADY = "already"
    STALE = "stale"


async def on_text(update: Update, context: RemodelContext) -> None:
    """Plain text in a private chat: an answer to the question on screen, or a pointer."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    chat_id = message.chat_id
    text = message.text or ""
    reply: str | None = None
    reask: tuple[int, str, Position] | None = None
    applied: _Applied | None = None
    report = False
    topic: str | None = None
    keyboard: InlineKeyboardMarkup | None = None
    async with services.store.transaction() as session:
        athlete, dialogue, row = await get_answering(session, user.id)
        at = driver.position(services.questionnaires, dialogue) if dialogue else None
        if athlete is None or athlete.id is None:
            reply = texts.render("pointer.not_registered")
        elif message.message_id <= (athlete.last_typed_message_id or 0):
            # This very text was already acted on: Telegram delivered it again (a crash
            # before the update was acknowledged, a polled update replayed). Never the answer
            # to the question on screen now, in this dialogue or a later one.
            reply = texts.render("answer.already")
        elif dialogue is None or at is None:
            # Outside a dialogue, text that reads like a symptom starts a symptom report, and
            # a /learn topic's name opens it.
            report = athlete.onboarded and symptoms.reads_like_symptom(services, text)
            topic = None if report else learn.typed_topic(services, text)
            reply = None if report or topic else texts.render("pointer.free_text")
        elif dialogue.keyboard_message_id is None and not _replies_to_copy(message, dialogue, at):
            # The question was never delivered (a crash between saving and sending), or its
            # send timed out and it may have arrived late (bot/handlers/asking.py): ask it
            # now rather than taking this text as its answer. A reply to that late copy
            # names the question, and answers it. The text is used up either way: a copy of
            # it delivered again (once the question is on screen) must not answer it.
            athlete.last_typed_message_id = message.message_id
            reask = (athlete.id, dialogue.nonce, at)
        elif _replies_to_another_question(
            message, dialogue.nonce, at.index, dialogue.keyboard_message_id
        ):
            # A reply to an earlier question (or a late copy of one, delivered after a
            # retried send): never filed under the question on screen now.
            reply = texts.render("answer.already_typed")
        elif _answers_stale_copy(message, dialogue):
            # Typed at a copy of the question before, whose answer had been typed before that
            # copy came (a question sent twice after a crash): an answer to that copy, which
            # is answered; never the question on screen, sent after it.
            reply = texts.render("answer.already_typed")
        elif len(text) > MAX_TYPED:
            reply = texts.render("answer.too_long")
        else:
            try:
                today = checkin.local_today(athlete, services.clock.now())
                value = parse_typed(services.library, at.question, text, today=today)
                await onboarding.validate(
                    services,
                    athlete,
                    dialogue.kind,
                    at.question,
                    value,
                    answers=driver.answers_of(dialogue),
                )
            except Refusal as refusal:
                key = "answer.ask_back" if refusal.asks else "answer.invalid"
                reply = texts.render(key, reason=Safe(refusal.reason))
                if dialogue.kind is not DialogueKind.SYMPTOM and symptoms.reads_like_symptom(
                    services, text
                ):
                    # A symptom typed while a question is open: offer the report at once.
                    reply = f"{reply}\n\n{texts.render('symptom.offer')}"
                    keyboard = report_keyboard(texts)
            else:
                driver.remember_unit(
                    dialogue, at.question, typed_unit(services.library, at.question, text)
                )
                applied = await _record(
                    services, session, athlete, dialogue, row, at, value, message.message_id
                )
                if applied.answered_message is None and message.reply_to_message is not None:
                    applied.answered_message = message.reply_to_message.message_id  # late copy
    if report:
        await symptoms.begin(
            context, user.id, chat_id, source="text", said=text, typed=message.message_id
        )
    elif topic is not None:
        await learn.send_topic(context, user.id, chat_id, topic)
    elif reply is not None:
        await send(context, chat_id, reply, keyboard)
    elif reask is not None:
        athlete_id, nonce, at = reask
        await ask(context, athlete_id=athlete_id, chat_id=chat_id, nonce=nonce, at=at)
    elif applied is not None:
        await _reply(context, applied)


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
    refused: _Refused | None = None
    applied: _Applied | None = None
    reask: tuple[int, str, Position] | None = None
    ticks: tuple[Position, str, tuple[str, ...]] | None = None
    closed: tuple[str, str | None] = ("checkin.closed.toast", "checkin.closed")
    async with services.store.transaction() as session:
        athlete, dialogue, row = await get_answering(session, query.from_user.id)
        checked = _check_press(services, data, chat_id, athlete, dialogue)
        if isinstance(checked, _Refused):
            refused = checked
            reask = _undelivered(services, refused, athlete, dialogue)
            if refused is _Refused.CLOSED:
                asked = (
                    await get_checkin_by_nonce(session, athlete.id, data.nonce)
                    if athlete is not None and athlete.id is not None
                    else None
                )
                closed = _closed_words(data.nonce, athlete, dialogue, asked)
        elif isinstance(checked, _Toggle):
            assert dialogue is not None
            now = driver.tick(
                services.questionnaires, dialogue, checked.at, checked.option, checked.on
            )
            ticks = (checked.at, dialogue.nonce, now)
            await advance_dialogue(session, dialogue, services.clock.now())
        else:
            assert athlete is not None
            assert dialogue is not None
            applied = await _record(services, session, athlete, dialogue, row, *checked)
            copy = message if isinstance(message, Message) else None
            if copy and _names_question(copy) == (applied.nonce, applied.at.index):
                # The late copy of a question whose send timed out (its id was never
                # stored) echoes the answer, unless a copy with a stored id does.
                applied.answered_message = applied.answered_message or copy.message_id
    if applied is not None:
        await _reply(context, applied, query)
    elif ticks is not None and message is not None:
        at, nonce, ticked = ticks
        keyboard = question_keyboard(
            at.question, nonce=nonce, index=at.index, texts=texts, ticked=ticked
        )
        await asyncio.gather(
            toast(query), set_keyboard(context, chat_id, message.message_id, keyboard)
        )
    elif refused is _Refused.FOREIGN:
        # Someone other than the athlete (e.g. a group member) pressed an athlete's button.
        await toast(query, texts.raw("error.foreign_press"), alert=True)
    elif refused is _Refused.CLOSED:
        toast_key, message_key = closed
        await toast(query, texts.raw(toast_key))
        if message_key is not None:
            await send(context, chat_id, texts.render(message_key))
        # Only a message that shows a keyboard: Telegram refuses "not modified" otherwise
        # (a forged press on a plain message, found by fuzzing).
        if message is not None and getattr(message, "reply_markup", None) is not None:
            await drop_keyboard(context, chat_id, message.message_id)
    elif refused is _Refused.ALREADY:
        await toast(query, texts.raw("answer.already"))
        if reask is not None:
            # The next question was never delivered (a crash between saving this answer and
            # sending it): ask it now, or the athlete is stuck at an answered question.
            athlete_id, nonce, at = reask
            await ask(context, athlete_id=athlete_id, chat_id=chat_id, nonce=nonce, at=at)
    else:
        await toast(query, texts.raw("error.stale_button"))


def _replies_to_another_question(
    message: Message, nonce: str, index: int, keyboard_message_id: int | None
) -> bool:
    """Whether ``message`` replies to a bot question other than the one on screen (``nonce``,
    ``index``, shown by ``keyboard_message_id``): an answered question (edited to echo its
    answer) or a copy whose buttons name another question (a retried send delivered late).
    Text that replies to nothing, or to another kind of message, binds to the question on
    screen."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return False
    if replied.message_id != keyboard_message_id and replied.edit_date is not None:
        return True  # our only edits of a dialogue's messages echo an answer
    named = _names_question(replied)
    return named is not None and named != (nonce, index)


def _replies_to_copy(message: Message, dialogue: Dialogue, at: Position) -> bool:
    """Whether ``message`` replies to a copy of the question on screen (``at``)."""
    return _names_question(message.reply_to_message) == (dialogue.nonce, at.index)


def _answers_stale_copy(message: Message, dialogue: Dialogue) -> bool:
    """Whether plain text ``message`` was typed after the previous question's stale copy
    (:data:`bot.dialogue.driver.STALE_KEY`) and before the question on screen was sent."""
    stale = driver.stale_copy_of(dialogue)
    shown = dialogue.keyboard_message_id
    return (
        bool(stale)
        and shown is not None
        and message.reply_to_message is None
        and stale < message.message_id < shown
    )


def _names_question(replied: Message | None) -> tuple[str, int] | None:
    """The (nonce, question index) the answer buttons of a bot message name, if any."""
    markup = replied.reply_markup if replied is not None else None
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            raw = button.callback_data if isinstance(button.callback_data, str) else None
            try:
                data = callbacks.decode(raw)
            except callbacks.CallbackDataError:
                continue
            if data.is_answer:
                return data.nonce, data.question_index
    return None


def _undelivered(
    services: Services, refused: _Refused, athlete: Athlete | None, dialogue: Dialogue | None
) -> tuple[int, str, Position] | None:
    """The question to ask again when a press is refused as already recorded but the
    question after it never reached the screen: the worker that recorded the answer died
    before sending it, and this is Telegram delivering the unacknowledged press again
    (bot/webhook.py). One athlete's updates are handled one after another (in a process by
    its lock, across workers because an update is acknowledged only once handled), so a
    question without a message here is not one being sent right now."""
    if refused is not _Refused.ALREADY or athlete is None or athlete.id is None:
        return None
    if dialogue is None or dialogue.keyboard_message_id is not None:
        return None
    at = driver.position(services.questionnaires, dialogue)
    return None if at is None else (athlete.id, dialogue.nonce, at)


def _closed_words(
    nonce: str, athlete: Athlete | None, dialogue: Dialogue | None, asked: Checkin | None
) -> tuple[str, str | None]:
    """What a press on the keyboard of a dialogue that ended (or was replaced) says, in
    that dialogue's terms: the text key of the toast, and of a message to send (``None``:
    the toast is all). The dialogue's kind is its nonce's tag (the row is gone);
    ``dialogue`` is the one open now, if any.

    A finished check-in keeps its message (a pointer to /checkin and to the clinician for
    pain at night, at rest or walking: the answer was not recorded). A finished onboarding
    (the double tap on its last button among them) and a sent report only need a word that
    nothing is lost. A nonce from before the tag names no kind: the check-in words, as
    every press was answered before. ``asked`` is the check-in this dialogue asked, found by
    the nonce: when it was answered, the press raced the answer that finished it (the second
    tap of the last button: once the check-in is done its buttons are gone), and "already
    recorded" is the truth; "not recorded" would tell a lie about a finished check-in."""
    if asked is not None and asked.status is CheckinStatus.ANSWERED:
        return "answer.already", None
    kind = nonce_kind(nonce)
    if kind is DialogueKind.ONBOARDING and athlete is not None and athlete.onboarded:
        return "closed.onboarding.toast", None
    if kind is DialogueKind.SYMPTOM:
        again = dialogue is not None and dialogue.kind == DialogueKind.SYMPTOM
        return ("closed.symptom_again.toast" if again else "closed.symptom.toast"), None
    if kind is None or kind in driver.CHECKIN_KINDS:
        return "checkin.closed.toast", "checkin.closed"
    return "closed.other.toast", None


def _check_press(
    services: Services,
    data: callbacks.CallbackData,
    chat_id: int,
    athlete: Athlete | None,
    dialogue: Dialogue | None,
) -> tuple[Position, Value] | _Toggle | _Refused:
    """The question and value a press answers, or why it is refused (pure)."""
    if athlete is None or athlete.id is None or chat_id != athlete.chat_id:
        return _Refused.FOREIGN
    if dialogue is None or dialogue.nonce != data.nonce:
        return _Refused.CLOSED
    at = driver.position(services.questionnaires, dialogue)
    if at is None or data.question_index < at.index:
        return _Refused.ALREADY
    if data.question_index != at.index:
        return _Refused.STALE
    try:
        toggled = toggle_of(at.question, data.option)
        if toggled is not None:
            return _Toggle(at, *toggled)
        return at, token_value(at.question, data.option, driver.ticked_of(dialogue))
    except ValueError:
        log.warning("forged or outdated option %r for question %s", data.option, at.question.id)
        return _Refused.STALE


async def _record(
    services: Services,
    session: AsyncSession,
    athlete: Athlete,
    dialogue: Dialogue,
    row: Checkin | None,
    at: Position,
    value: Value,
    typed: int | None = None,
) -> _Applied:
    """Record ``value`` at ``at`` (the dialogue's current question) in the caller's
    transaction: move on, or complete the questionnaire. ``row`` is the dialogue's check-in,
    read in the same transaction; ``typed``: the message id of a typed answer. No Telegram
    call here: the caller replies after commit."""
    assert athlete.id is not None
    applied = _Applied(
        athlete_id=athlete.id,
        chat_id=athlete.chat_id,
        nonce=dialogue.nonce,
        at=at,
        value=value,
        kind=dialogue.kind,
        now=services.clock.now(),
        answered_message=dialogue.keyboard_message_id,
    )
    # The one call into the engine for this answer: the next question, and the red
    # flags the answers so far raise (check-ins only).
    protocol = services.library.protocol if dialogue.kind in driver.CHECKIN_KINDS else None
    result = driver.answer(services.questionnaires, dialogue, at, value, protocol, typed)
    if typed is not None:
        athlete.last_typed_message_id = typed
    if dialogue.checkin_id is not None and (row is None or not row.status.is_open):
        # Too late: the next check-in came (or the grace window passed). The answer is
        # not filed, but a red flag in it is acted on now: safety never waits.
        if result.red_flags:
            applied.outcome = await checkin.late_red_flag(services, session, athlete, dialogue)
        await clear_dialogue(session, athlete.id)
        applied.closed = True
        return applied
    ANSWERS.inc()
    next_at = None if result.question is None else Position(result.index, result.question)
    if result.red_flags:
        next_at = None  # a red flag ends the check-in at once
    if dialogue.kind is DialogueKind.SYMPTOM and symptoms.red_flag_now(services, athlete, dialogue):
        next_at = None  # and a symptom report
    if onboarding.declined(dialogue):
        next_at = None
    if next_at is None:
        if dialogue.kind in driver.CHECKIN_KINDS:
            applied.recap = render_recap(
                driver.questionnaire_of(services.questionnaires, dialogue),
                driver.answers_of(dialogue),
                driver.context_of(dialogue),
                services.texts,
            )
            applied.shown = [m for m in driver.shown_of(dialogue) if m != applied.answered_message]
        applied.outcome = await _complete(services, session, athlete, dialogue)
    else:
        await advance_dialogue(session, dialogue, applied.now)
        await checkin.keep_partial(services, session, dialogue)
    applied.next_at = next_at
    return applied


async def _reply(
    context: RemodelContext, applied: _Applied, query: CallbackQuery | None = None
) -> None:
    """After the commit: answer the press, echo the answer, send what comes next."""
    texts = context.services.texts
    chat_id = applied.chat_id
    first: list[Awaitable[Any]] = [toast(query)] if query is not None else []
    if applied.closed:
        if applied.answered_message is not None:
            first.append(drop_keyboard(context, chat_id, applied.answered_message))
        await asyncio.gather(*first)
        await send(context, chat_id, texts.render("checkin.closed"))
        # A late red flag's advice: a reply like the rest (what to do next is not background).
        for text in applied.outcome:
            await send(context, chat_id, text)
        if applied.outcome:
            await coach.notify(context, applied.athlete_id, since=applied.now)
            await clinician.notify(context, applied.athlete_id, since=applied.now)
        return
    if applied.answered_message is not None:
        # A finished check-in collapses: its last question becomes the recap.
        answered = applied.recap or render_answered(applied.at.question, applied.value, texts)
        first.append(edit(context, chat_id, applied.answered_message, answered))
    elif applied.recap is not None:
        first.append(send(context, chat_id, applied.recap))
    if applied.next_at is not None:
        next_question = ask(
            context,
            athlete_id=applied.athlete_id,
            chat_id=chat_id,
            nonce=applied.nonce,
            at=applied.next_at,
        )
        await asyncio.gather(*first, next_question)
        return
    outcome = list(applied.outcome)
    if applied.answered_message is not None and outcome:
        # The recap is an edit of an older message: the outcome's first message need not
        # wait for it (the athlete is waiting for the outcome, not the recap).
        *_, sent = await asyncio.gather(*first, send(context, chat_id, outcome.pop(0)))
        if sent is None:
            outcome = []
    else:
        await asyncio.gather(*first)
    # The reply is on screen; the rest is read a moment later: it lets other athletes'
    # replies go first when the budget is short (bot/sending/pacer.py).
    with background_sends():
        for text in outcome:
            if await send(context, chat_id, text) is None:
                break
        # The trail of answered questions goes once the outcome is on screen.
        if applied.shown:
            await delete(context, chat_id, applied.shown)
        if applied.kind in driver.CHECKIN_KINDS or applied.kind is DialogueKind.SYMPTOM:
            await coach.notify(context, applied.athlete_id, since=applied.now)
            await clinician.notify(context, applied.athlete_id, since=applied.now)


async def _complete(
    services: Services, session: AsyncSession, athlete: Athlete, dialogue: Dialogue
) -> list[str]:
    if dialogue.kind is DialogueKind.ONBOARDING:
        return await onboarding.complete(services, session, athlete, dialogue)
    if dialogue.kind in driver.CHECKIN_KINDS:
        return await checkin.complete(services, session, athlete, dialogue)
    if dialogue.kind in (DialogueKind.SETTINGS, DialogueKind.TIMEZONE):
        return await settings.complete(services, session, athlete, dialogue)
    if dialogue.kind is DialogueKind.CLEARANCE:
        return await clearance.complete(services, session, athlete, dialogue)
    if dialogue.kind is DialogueKind.SYMPTOM:
        return await symptoms.complete(services, session, athlete, dialogue)
    log.error("dialogue kind %s has no completion", dialogue.kind)
    return []
