"""Sending and replacing pictures and files (charts, the PDF report) under the pacer and the
error policy, like :func:`bot.handlers.common.deliver` does for text."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, InputMediaPhoto, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.context import RemodelContext
from bot.handlers.common import deactivate
from bot.sending import SendOutcome, SendStatus, send_with_policy

log = logging.getLogger(__name__)


async def deliver_photo(
    context: RemodelContext,
    chat_id: int,
    png: bytes,
    caption: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    filename: str = "chart.png",
) -> SendOutcome[Message]:
    """sendPhoto with an HTML caption (at most 1024 characters: callers keep it short)."""

    def call() -> Any:
        return context.bot.send_photo(
            chat_id,
            InputFile(png, filename=filename),
            caption=caption,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
        )

    outcome = await send_with_policy(call, chat_id=chat_id, pacer=context.services.pacer)
    await _after(context, chat_id, outcome)
    return outcome


async def deliver_document(
    context: RemodelContext, chat_id: int, data: bytes, filename: str, caption: str
) -> SendOutcome[Message]:
    """sendDocument with an HTML caption."""

    def call() -> Any:
        return context.bot.send_document(
            chat_id,
            InputFile(data, filename=filename),
            caption=caption,
            parse_mode=ParseMode.HTML,
        )

    outcome = await send_with_policy(call, chat_id=chat_id, pacer=context.services.pacer)
    await _after(context, chat_id, outcome)
    return outcome


async def replace_photo(
    context: RemodelContext,
    chat_id: int,
    message_id: int,
    png: bytes,
    caption: str,
    keyboard: InlineKeyboardMarkup | None,
) -> bool:
    """editMessageMedia: the message shows the new chart; ``False`` if Telegram refused
    (the message was deleted or is too old), so the caller can send a new one instead."""
    # Raw bytes, not an InputFile: PTB then uploads them as an ``attach://`` part, which is
    # what Telegram reads (a ready-made InputFile would be sent without the reference).
    media = InputMediaPhoto(png, caption=caption, parse_mode=ParseMode.HTML, filename="chart.png")
    try:
        await context.bot.edit_message_media(
            media, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True  # already shows this chart (a double tap): no second chart
        log.info("could not replace the chart %s in chat %s: %s", message_id, chat_id, exc)
        return False
    except TelegramError as exc:
        log.info("could not replace the chart %s in chat %s: %s", message_id, chat_id, exc)
        return False
    return True


async def upload_action(context: RemodelContext, chat_id: int, action: str) -> None:
    """Show "sending a photo/file…" while it renders (best effort)."""
    try:
        await context.bot.send_chat_action(chat_id, action)
    except TelegramError as exc:
        log.info("chat action in chat %s failed: %s", chat_id, exc)


async def _after(context: RemodelContext, chat_id: int, outcome: SendOutcome[Message]) -> None:
    if outcome.status is SendStatus.BLOCKED and chat_id > 0:
        await deactivate(context.services, chat_id)
    elif outcome.status is SendStatus.FAILED:
        log.error("media to chat %s not delivered: %s", chat_id, outcome.error)
