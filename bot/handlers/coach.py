"""Coach groups: the athlete invites a coach with a one-time ``?startgroup=`` link and
chooses what is shared; the group gets alerts from the event log (red flag, step back,
phase change) according to that choice. Group members never get athlete buttons.
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import RemodelContext
from bot.handlers.common import deliver, is_private, send, toast
from bot.rendering import callbacks
from bot.rendering.plans import phase_label
from bot.sending import SendStatus
from bot.storage import (
    ShareLevel,
    append_event,
    create_coach_link,
    get_athlete,
    get_athlete_by_telegram_id,
    links_for_athlete,
    list_events,
    migrate_group_chat,
    redeem_coach_link,
)
from flows.reasons import EventKind

SHARE = "c"
#: Which events a coach group hears of, by share level.
ALERTS: dict[ShareLevel, frozenset[str]] = {
    ShareLevel.ADHERENCE: frozenset(),
    ShareLevel.TREND: frozenset({EventKind.RED_FLAG, EventKind.PHASE_CHANGED, EventKind.STEP_BACK}),
    ShareLevel.FULL: frozenset({EventKind.RED_FLAG, EventKind.PHASE_CHANGED, EventKind.STEP_BACK}),
}


async def on_coach(update: Update, context: RemodelContext) -> None:
    """``/coach`` in a private chat: choose what a coach group may see."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
    if athlete is None or not athlete.onboarded:
        await send(context, message.chat_id, texts.render("pointer.not_registered"))
        return
    rows = [
        [
            InlineKeyboardButton(
                texts.raw(f"coach.scope.{level.value}"),
                callback_data=callbacks.encode(SHARE, level.value),
            )
        ]
        for level in ShareLevel
    ]
    await send(context, message.chat_id, texts.render("coach.menu"), InlineKeyboardMarkup(rows))


async def on_share_level(update: Update, context: RemodelContext, level: str) -> None:
    """A share level was picked: create the one-time invite link."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    texts = services.texts
    await toast(query)
    try:
        share = ShareLevel(level)
    except ValueError:
        return
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
        if athlete is None or athlete.id is None or not athlete.onboarded:
            return
        link = await create_coach_link(
            session, athlete_id=athlete.id, share_level=share, now=services.clock.now()
        )
    url = f"https://t.me/{context.bot.username}?startgroup={link.token}"
    await send(
        context,
        athlete.chat_id,
        texts.render("coach.invite", link=url, scope=texts.raw(f"coach.scope.{share.value}")),
    )


async def on_group_start(update: Update, context: RemodelContext, token: str | None) -> None:
    """``/start <token>`` in a group (the bot was added through the invite link)."""
    message = update.effective_message
    if message is None:
        return
    services = context.services
    texts = services.texts
    now = services.clock.now()
    if not token:
        await send(context, message.chat_id, texts.render("pointer.private_only"))
        return
    async with services.store.transaction() as session:
        link = await redeem_coach_link(session, token=token, group_chat_id=message.chat_id, now=now)
        athlete = await get_athlete(session, link.athlete_id) if link is not None else None
        if link is not None and athlete is not None and athlete.id is not None:
            await append_event(
                session,
                athlete_id=athlete.id,
                kind="coach_linked",
                at=now,
                payload={"group": message.chat_id, "share": link.share_level.value},
            )
    if link is None or athlete is None:
        await send(context, message.chat_id, texts.render("coach.invite.used"))
        return
    await send(
        context,
        message.chat_id,
        texts.render(
            "coach.welcome",
            athlete=athlete.first_name,
            scope=texts.raw(f"coach.scope.{link.share_level.value}"),
        ),
    )
    await send(context, athlete.chat_id, texts.render("coach.linked"))


async def notify(context: RemodelContext, athlete_id: int, since: datetime) -> None:
    """Tell the athlete's coach groups what the event log recorded from ``since`` on."""
    services = context.services
    texts = services.texts
    async with services.store.transaction() as session:
        athlete = await get_athlete(session, athlete_id)
        links = [
            link
            for link in await links_for_athlete(session, athlete_id)
            if link.group_chat_id is not None and link.revoked_at is None
        ]
        if athlete is None or not links:
            return
        events = await list_events(session, athlete_id, since=since)
    for link in links:
        wanted = ALERTS[link.share_level]
        for event in events:
            if event.kind not in wanted:
                continue
            if event.kind == EventKind.PHASE_CHANGED:
                phase = str(event.payload.get("to") or event.payload.get("phase") or "")
                text = texts.render(
                    "coach.alert.phase_changed",
                    athlete=athlete.first_name,
                    phase=phase_label(texts, phase) if phase else "",
                )
            else:
                text = texts.render(f"coach.alert.{event.kind}", athlete=athlete.first_name)
            assert link.group_chat_id is not None
            outcome = await deliver(context, link.group_chat_id, text)
            if outcome.status is SendStatus.MIGRATED and outcome.new_chat_id is not None:
                async with services.store.transaction() as session:
                    await migrate_group_chat(session, link.group_chat_id, outcome.new_chat_id)
                link.group_chat_id = outcome.new_chat_id
                await deliver(context, outcome.new_chat_id, text)
