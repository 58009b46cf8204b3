"""Presses on menu buttons (``v1:<kind>:<arg>...``): /learn topics, /settings fields, /coach
share levels, /stop, the graduation choice, /privacy, /delete, /clinician and the
clinician's own buttons."""

from __future__ import annotations

from telegram import Update

from bot.context import RemodelContext
from bot.handlers import (
    clinician,
    coach,
    commands,
    erasure,
    graduation,
    learn,
    privacy,
    progress,
    settings,
    symptoms,
)
from bot.handlers.common import toast
from bot.rendering import callbacks
from bot.rendering.symptoms import REPORT, REPORT_NEW


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
    elif data.kind == REPORT and arg == REPORT_NEW:
        await symptoms.on_report_press(update, context)
    elif data.kind == learn.TOPIC and arg:
        await learn.on_topic(update, context, arg)
    elif data.kind == coach.SHARE and arg:
        await coach.on_share_level(update, context, arg)
    elif data.kind == settings.FIELD and arg:
        await settings.on_field(update, context, arg)
    elif data.kind == graduation.GRADUATE and arg:
        await graduation.on_choice(update, context, arg)
    elif data.kind == privacy.PRIVACY and arg:
        await privacy.on_privacy_press(update, context, arg)
    elif data.kind == erasure.DELETE and data.args:
        await erasure.on_delete_press(update, context, data.args)
    elif data.kind == clinician.ATHLETE and data.args:
        await clinician.on_athlete_press(update, context, data.args)
    elif data.kind == clinician.CLINICIAN and data.args:
        await clinician.on_clinician_press(update, context, data.args)
    else:
        await toast(query, texts.raw("error.stale_button"))
