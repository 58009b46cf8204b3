"""Presses on menu buttons (``v1:<kind>:<arg>``): /learn topics, /settings fields, /coach
share levels, /stop, the graduation choice."""

from __future__ import annotations

from telegram import Update

from bot.context import RemodelContext
from bot.handlers import coach, commands, graduation, learn, progress, settings
from bot.handlers.common import toast
from bot.rendering import callbacks


async def on_menu(update: Update, context: RemodelContext) -> None:
    query = update.callback_query
    if query is None:
        return
    texts = context.services.texts
    try:
        data = callbacks.decode(query.data)
    except callbacks.CallbackDataError:
        await toast(query, texts.raw("error.stale_button"))
        return
    if query.message is not None and query.message.chat.id != query.from_user.id:
        await toast(query, texts.raw("error.foreign_press"), alert=True)
        return
    if data.kind == progress.CHART:
        await progress.on_chart_press(update, context, data.args)
        return
    arg = data.args[0] if len(data.args) == 1 else ""
    if data.kind == commands.STOP and arg in ("y", "n"):
        await commands.on_stop_press(update, context, arg)
    elif data.kind == learn.TOPIC and arg:
        await learn.on_topic(update, context, arg)
    elif data.kind == coach.SHARE and arg:
        await coach.on_share_level(update, context, arg)
    elif data.kind == settings.FIELD and arg:
        await settings.on_field(update, context, arg)
    elif data.kind == graduation.GRADUATE and arg:
        await graduation.on_choice(update, context, arg)
    else:
        await toast(query, texts.raw("error.stale_button"))
