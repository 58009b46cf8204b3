"""Graduation: when the programme is done (flows.cadence.graduation_due), one message that
says so and offers a light weekly check; the athlete's choice is stored on their row.

``offer_if_due`` is called by the ticker's morning send, before the check-in goes out;
``on_choice`` handles the two buttons (``v1:g:weekly`` / ``v1:g:off``, routed by menus).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import RemodelContext
from bot.handlers.common import send, toast
from bot.rendering import callbacks
from bot.storage import (
    Athlete,
    Checkin,
    Slot,
    append_event,
    get_athlete,
    get_athlete_by_telegram_id,
    save_athlete,
)
from flows.cadence import Choice, graduation_due
from flows.phases import Phase
from flows.state import RehabState

log = logging.getLogger(__name__)

#: Callback kind of the two graduation buttons.
GRADUATE = "g"


def keyboard(context: RemodelContext) -> InlineKeyboardMarkup:
    texts = context.services.texts
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.raw("graduation.button.weekly"),
                    callback_data=callbacks.encode(GRADUATE, Choice.WEEKLY.value),
                )
            ],
            [
                InlineKeyboardButton(
                    texts.raw("graduation.button.off"),
                    callback_data=callbacks.encode(GRADUATE, Choice.OFF.value),
                )
            ],
        ]
    )


async def offer_if_due(context: RemodelContext, athlete: Athlete, checkin: Checkin) -> None:
    """Send the graduation message once, on the first morning the programme is done.

    The day is stored before sending, so a failed or repeated send never congratulates
    twice (a lost message is acceptable; the weekly choice stays available in /progress
    terms: the athlete simply keeps the maintenance cadence)."""
    if checkin.slot is not Slot.MORNING or athlete.graduated_on is not None:
        return
    if athlete.checkin_cadence or not athlete.rehab_state or athlete.id is None:
        return
    services = context.services
    state = RehabState.from_dict(athlete.rehab_state)
    if not graduation_due(services.library.protocol.cadence, state, checkin.local_date):
        return
    now = services.clock.now()
    async with services.store.transaction() as session:
        row = await get_athlete(session, athlete.id)
        if row is None or row.graduated_on is not None:
            return
        row.graduated_on = checkin.local_date
        await save_athlete(session, row, now)
        await append_event(
            session,
            athlete_id=athlete.id,
            kind="graduated",
            at=now,
            payload={"phase": "maintenance"},
        )
    athlete.graduated_on = checkin.local_date
    weeks = services.library.protocol.cadence.graduation_days.value // 7
    await send(
        context,
        athlete.chat_id,
        services.texts.render("graduation.message", weeks=weeks),
        keyboard(context),
    )


async def on_choice(update: Update, context: RemodelContext, choice: str) -> None:
    """A graduation button: store the choice; the ticker follows it from the next check-in."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    texts = services.texts
    try:
        picked = Choice(choice)
    except ValueError:
        await toast(query, texts.raw("error.stale_button"))
        return
    now = services.clock.now()
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
        state = (
            RehabState.from_dict(athlete.rehab_state) if athlete and athlete.rehab_state else None
        )
        if athlete is None or athlete.id is None or state is None:
            await toast(query, texts.raw("error.stale_button"))
            return
        if state.phase is not Phase.MAINTENANCE:
            # The offer is from before a setback: the full cadence stays until it is earned.
            await toast(query, texts.raw("graduation.not_now"), alert=True)
            return
        athlete.checkin_cadence = picked.value
        await save_athlete(session, athlete, now)
        await append_event(
            session,
            athlete_id=athlete.id,
            kind="cadence_chosen",
            at=now,
            payload={"cadence": picked.value},
        )
    await toast(query)
    reply = texts.render(f"graduation.chose.{picked.value}")
    if picked is Choice.OFF:
        # Changing one's mind stays one tap away.
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        texts.raw("graduation.button.weekly"),
                        callback_data=callbacks.encode(GRADUATE, Choice.WEEKLY.value),
                    )
                ]
            ]
        )
    else:
        markup = None
    if query.message is not None:
        await query.edit_message_text(reply, parse_mode="HTML", reply_markup=markup)
    else:
        await send(context, query.from_user.id, reply, markup)
