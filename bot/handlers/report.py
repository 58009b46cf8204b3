"""``/report``: the athlete's record as a PDF for their clinician (sendDocument).

The PDF is built by :func:`bot.report.build_report` in the render pool; while it renders
the chat shows "sending a file…". A failure leaves the athlete a clear message, not silence.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction

from bot.context import RemodelContext
from bot.handlers.checkin import local_today
from bot.handlers.common import is_private, send
from bot.handlers.media import deliver_document, upload_action
from bot.report import build_report
from bot.sending import SendStatus
from bot.storage import get_athlete_by_telegram_id

log = logging.getLogger(__name__)


async def on_report(update: Update, context: RemodelContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
    if athlete is None or athlete.id is None or not athlete.onboarded or not athlete.rehab_state:
        key = "pointer.not_registered" if athlete is None else "pointer.onboarding"
        await send(context, message.chat_id, texts.render(key))
        return
    await upload_action(context, athlete.chat_id, ChatAction.UPLOAD_DOCUMENT)
    today = local_today(athlete, services.clock.now())
    try:
        pdf = await build_report(services, athlete.id)
    except Exception:
        log.exception("report for athlete %s failed", athlete.id)
        await send(context, athlete.chat_id, texts.render("report.failed"))
        return
    outcome = await deliver_document(
        context,
        athlete.chat_id,
        pdf,
        f"remodel-report-{today.isoformat()}.pdf",
        texts.render("report.caption", day=today.strftime("%d %b %Y")),
    )
    if outcome.status is SendStatus.FAILED:
        await send(context, athlete.chat_id, texts.render("report.failed"))
