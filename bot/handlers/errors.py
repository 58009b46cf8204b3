"""The error handler: details to the log (never the token), a short friendly line to the user.

Every handler runs its database work in one transaction, so an exception rolls back what
that update would have changed: the athlete answers again and nothing is lost or doubled.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.context import RemodelContext
from bot.handlers.common import deactivate, is_private, send, toast

log = logging.getLogger(__name__)


async def on_error(update: object, context: RemodelContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user:
        await deactivate(context.services, update.effective_user.id)
        return
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        log.warning("network error while handling update %s: %s", update_id, error)
    else:
        log.error("error while handling update %s", update_id, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None and is_private(update):
        if update.callback_query is not None:
            await toast(update.callback_query)
        await send(
            context, update.effective_chat.id, context.services.texts.render("error.generic")
        )
