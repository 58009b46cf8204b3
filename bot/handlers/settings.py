"""``/settings`` (change any onboarding answer) and ``/timezone`` (re-base the schedule).

Both walk a subset of the onboarding questions with the same dialogue driver; completion
writes the athlete's columns and recomputes the due instants from the new local times.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import RemodelContext, Services
from bot.dialogue import driver, engine
from bot.dialogue.timezones import resolve_timezone, zone_label
from bot.handlers.asking import ask, keyboard_shown
from bot.handlers.checkin import local_today
from bot.handlers.commands import next_local
from bot.handlers.common import drop_keyboard, is_private, send, toast
from bot.rendering import callbacks
from bot.scheduling.timing import rebase
from bot.storage import (
    Athlete,
    DialogueKind,
    append_event,
    clear_dialogue,
    get_athlete_by_telegram_id,
    get_dialogue,
    save_athlete,
    start_dialogue,
)
from bot.storage.models import Dialogue
from flows.engine import diagnosis_changed
from flows.state import RehabState

FIELD = "s"
ROW = 2

#: Settings menu entries: the onboarding question and the follow-ups asked with it.
FIELDS: dict[str, list[str]] = {
    "site": ["site"],
    "grade": ["grade"],
    "days_since_diagnosis": ["days_since_diagnosis"],
    "weight_bearing": ["weight_bearing"],
    "sport": ["sport"],
    "weekly_volume_km": ["weekly_volume_km"],
    "timezone": ["timezone", "timezone_other"],
    "morning_time": ["morning_time"],
    "evening_time": ["evening_time"],
    "reds_opt_in": [
        "reds_opt_in",
        "reds_restriction",
        "reds_weight_loss",
        "reds_periods",
        "reds_previous_bsi",
    ],
}
#: Answers that move the schedule.
SCHEDULE_TARGETS = frozenset({"timezone", "morning_time", "evening_time"})


async def _onboarded(update: Update, context: RemodelContext) -> Athlete | None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return None
    services = context.services
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
        dialogue = await get_dialogue(session, athlete.id) if athlete and athlete.id else None
    if athlete is None or not athlete.onboarded:
        key = "pointer.not_registered" if athlete is None else "pointer.onboarding"
        await send(context, message.chat_id, services.texts.render(key))
        return None
    if dialogue is not None and dialogue.kind in driver.CHECKIN_KINDS:
        await send(context, message.chat_id, services.texts.render("settings.finish_checkin_first"))
        return None
    return athlete


async def on_settings(update: Update, context: RemodelContext) -> None:
    athlete = await _onboarded(update, context)
    if athlete is None:
        return
    texts = context.services.texts
    buttons = [
        InlineKeyboardButton(
            texts.raw(f"settings.field.{name}"), callback_data=callbacks.encode(FIELD, name)
        )
        for name in FIELDS
    ]
    rows = [buttons[i : i + ROW] for i in range(0, len(buttons), ROW)]
    await send(context, athlete.chat_id, texts.render("settings.menu"), InlineKeyboardMarkup(rows))


async def on_timezone(update: Update, context: RemodelContext) -> None:
    athlete = await _onboarded(update, context)
    if athlete is None:
        return
    preface = context.services.texts.render(
        "timezone.current", timezone=zone_label(athlete.time_zone)
    )
    await _begin(context, athlete, DialogueKind.TIMEZONE, FIELDS["timezone"], preface)


async def on_field(update: Update, context: RemodelContext, name: str) -> None:
    query = update.callback_query
    if query is None:
        return
    if name not in FIELDS:  # forged data: say so, never a silent press (fuzzing)
        await toast(query, context.services.texts.raw("error.stale_button"))
        return
    await toast(query)
    athlete = await _onboarded(update, context)
    if athlete is None:
        return
    await _begin(context, athlete, DialogueKind.SETTINGS, FIELDS[name], None)


async def _begin(
    context: RemodelContext,
    athlete: Athlete,
    kind: DialogueKind,
    questions: list[str],
    preface: str | None,
) -> None:
    services = context.services
    assert athlete.id is not None
    async with services.store.transaction() as session:
        previous = await get_dialogue(session, athlete.id)
        stale = keyboard_shown(services, previous)
        dialogue = await start_dialogue(
            session, athlete_id=athlete.id, kind=kind, now=services.clock.now()
        )
        at = driver.begin(services.questionnaires, dialogue, {driver.QUESTIONS_KEY: questions})
        if at is None:
            await clear_dialogue(session, athlete.id)
    if stale is not None:
        await drop_keyboard(context, athlete.chat_id, stale)
    if at is not None:
        await ask(
            context,
            athlete_id=athlete.id,
            chat_id=athlete.chat_id,
            nonce=dialogue.nonce,
            at=at,
            preface=preface,
        )


async def complete(
    services: Services, session: AsyncSession, athlete: Athlete, dialogue: Dialogue
) -> list[str]:
    """Write the changed answers; re-base the schedule when zone or times changed."""
    texts = services.texts
    now = services.clock.now()
    assert athlete.id is not None
    await clear_dialogue(session, athlete.id)
    questionnaire = driver.questionnaire_of(services.questionnaires, dialogue)
    profile = engine.profile_answers(questionnaire, driver.answers_of(dialogue))
    if profile.get("timezone"):
        zone = resolve_timezone(str(profile["timezone"]), services.library.readings)
        profile["timezone"] = zone or athlete.time_zone
    today = local_today(athlete, now)
    engine.apply_onboarding(athlete, profile, today)
    engine.apply_units(athlete, driver.units_of(dialogue))
    payload: dict[str, object] = {"fields": sorted(profile)}
    if "days_since_diagnosis" in profile and athlete.rehab_state and athlete.diagnosis_date:
        # Protect's dwell counts from the diagnosis: the engine decides what a corrected
        # date may move (later: yes; earlier: never, an edit must not skip ahead).
        before = RehabState.from_dict(athlete.rehab_state)
        after = diagnosis_changed(before, athlete.diagnosis_date, today)
        if after != before:
            athlete.rehab_state = after.to_dict()
            payload["phase_entered"] = after.phase_entered.isoformat()
    if SCHEDULE_TARGETS & profile.keys():
        rebase(athlete, now, services.settings.schedule)
    await save_athlete(session, athlete, now)
    await append_event(
        session, athlete_id=athlete.id, kind="settings_changed", at=now, payload=payload
    )
    if dialogue.kind is DialogueKind.TIMEZONE:
        return [
            texts.render(
                "timezone.changed", timezone=zone_label(athlete.time_zone), when=next_local(athlete)
            )
        ]
    return [texts.render("settings.changed")]
