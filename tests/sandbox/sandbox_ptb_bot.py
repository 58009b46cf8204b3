"""A minimal python-telegram-bot bot for the sandbox's tests: it polls over HTTP, replies,
edits, answers callbacks and sends a photo. Nothing of Remodel's bot is used."""

from __future__ import annotations

import html
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox.server import SandboxServer

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Yes", callback_data="v1:yes"),
            InlineKeyboardButton("No", callback_data="v1:no"),
        ]
    ]
)


def tiny_png(width: int = 2, height: int = 3) -> bytes:
    """A valid PNG of the given size (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    payload = " ".join(context.args or [])
    suffix = f" (payload {html.escape(payload)})" if payload else ""
    if update.effective_chat is not None and update.effective_chat.type != "private":
        await update.effective_message.reply_text(f"Group linked{suffix}")
        return
    await update.effective_message.reply_text(
        f"<b>Welcome</b>{suffix}. Ready?", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    answer = query.data.removeprefix("v1:")
    await query.answer(f"Noted: {answer}")
    await query.edit_message_text(f"You said <i>{answer}</i>", parse_mode=ParseMode.HTML)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    if message.text == "photo":
        await message.reply_photo(tiny_png(), caption="<b>chart</b>", parse_mode=ParseMode.HTML)
        return
    await message.reply_text(f"echo: {html.escape(message.text)}", parse_mode=ParseMode.HTML)


async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    assert change is not None
    events: list[Any] = context.bot_data.setdefault("my_chat_member", [])
    events.append((change.chat.id, change.old_chat_member.status, change.new_chat_member.status))


def build_app(server: SandboxServer) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, pointed at ``server``."""
    app = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.bot_api_base)
        .base_file_url(server.bot_file_base)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@asynccontextmanager
async def polling_bot(
    server: SandboxServer,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """The bot running with long polling against ``server`` for the duration of the block."""
    app = build_app(server)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
