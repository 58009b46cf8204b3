"""``/start`` in a private chat: what Remodel is and is not, consent, then the onboarding
questionnaire (content/en/questionnaires.yaml). An interrupted onboarding resumes at the
question where it stopped; ``/start`` after ``/stop`` or a block reactivates the athlete.
``/start <token>`` in a private chat (a payload shaped like an invite token) is a clinician
opening an athlete's link (:mod:`bot.handlers.clinician`); any other payload is ignored.
``/start`` from an athlete who withdrew consent asks for it again
(:mod:`bot.handlers.privacy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.context import RemodelContext, Services
from bot.dialogue import driver, engine
from bot.dialogue.timezones import resolve_timezone, zone_label
from bot.dialogue.typed import Refusal
from bot.handlers import clinician, coach, privacy
from bot.handlers.asking import ask, keyboard_shown
from bot.handlers.common import drop_keyboard, is_private, send
from bot.handlers.milestones import current_milestones
from bot.rendering.keyboards import Value
from bot.rendering.milestones import render_milestones
from bot.rendering.plans import phase_label
from bot.rendering.texts import Safe
from bot.scheduling.timing import load_zone, local_date_of, rebase
from bot.storage import (
    Athlete,
    ConsentKind,
    DialogueKind,
    append_event,
    clear_dialogue,
    get_athlete_by_telegram_id,
    get_dialogue,
    get_or_create_athlete,
    log_consent,
    save_athlete,
    start_dialogue,
)
from bot.storage.clinicians import looks_like_token
from bot.storage.consent import DATA_USE
from bot.storage.models import Dialogue
from flows.engine import initial_state
from flows.library.languages import choose_language
from flows.library.schema import Question
from flows.questionnaire.answers import as_time, refusal_message
from flows.reading.times import check_schedule
from flows.reading.zones import ZoneChoice, read_zone

CONSENT = "consent"


async def on_start(update: Update, context: RemodelContext) -> None:
    """``/start``: begin, resume or re-activate."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    services = context.services
    texts = services.texts
    if not is_private(update):
        await coach.on_group_start(update, context, context.args[0] if context.args else None)
        return
    if context.args and looks_like_token(context.args[0]):
        await clinician.on_private_start_token(update, context, context.args[0])
        return
    async with services.store.transaction() as session:
        known = await get_athlete_by_telegram_id(session, user.id)
    if known is not None and privacy.withdrawn(known):
        await privacy.offer_consent(context, known)
        return
    now = services.clock.now()
    preface: list[str] = []
    async with services.store.transaction() as session:
        athlete, _ = await get_or_create_athlete(
            session,
            telegram_user_id=user.id,
            chat_id=message.chat_id,
            now=now,
            first_name=user.first_name,
            morning_time=services.settings.schedule.default_morning_time,
            evening_time=services.settings.schedule.default_evening_time,
        )
        assert athlete.id is not None
        if athlete.chat_id != message.chat_id:
            athlete.chat_id = message.chat_id
        _note_language(services, athlete, user.language_code)
        dialogue = await get_dialogue(session, athlete.id)
        if not athlete.active:
            athlete.active = True
            if athlete.onboarded:
                rebase(athlete, now, services.settings.schedule)
                if dialogue is not None:
                    # Whatever was open when they left has been recorded as missed.
                    await clear_dialogue(session, athlete.id)
                    dialogue = None
            await save_athlete(session, athlete, now)
            await append_event(session, athlete_id=athlete.id, kind="reactivated", at=now)
            preface.append(texts.render("onboarding.reactivated"))
        at = driver.position(services.questionnaires, dialogue) if dialogue else None
        old_message = keyboard_shown(services, dialogue)
        if athlete.onboarded:
            if not preface:
                preface.append(texts.render("onboarding.already"))
        elif dialogue is not None and dialogue.kind is DialogueKind.ONBOARDING and at is not None:
            preface.append(texts.render("onboarding.resume"))
        else:
            dialogue = await start_dialogue(
                session, athlete_id=athlete.id, kind=DialogueKind.ONBOARDING, now=now
            )
            at = driver.begin(services.questionnaires, dialogue)
            old_message = None
            preface.append(texts.render("intro", name=user.first_name))
    if at is None or dialogue is None:
        await send(context, message.chat_id, "\n\n".join(preface))
        return
    if old_message is not None:
        await drop_keyboard(context, message.chat_id, old_message)
    await ask(
        context,
        athlete_id=athlete.id,
        chat_id=message.chat_id,
        nonce=dialogue.nonce,
        at=at,
        preface="\n\n".join(preface),
        # A multi-select shown again keeps what was ticked (and its Done button).
        ticked=driver.ticked_of(dialogue),
    )


