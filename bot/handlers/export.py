"""``/export``: the athlete's complete data as a ZIP of CSV files plus one JSON file, sent
as a document. The rows are read in one transaction; the ZIP is built in a worker thread
(``asyncio.to_thread``), so a long history never stalls other athletes' answers.

Works for any athlete row (also mid-onboarding, or after withdrawing consent: getting a copy
of one's data is a right, not processing). Columns: docs/data-export.md.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatAction

from bot.context import RemodelContext
from bot.handlers.common import is_private, send
from bot.handlers.media import deliver_document, upload_action
from bot.rendering.archive import Explain, build_export_zip
from bot.rendering.html import plain
from bot.sending import SendStatus
from bot.storage import get_athlete_by_telegram_id
from bot.storage.export import collect_athlete_data
from flows.library import Library

log = logging.getLogger(__name__)


def explainer(library: Library) -> Explain:
    """``explain(action, reasons)`` from the decision texts (content/<lang>/decisions.yaml):
    the action's headline and each reason's sentence, as plain text. A sentence that needs
    the engine's figures (placeholders) is given by its code only, in ``reasons``."""
    messages = library.decisions.messages

    def explain(action: str, reasons: list[str]) -> str:
        parts = []
        for key in [f"action.{action}", *(f"reason.{r}" for r in reasons)]:
            message = messages.get(key)
            if message is not None and not message.params:
                parts.append(plain(message.text))
        return " ".join(parts)

    return explain


async def on_export(update: Update, context: RemodelContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    now = services.clock.now()
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
        if athlete is None or athlete.id is None:
            await send(context, message.chat_id, texts.render("privacy.nothing_stored"))
            return
        data = await collect_athlete_data(session, athlete.id)
    await upload_action(context, message.chat_id, ChatAction.UPLOAD_DOCUMENT)
    payload = await asyncio.to_thread(
        build_export_zip, data, exported_at=now, explain=explainer(services.library)
    )
    name = f"remodel-export-{now.date().isoformat()}.zip"
    outcome = await deliver_document(
        context, message.chat_id, payload, name, texts.render("export.caption")
    )
    if outcome.status is SendStatus.FAILED:
        log.error("export for athlete %s not delivered: %s", athlete.id, outcome.error)
        await send(context, message.chat_id, texts.render("export.failed"))
