"""Small helpers shared by the handlers: sending with the error policy, guards, lookups."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.context import RemodelContext, Services
from bot.rendering.html import split_message
from bot.sending import SendOutcome, SendStatus, send_with_policy
from bot.storage import get_athlete_by_telegram_id, set_active

log = logging.getLogger(__name__)


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == Chat.PRIVATE


async def deactivate(services: Services, telegram_user_id: int) -> None:
    """The user blocked the bot: no more check-ins until they /start again."""
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, telegram_user_id)
        if athlete is not None and athlete.active:
            await set_active(session, athlete, False, services.clock.now())
    log.info("athlete (telegram user %s) blocked the bot: deactivated", telegram_user_id)


async def deliver(
    context: RemodelContext,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    at_most_once: bool = False,
) -> SendOutcome[Message]:
    """Send an HTML message under the pacer and the error policy (retries with backoff on
    network errors, waits out flood control). Too long a text is split at paragraphs; the
    keyboard goes on the last part. The outcome of the last part (or of the first failure).

    ``at_most_once`` (questions): a part whose send may have been delivered without an answer
    is not sent again, and the outcome is ``UNCERTAIN`` (bot/sending/policy.py)."""
    services = context.services
    outcome: SendOutcome[Message] = SendOutcome.failed("nothing to send")
    parts = split_message(text)
    for number, part in enumerate(parts, start=1):
        markup = keyboard if number == len(parts) else None

        def call(part: str = part, markup: InlineKeyboardMarkup | None = markup) -> Any:
            return context.bot.send_message(
                chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup
            )

        outcome = await send_with_policy(
            call, chat_id=chat_id, pacer=services.pacer, at_most_once=at_most_once
        )
        if outcome.status is not SendStatus.SENT:
            if outcome.status is SendStatus.FAILED:
                log.error("message to chat %s not delivered: %s", chat_id, outcome.error)
            break
    return outcome


async def send(
    context: RemodelContext,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """:func:`deliver` for handlers: the message, or ``None`` when it could not be delivered
    (a user who blocked the bot is deactivated here)."""
    outcome = await deliver(context, chat_id, text, keyboard)
    if outcome.status is SendStatus.BLOCKED and chat_id > 0:
        await deactivate(context.services, chat_id)
    return outcome.value if outcome.status is SendStatus.SENT else None


async def edit(context: RemodelContext, chat_id: int, message_id: int, text: str) -> bool:
    """Replace a message's text and drop its keyboard; ``False`` if Telegram refused (the
    message is too old, was deleted, or already shows this text)."""
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
        )
    except TelegramError as exc:  # best effort: the answer is already recorded
        log.info("could not edit message %s in chat %s: %s", message_id, chat_id, exc)
        return False
    return True


async def drop_keyboard(context: RemodelContext, chat_id: int, message_id: int) -> None:
    """Remove the inline keyboard of a message, ignoring Telegram's refusals."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except TelegramError as exc:  # best effort: a stale press is refused anyway
        log.info("could not drop keyboard of %s in chat %s: %s", message_id, chat_id, exc)


async def delete(context: RemodelContext, chat_id: int, message_ids: Sequence[int]) -> None:
    """Delete some of our messages in one chat, ignoring Telegram's refusals (too old).

    One ``deleteMessages`` call per hundred ids rather than a call per message: a finished
    check-in clears its trail of questions in one request, so it takes one slot of the calls'
    budget, not one per question (with twenty athletes finishing together, per-message deletes
    queued their next taps' edits behind a hundred deletions). Ids already gone are skipped by
    Telegram."""
    ids = list(message_ids)
    for start in range(0, len(ids), 100):
        try:
            await context.bot.delete_messages(chat_id, ids[start : start + 100])
        except TelegramError as exc:  # best effort: a tidy chat, nothing depends on it
            log.info("could not delete %d messages in chat %s: %s", len(ids), chat_id, exc)


async def set_keyboard(
    context: RemodelContext, chat_id: int, message_id: int, keyboard: InlineKeyboardMarkup | None
) -> None:
    """Replace the inline keyboard of a message (a tick shown), ignoring refusals."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=keyboard)
    except TelegramError as exc:  # best effort: the tick is recorded either way
        log.info("could not change keyboard of %s in chat %s: %s", message_id, chat_id, exc)


async def toast(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press (stops the client's spinner). Best effort: a press older than
    Telegram's answer window (e.g. across a restart) cannot be answered any more."""
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as exc:
        log.info("could not answer callback query %s: %s", query.id, exc)
