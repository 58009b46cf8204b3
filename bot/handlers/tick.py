"""The ticker's callbacks: open a due check-in (first question on screen) and remind.

The ticker calls them under the athlete's lock, outside any transaction, and records the
outcome itself (sent, blocked -> deactivated, failed -> missed). A question whose send got
no answer (``UNCERTAIN``: Telegram may deliver it late, so it is not sent again) is reported
sent: the check-in is open and its dialogue waits at the question, which the athlete's next
text or press, or the reminder, asks again if it never arrived.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.context import RemodelContext
from bot.dialogue import driver
from bot.handlers import graduation
from bot.handlers.asking import ask, keyboard_shown
from bot.handlers.checkin import open_checkin, send_checkin
from bot.handlers.common import deliver, drop_keyboard
from bot.scheduling import CheckinSender
from bot.sending import SendOutcome, SendStatus
from bot.storage import Athlete, Checkin, get_athlete, get_dialogue


def make_sender(application: Application[Any, Any, Any, Any, Any, Any]) -> CheckinSender:
    """``send(athlete, checkin)`` for the ticker: start the check-in's dialogue and ask."""

    async def send_due_checkin(athlete: Athlete, checkin: Checkin) -> SendOutcome[object]:
        context = RemodelContext(application)
        services = context.services
        async with services.store.transaction() as session:
            fresh = await get_athlete(session, athlete.id or 0)
            if fresh is None:
                return SendOutcome.failed("athlete vanished")
            dialogue, at, stale = await open_checkin(context, session, fresh, checkin)
        await graduation.offer_if_due(context, fresh, checkin)  # once, when the programme is done
        outcome = await send_checkin(
            context, fresh, dialogue, at, stale, deactivate_if_blocked=False
        )
        if outcome is None:
            return SendOutcome.failed("questionnaire has no question")
        if outcome.status is SendStatus.UNCERTAIN:
            return SendOutcome.sent()
        return SendOutcome(
            outcome.status, outcome.value, outcome.new_chat_id, outcome.error, outcome.message_id
        )

    return send_due_checkin


def make_reminder(application: Application[Any, Any, Any, Any, Any, Any]) -> CheckinSender:
    """``remind(athlete, checkin)`` for the ticker: one nudge, if the check-in is still on."""

    async def remind(athlete: Athlete, checkin: Checkin) -> SendOutcome[object]:
        context = RemodelContext(application)
        services = context.services
        async with services.store.transaction() as session:
            dialogue = await get_dialogue(session, athlete.id or 0)
        if dialogue is None or dialogue.checkin_id != checkin.id:
            return SendOutcome.sent()  # answered or replaced: nothing to remind of
        at = driver.position(services.questionnaires, dialogue)
        texts = services.texts
        # Left where only optional questions remain (the evening's note, the morning's sleep
        # and worry), a check-in is done but for a tap or two: say so, rather than "still
        # open", which reads as if answers the plan needs were missing.
        nearly_done = at is not None and driver.only_optional_left(
            services.questionnaires, dialogue, at
        )
        text = texts.render(
            "checkin.reminder_optional" if nearly_done else "checkin.reminder",
            slot=texts.raw(f"slot.{checkin.slot.value}"),
        )
        if at is None or athlete.id is None:
            outcome = await deliver(context, athlete.chat_id, text)
            return SendOutcome(outcome.status, outcome.value, outcome.new_chat_id, outcome.error)
        # The reminder asks the question again rather than pointing "above": the question may
        # never have been delivered (a crash between saving an answer and sending the next),
        # or the athlete's answer may have been lost with a killed process (Telegram's
        # getUpdates had already acknowledged it). The old keyboard goes, so one shows.
        shown = keyboard_shown(services, dialogue)
        if shown is not None:
            await drop_keyboard(context, athlete.chat_id, shown)
        asked = await ask(
            context,
            athlete_id=athlete.id,
            chat_id=athlete.chat_id,
            nonce=dialogue.nonce,
            at=at,
            preface=text,
            deactivate_if_blocked=False,
            ticked=driver.ticked_of(dialogue),
        )
        if asked.status is SendStatus.UNCERTAIN:
            return SendOutcome.sent()  # one reminder: the next text or press asks it again
        return SendOutcome(asked.status, asked.value, asked.new_chat_id, asked.error)

    return remind
