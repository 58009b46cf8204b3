"""The command menu: /today, /pause, /resume, /help, /stop, and the pointer for
anything we do not know. (/start: onboarding; /checkin: checkin; /progress: progress; /learn: learn;
/timezone and /settings: settings; /clearance: clearance.)"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import RemodelContext
from bot.dialogue import engine
from bot.handlers.checkin import history, local_today
from bot.handlers.common import is_private, send, toast
from bot.rendering import callbacks
from bot.rendering.plans import render_plan
from bot.scheduling.timing import load_zone, rebase
from bot.storage import (
    Athlete,
    append_event,
    clear_dialogue,
    get_athlete_by_telegram_id,
    list_clearances,
    save_athlete,
    set_active,
)
from flows.engine import pause, resume
from flows.library import formats
from flows.phases import Phase
from flows.plan import plan_for_day
from flows.state import RehabState

STOP = "x"


async def _athlete(update: Update, context: RemodelContext) -> Athlete | None:
    """The onboarded athlete behind a private-chat command, or ``None`` after a pointer."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return None
    services = context.services
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
    if athlete is None or not athlete.onboarded or not athlete.rehab_state:
        key = "pointer.not_registered" if athlete is None else "pointer.onboarding"
        await send(context, message.chat_id, services.texts.render(key))
        return None
    return athlete


async def _reload(session: AsyncSession, athlete: Athlete) -> Athlete:
    """The athlete's row again, inside the caller's write transaction (it may have changed
    since the command was read)."""
    fresh = await get_athlete_by_telegram_id(session, athlete.telegram_user_id)
    assert fresh is not None
    assert fresh.id == athlete.id
    return fresh


async def on_help(update: Update, context: RemodelContext) -> None:
    message = update.effective_message
    if message is not None and is_private(update):
        await send(context, message.chat_id, context.services.texts.render("help"))


async def on_support(update: Update, context: RemodelContext) -> None:
    """``/support`` (offered with the engine's support text when fear runs high)."""
    message = update.effective_message
    if message is not None and is_private(update):
        await send(context, message.chat_id, context.services.texts.render("support"))


async def on_unknown_command(update: Update, context: RemodelContext) -> None:
    message = update.effective_message
    if message is not None and is_private(update):
        await send(
            context, message.chat_id, context.services.texts.render("pointer.unknown_command")
        )


async def on_today(update: Update, context: RemodelContext) -> None:
    athlete = await _athlete(update, context)
    if athlete is None or athlete.id is None:
        return
    services = context.services
    today = local_today(athlete, services.clock.now())
    async with services.store.transaction() as session:
        plan = plan_for_day(
            services.library,
            engine.profile_of(athlete, await list_clearances(session, athlete.id)),
            RehabState.from_dict(athlete.rehab_state or {}),
            today,
            await history(session, athlete, today + timedelta(days=1)),
        )
    await send(context, athlete.chat_id, render_plan(plan, services.texts))


async def on_pause(update: Update, context: RemodelContext) -> None:
    athlete = await _athlete(update, context)
    if athlete is None or athlete.id is None:
        return
    services = context.services
    texts = services.texts
    now = services.clock.now()
    async with services.store.transaction() as session:
        fresh = await _reload(session, athlete)
        if fresh.paused:
            reply = "pause.already"
        else:
            state = RehabState.from_dict(fresh.rehab_state or {})
            # On hold a pause keeps the hold (flows.engine.pause); /clearance still works.
            paused = pause(state, local_today(fresh, now))
            fresh.rehab_state = paused.to_dict()
            fresh.phase = paused.phase.value
            fresh.paused = True
            await clear_dialogue(session, athlete.id)
            await save_athlete(session, fresh, now)
            await append_event(session, athlete_id=athlete.id, kind="paused", at=now)
            reply = "pause.done_on_hold" if paused.phase is Phase.HOLD else "pause.done"
    await send(context, athlete.chat_id, texts.render(reply))


async def on_resume(update: Update, context: RemodelContext) -> None:
    athlete = await _athlete(update, context)
    if athlete is None or athlete.id is None:
        return
    services = context.services
    texts = services.texts
    now = services.clock.now()
    async with services.store.transaction() as session:
        fresh = await _reload(session, athlete)
        paused = fresh.paused
        if paused:
            state = RehabState.from_dict(fresh.rehab_state or {})
            resumed = resume(state, local_today(fresh, now))
            fresh.rehab_state = resumed.to_dict()
            fresh.phase = resumed.phase.value
            fresh.paused = False
            rebase(fresh, now, services.settings.schedule)
            await save_athlete(session, fresh, now)
            await append_event(session, athlete_id=athlete.id, kind="resumed", at=now)
            when = next_local(fresh)
    # Replies go out after the commit: a transaction never waits on a Telegram call.
    if not paused:
        await send(context, athlete.chat_id, texts.render("resume.not_paused"))
        return
    await send(context, athlete.chat_id, texts.render("resume.done", when=when))


def next_local(athlete: Athlete) -> str:
    """The next check-in as the athlete reads it: ``Tue 07:30``."""
    due = athlete.next_due_at
    if due is None:
        return "–"
    return formats.weekday_time(athlete.language, due.astimezone(load_zone(athlete.time_zone)))


async def on_stop(update: Update, context: RemodelContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    texts = context.services.texts
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.raw("buttons.confirm_stop"), callback_data=callbacks.encode(STOP, "y")
                ),
                InlineKeyboardButton(
                    texts.raw("buttons.cancel"), callback_data=callbacks.encode(STOP, "n")
                ),
            ]
        ]
    )
    await send(context, message.chat_id, texts.render("stop.confirm"), keyboard)


async def on_stop_press(update: Update, context: RemodelContext, choice: str) -> None:
    query = update.callback_query
    if query is None:
        return
    services = context.services
    texts = services.texts
    await toast(query)
    now = services.clock.now()
    reply = "stop.cancelled"
    if choice == "y":
        async with services.store.transaction() as session:
            athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
            if athlete is not None and athlete.id is not None:
                await clear_dialogue(session, athlete.id)
                await set_active(session, athlete, False, now)
                await append_event(session, athlete_id=athlete.id, kind="stopped", at=now)
        reply = "stop.done"
    if query.message is not None:
        await query.edit_message_text(texts.render(reply), parse_mode="HTML")
    else:
        await send(context, query.from_user.id, texts.render(reply))
