"""``/readiness``: answer the weekly confidence questions (I-PRRS) again, now.

Offered when confidence is what holds an athlete back (flows.engine, reason
``readiness_holds``): the latest answer within the readiness window is the one the
return-to-sport gate reads, so a re-answer replaces an old low score. It opens a weekly
check-in for today through the same path as the ticker's (`checkin.open_checkin`); one
per local day, like every check-in slot.
"""

from __future__ import annotations

from telegram import Update

from bot.context import RemodelContext
from bot.handlers.checkin import local_today, open_checkin, send_checkin
from bot.handlers.common import send
from bot.handlers.settings import _onboarded
from bot.storage import CheckinStatus, Slot, create_checkin_if_absent


async def on_readiness(update: Update, context: RemodelContext) -> None:
    athlete = await _onboarded(update, context)
    if athlete is None or athlete.id is None:
        return
    services = context.services
    texts = services.texts
    if athlete.paused:
        await send(context, athlete.chat_id, texts.render("checkin.paused"))
        return
    now = services.clock.now()
    async with services.store.transaction() as session:
        row, _ = await create_checkin_if_absent(
            session,
            athlete_id=athlete.id,
            local_date=local_today(athlete, now),
            slot=Slot.WEEKLY,
            due_at=now,
            status=CheckinStatus.SENT,
        )
        if not row.status.is_open:
            reply = texts.render("readiness.done_today")
        else:
            reply = None
            dialogue, at, stale = await open_checkin(context, session, athlete, row)
    if reply is not None:
        await send(context, athlete.chat_id, reply)
        return
    await send_checkin(context, athlete, dialogue, at, stale)
