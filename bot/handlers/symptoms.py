"""Symptom reports, any time: ``/symptom``, the "Report a problem" button, and free text
outside a dialogue that reads like a symptom (flows/symptoms.py decides which text does).

A report is a dialogue of kind ``symptom`` walking the ``symptom`` questionnaire with the
same machinery as a check-in (answers.py records each answer). A red flag in any answer
ends it at once; at the end (or at the flag) :func:`complete` asks the engine
(``flows.symptoms.decide_report``: the report merged with the day's answers so far), stores
the decision like a check-in's (state, events: the coach groups and a linked clinician are
told by the same ``notify`` calls) and an event ``symptom_report`` (the report itself, in
the athlete's record: export, erasure), and returns the reply.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.context import RemodelContext, Services
from bot.dialogue import driver, engine
from bot.handlers import checkin
from bot.handlers.asking import ask, keyboard_shown
from bot.handlers.common import drop_keyboard, is_private, send, toast
from bot.rendering.symptoms import render_report_outcome
from bot.storage import (
    Athlete,
    DialogueKind,
    append_event,
    clear_dialogue,
    get_athlete_by_telegram_id,
    get_dialogue,
    list_checkins,
    list_clearances,
    start_dialogue,
)
from bot.storage.models import Dialogue
from flows.checkin import DailyCheckIn
from flows.engine import HISTORY_DAYS
from flows.state import RehabState
from flows.symptoms import decide_report, report_checkin, report_flags
from flows.symptoms import reads_like_symptom as symptom_text

#: How the report was started (kept with the report).
SOURCES = frozenset({"command", "button", "text"})
#: The most of the athlete's own words kept with a report started by free text.
MAX_SAID = 500
EVENT = "symptom_report"


async def on_symptom(update: Update, context: RemodelContext) -> None:
    """``/symptom``: start a symptom report now."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    await begin(context, user.id, message.chat_id, source="command")


async def on_report_press(update: Update, context: RemodelContext) -> None:
    """The "Report a problem" button."""
    query = update.callback_query
    if query is None:
        return
    await toast(query)
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await begin(context, query.from_user.id, chat_id, source="button")


def reads_like_symptom(services: Services, text: str) -> bool:
    """Whether free text outside a dialogue should start a report."""
    return symptom_text(services.library.readings.symptom_words, text)


async def begin(
    context: RemodelContext,
    telegram_user_id: int,
    chat_id: int,
    *,
    source: str,
    said: str | None = None,
    typed: int | None = None,
) -> None:
    """Open a symptom report (replacing whatever dialogue was open: its keyboard goes
    stale; an open check-in stays open and /checkin asks it again) and ask the first
    question. ``typed``: the message id of the text that opened it (a copy of that text
    delivered again then opens nothing)."""
    services = context.services
    texts = services.texts
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, telegram_user_id)
        if athlete is None or athlete.id is None or not athlete.onboarded:
            key = "pointer.onboarding" if athlete is not None else "pointer.not_registered"
            await send(context, chat_id, texts.render(key))
            return
        if typed is not None:
            athlete.last_typed_message_id = typed
        previous = await get_dialogue(session, athlete.id)
        stale = keyboard_shown(services, previous)
        dialogue = await start_dialogue(
            session, athlete_id=athlete.id, kind=DialogueKind.SYMPTOM, now=services.clock.now()
        )
        report_context: dict[str, object] = {"source": source}
        if said:
            report_context["said"] = said[:MAX_SAID]
        at = driver.begin(services.questionnaires, dialogue, report_context)
        athlete_id, nonce = athlete.id, dialogue.nonce
    if stale is not None:
        await drop_keyboard(context, chat_id, stale)
    if at is None:
        return
    questionnaire = driver.questionnaire_of(services.questionnaires, dialogue)
    preface = texts.render("symptom.heard") if source == "text" else questionnaire.intro
    await ask(context, athlete_id=athlete_id, chat_id=chat_id, nonce=nonce, at=at, preface=preface)


def _report(services: Services, dialogue: Dialogue) -> DailyCheckIn:
    questionnaire = driver.questionnaire_of(services.questionnaires, dialogue)
    return report_checkin(questionnaire, driver.answers_of(dialogue))


def red_flag_now(services: Services, athlete: Athlete, dialogue: Dialogue) -> bool:
    """Whether the report's answers so far raise a red flag (it ends at once)."""
    report = _report(services, dialogue)
    return bool(report_flags(services.library, engine.current_phase(athlete), report))


async def complete(
    services: Services, session: AsyncSession, athlete: Athlete, dialogue: Dialogue
) -> list[str]:
    """The engine decides on the report; store it and the decision; the reply."""
    assert athlete.id is not None
    now = services.clock.now()
    await clear_dialogue(session, athlete.id)
    report = _report(services, dialogue)
    today = checkin.local_today(athlete, now)
    rows = await list_checkins(session, athlete.id, since=today - timedelta(days=HISTORY_DAYS))
    earlier = checkin.history_of(rows, before=today)
    # The day's answers so far, also those of a check-in still open (kept on its row).
    so_far: DailyCheckIn | None = None
    for row in rows:
        if row.local_date == today and row.answers:
            day = DailyCheckIn.from_dict(row.answers)
            so_far = day if so_far is None else so_far.merge(day)
    if not athlete.rehab_state:
        return [services.texts.render("error.generic")]
    state = RehabState.from_dict(athlete.rehab_state)
    profile = engine.profile_of(athlete, await list_clearances(session, athlete.id))
    outcome = decide_report(services.library, profile, state, so_far, report, earlier, today)
    if outcome.decision is not None:
        await checkin.store_decision(session, athlete, outcome.decision, now)
    said = driver.context_of(dialogue).get("said")
    source = driver.context_of(dialogue).get("source")
    await append_event(
        session,
        athlete_id=athlete.id,
        kind=EVENT,
        at=now,
        payload={
            "local_date": today.isoformat(),
            "source": source if source in SOURCES else "command",
            "report": report.to_dict(),
            "conclusion": outcome.conclusion.value,
            **({"said": said} if isinstance(said, str) else {}),
            **(checkin.decision_summary(outcome.decision) if outcome.decision else {}),
        },
    )
    return [render_report_outcome(outcome, services.texts)]