def _note_language(services: Services, athlete: Athlete, code: str | None) -> None:
    """Keep what the athlete's Telegram app reports, and the content language chosen from
    it among those loaded (one today; docs/content-format.md, "Adding a language")."""
    code = code[:35] if code else None
    if athlete.language_code != code:
        athlete.language_code = code
    default = services.library.language
    language = choose_language(code, {default}, default)
    if athlete.language != language:
        athlete.language = language


#: The onboarding questions of the two check-in times (their answers are "HH:MM").
MORNING_TIME, EVENING_TIME = "morning_time", "evening_time"


async def validate(
    services: Services,
    athlete: Athlete,
    kind: DialogueKind,
    question: Question,
    value: Value,
    *,
    answers: Mapping[str, Any] | None = None,
) -> None:
    """Checks only the edge can make, with what it knows beyond the answer: a typed time
    zone must name a real zone; the morning and evening check-in times must sit right
    against each other (the other one from ``answers`` given earlier in this dialogue,
    else, once onboarded, from the athlete's row)."""
    readings = services.library.readings
    typed_zone = question.maps_to == "profile.timezone" and isinstance(value, str)
    if typed_zone and value != "other":
        found = read_zone(
            str(value), readings.zone_aliases, readings.zone_offsets, readings.zone_lead
        )
        if isinstance(found, ZoneChoice):
            reason = refusal_message(
                readings,
                "refusal.zone_ambiguous",
                text=found.name,
                examples="”, “".join(found.cities),
            )
            raise Refusal(reason or services.texts.render("timezone.unknown", text=value))
        if found is None:
            raise Refusal(services.texts.render("timezone.unknown", text=value))
    if question.id in (MORNING_TIME, EVENING_TIME) and isinstance(value, str):
        _check_times(services, athlete, question.id, value, answers or {})


def _check_times(
    services: Services, athlete: Athlete, asked: str, value: str, answers: Mapping[str, Any]
) -> None:
    readings = services.library.readings
    given = as_time(value)
    morning_answer = as_time(answers.get(MORNING_TIME))
    evening_answer = as_time(answers.get(EVENING_TIME))
    if asked == MORNING_TIME:
        morning = given
        evening = evening_answer or (athlete.evening_time if athlete.onboarded else None)
    else:
        evening = given
        morning = morning_answer or (athlete.morning_time if athlete.onboarded else None)
    problem = check_schedule(
        readings.schedule,
        morning=morning,
        evening=evening,
        asked="morning" if asked == MORNING_TIME else "evening",
    )
    if problem is not None:
        reason = refusal_message(readings, problem.key, **problem.params)
        raise Refusal(reason or problem.key)


def declined(dialogue: Dialogue) -> bool:
    """The athlete said no to storing their data."""
    return dialogue.kind is DialogueKind.ONBOARDING and dialogue.answers.get(CONSENT) is False


async def complete(
    services: Services, session: AsyncSession, athlete: Athlete, dialogue: Dialogue
) -> list[str]:
    """The onboarding questionnaire is done (or consent was refused): store the profile,
    place the athlete in the protocol, schedule the check-ins. Returns the messages to send."""
    texts = services.texts
    now = services.clock.now()
    assert athlete.id is not None
    await clear_dialogue(session, athlete.id)
    if declined(dialogue):
        return [texts.render("consent.declined")]
    questionnaire = driver.questionnaire_of(services.questionnaires, dialogue)
    answers = driver.answers_of(dialogue)
    profile: dict[str, Any] = engine.profile_answers(questionnaire, answers)
    if profile.get("timezone"):
        profile["timezone"] = (
            resolve_timezone(str(profile["timezone"]), services.library.readings) or "UTC"
        )
    zone = load_zone(str(profile.get("timezone") or athlete.time_zone))
    today = local_date_of(now, zone)
    engine.apply_onboarding(athlete, profile, today)
    engine.apply_units(athlete, driver.units_of(dialogue))
    if athlete.consent_at is None:
        athlete.consent_at = now
        await log_consent(
            session,
            athlete_id=athlete.id,
            kind=ConsentKind.GIVEN,
            scope=DATA_USE,
            now=now,
            detail={"how": "onboarding"},
        )
    state = initial_state(engine.profile_of(athlete), today)
    athlete.rehab_state = state.to_dict()
    athlete.phase = state.phase.value
    athlete.onboarded = True
    athlete.paused = False
    rebase(athlete, now, services.settings.schedule)
    await save_athlete(session, athlete, now)
    await append_event(
        session,
        athlete_id=athlete.id,
        kind="onboarded",
        at=now,
        payload={"phase": state.phase.value},
    )
    # The athlete's first question is "when can I run again?": answer it at once.
    ahead = await current_milestones(services, session, athlete, today)
    return [
        texts.render(
            "onboarding.done",
            phase=phase_label(texts, state.phase),
            morning=athlete.morning_time.strftime("%H:%M"),
            evening=athlete.evening_time.strftime("%H:%M"),
            timezone=zone_label(athlete.time_zone),
            milestones=Safe(render_milestones(ahead, texts) if ahead else ""),
        )
    ]
