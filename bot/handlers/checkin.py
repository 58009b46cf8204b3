"""Check-ins: open one (the ticker at the athlete's local time, or ``/checkin``), stop at a
red flag, and complete: the engine's decision, then the day's plan (morning), the evening
summary and tomorrow's outlook (evening), or the readiness result (weekly).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update

from bot.context import RemodelContext, Services
from bot.dialogue import driver, engine
from bot.handlers.asking import ask, keyboard_shown
from bot.handlers.common import drop_keyboard, is_private, send
from bot.rendering.milestones import render_milestone_change
from bot.rendering.plans import render_decision, render_outlook, render_plan
from bot.rendering.symptoms import note_replies, report_keyboard
from bot.rendering.texts import Safe
from bot.scheduling.timing import load_zone, local_date_of
from bot.sending import SendOutcome
from bot.storage import (
    Athlete,
    Checkin,
    DialogueKind,
    Slot,
    append_event,
    clear_dialogue,
    create_checkin_if_absent,
    education_since,
    get_athlete_by_telegram_id,
    get_checkin,
    get_dialogue,
    keep_partial_answers,
    list_checkins,
    list_clearances,
    log_education,
    mark_answered,
    save_athlete,
    set_checkin_nonce,
    start_dialogue,
)
from bot.storage.models import CheckinStatus, Dialogue
from flows.cadence import due_slots
from flows.checkin import DailyCheckIn, DayRecord
from flows.engine import HISTORY_DAYS, Decision, decide
from flows.milestones import moved_by
from flows.phases import Phase
from flows.plan import plan_for_day
from flows.profile import AthleteProfile
from flows.questionnaire.due import self_tests_due
from flows.questionnaire.walk import checkin_from_answers
from flows.reasons import Action
from flows.state import RehabState
from flows.variety import pick

log = logging.getLogger(__name__)

KIND_OF_SLOT = {
    Slot.MORNING: DialogueKind.MORNING,
    Slot.EVENING: DialogueKind.EVENING,
    Slot.WEEKLY: DialogueKind.WEEKLY,
}
#: Check-in rows whose answers the engine sees (a missed one only with what was answered).
COUNTED = frozenset({CheckinStatus.ANSWERED, CheckinStatus.MISSED})
#: Snippets shown within this many days are not repeated.
SNIPPET_MEMORY_DAYS = 28


def local_today(athlete: Athlete, now: datetime) -> date:
    return local_date_of(now, load_zone(athlete.time_zone))


async def history(session: AsyncSession, athlete: Athlete, today: date) -> list[DayRecord]:
    """Earlier days (morning and evening merged), for the engine: answered check-ins and the
    answers kept on missed ones."""
    assert athlete.id is not None
    rows = await list_checkins(session, athlete.id, since=today - timedelta(days=HISTORY_DAYS))
    return _days(rows, before=today)


def _days(
    rows: Iterable[Checkin],
    *,
    before: date | None = None,
    only: date | None = None,
) -> list[DayRecord]:
    merged: dict[date, DailyCheckIn] = {}
    for row in sorted(rows, key=lambda r: r.due_at):
        # A missed check-in that was half answered still tells what the athlete reported
        # (pain, sleep): the engine gets it like any other answer of that day.
        if row.status not in COUNTED or not row.answers:
            continue
        if before is not None and row.local_date >= before:
            continue
        if only is not None and row.local_date != only:
            continue
        day = DailyCheckIn.from_dict(row.answers)
        merged[row.local_date] = (
            merged[row.local_date].merge(day) if row.local_date in merged else day
        )
    return [DayRecord(d, c) for d, c in sorted(merged.items())]


def _context(
    athlete: Athlete, today: date, planned_session: bool, tests_due: dict[str, bool]
) -> dict[str, object]:
    """What the questionnaire's ``ask_if`` conditions may test, fixed when the check-in
    opens (a restart asks exactly the same questions)."""
    phase = engine.current_phase(athlete)
    return {
        "phase": phase.value,
        "stage": (athlete.rehab_state or {}).get("stage", 1),
        "site": athlete.injury_site,
        "planned_session": planned_session,
        # No evening check-in in this cadence: the morning asks the safety screen.
        "evening_due": Slot.EVENING.value
        in due_slots(athlete.phase, athlete.checkin_cadence, weekly_day=True),
        **tests_due,
        "date": today.isoformat(),
    }


async def open_checkin(
    context: RemodelContext, session: AsyncSession, athlete: Athlete, checkin: Checkin
) -> tuple[Dialogue, driver.Position | None, int | None]:
    """Start the check-in's dialogue (replacing whatever was open: its keyboards go stale).
    Returns the dialogue, its first question and the message id of a keyboard to drop."""
    services = context.services
    assert athlete.id is not None
    assert checkin.id is not None
    now = services.clock.now()
    previous = await get_dialogue(session, athlete.id)
    stale_message = keyboard_shown(services, previous)
    kind = KIND_OF_SLOT[checkin.slot]
    dialogue = await start_dialogue(
        session, athlete_id=athlete.id, kind=kind, now=now, checkin_id=checkin.id
    )
    await set_checkin_nonce(session, checkin.id, dialogue.nonce)
    planned = False
    due: dict[str, bool] = {}
    if kind is DialogueKind.EVENING and athlete.rehab_state:
        state = RehabState.from_dict(athlete.rehab_state)
        days = await history(session, athlete, checkin.local_date)
        plan = plan_for_day(
            services.library,
            engine.profile_of(athlete, await list_clearances(session, athlete.id)),
            state,
            checkin.local_date,
            days,
        )
        # A rest day or a hold plans no session: no session questions tonight.
        planned = plan.session is not None and not plan.is_rest_day
        due = self_tests_due(services.library.protocol, state, days)
    at = driver.begin(
        services.questionnaires, dialogue, _context(athlete, checkin.local_date, planned, due)
    )
    return dialogue, at, stale_message


def intro(services: Services, dialogue: Dialogue, athlete: Athlete) -> str:
    """The check-in's opening line: one of its wordings per athlete and local day."""
    questionnaire = driver.questionnaire_of(services.questionnaires, dialogue)
    if not questionnaire.intros:
        return questionnaire.title
    today = local_today(athlete, services.clock.now())
    # Seeded by the Telegram id, which a re-created database (a bench run, a restore) keeps.
    return pick(questionnaire.intros, athlete.telegram_user_id, today)


async def send_checkin(
    context: RemodelContext,
    athlete: Athlete,
    dialogue: Dialogue,
    at: driver.Position | None,
    stale_message: int | None,
    *,
    deactivate_if_blocked: bool = True,
) -> SendOutcome[Message] | None:
    """Put the first question of an opened check-in on screen."""
    assert athlete.id is not None
    if stale_message is not None:
        await drop_keyboard(context, athlete.chat_id, stale_message)
    if at is None:
        return None
    return await ask(
        context,
        athlete_id=athlete.id,
        chat_id=athlete.chat_id,
        nonce=dialogue.nonce,
        at=at,
        preface=intro(context.services, dialogue, athlete),
        deactivate_if_blocked=deactivate_if_blocked,
    )


def default_slot(athlete: Athlete, now: datetime) -> Slot:
    """Which check-in ``/checkin`` starts: morning before midday local time, else evening."""
    local = now.astimezone(load_zone(athlete.time_zone))
    return Slot.MORNING if local.hour < 14 else Slot.EVENING


async def on_checkin_command(update: Update, context: RemodelContext) -> None:
    """``/checkin``: continue the open check-in, or start one now."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    now = services.clock.now()
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
        if athlete is None or athlete.id is None or not athlete.onboarded:
            reply = "pointer.onboarding" if athlete is not None else "pointer.not_registered"
            await send(context, message.chat_id, texts.render(reply))
            return
        if athlete.paused:
            await send(context, message.chat_id, texts.render("checkin.paused"))
            return
        dialogue = await get_dialogue(session, athlete.id)
        at = driver.position(services.questionnaires, dialogue) if dialogue else None
        resuming = dialogue is not None and at is not None and dialogue.kind in driver.CHECKIN_KINDS
        if not resuming:
            slot = default_slot(athlete, now)
            row, _ = await create_checkin_if_absent(
                session,
                athlete_id=athlete.id,
                local_date=local_today(athlete, now),
                slot=slot,
                due_at=now,
                status=CheckinStatus.SENT,
            )
            if not row.status.is_open:
                await send(
                    context,
                    message.chat_id,
                    texts.render("checkin.done_today"),
                    report_keyboard(texts),
                )
                return
            dialogue, at, stale = await open_checkin(context, session, athlete, row)
    assert dialogue is not None
    if not resuming:
        await send_checkin(context, athlete, dialogue, at, stale)
        return
    assert at is not None
    shown = keyboard_shown(services, dialogue)
    if shown is not None:
        await drop_keyboard(context, message.chat_id, shown)
    await ask(
        context,
        athlete_id=athlete.id,
        chat_id=message.chat_id,
        nonce=dialogue.nonce,
        at=at,
        preface=texts.render("checkin.in_progress"),
        ticked=driver.ticked_of(dialogue),
    )


async def keep_partial(services: Services, session: AsyncSession, dialogue: Dialogue) -> None:
    """Put the check-in's answers so far on its row (engine vocabulary), so that a check-in
    closed before it is finished (the next one came due) keeps them."""
    if dialogue.checkin_id is None or dialogue.kind not in driver.CHECKIN_KINDS:
        return
    questionnaire = driver.questionnaire_of(services.questionnaires, dialogue)
    answers = checkin_from_answers(questionnaire, driver.answers_of(dialogue))
    await keep_partial_answers(session, dialogue.checkin_id, answers.to_dict())


async def complete(
    services: Services, session: AsyncSession, athlete: Athlete, dialogue: Dialogue
) -> list[str]:
    """The engine decides on the day so far; store the outcome; the messages to send."""
    texts = services.texts
    library = services.library
    now = services.clock.now()
    assert athlete.id is not None
    await clear_dialogue(session, athlete.id)
    questionnaire = driver.questionnaire_of(services.questionnaires, dialogue)
    answers = driver.answers_of(dialogue)
    checkin_today = checkin_from_answers(questionnaire, answers)
    row = await get_checkin(session, dialogue.checkin_id) if dialogue.checkin_id else None
    today = row.local_date if row is not None else local_today(athlete, now)
    rows = await list_checkins(session, athlete.id, since=today - timedelta(days=HISTORY_DAYS))
    earlier = _days(rows, before=today)
    same_day = _days([r for r in rows if row is None or r.id != row.id], only=today)
    merged = same_day[0].checkin.merge(checkin_today) if same_day else checkin_today
    profile = engine.profile_of(athlete, await list_clearances(session, athlete.id))
    state = RehabState.from_dict(athlete.rehab_state) if athlete.rehab_state else None
    if state is None:
        log.error("athlete %s has no rehab state; check-in stored without a decision", athlete.id)
        return [texts.render("error.generic")]
    # How many decisions were made earlier today (the morning's, before an evening's): the
    # evening's summary then reads differently from the morning's.
    turn = sum(
        1 for r in rows if r.local_date == today and r.decision and (row is None or r.id != row.id)
    )
    decision = decide(library, profile, state, merged, earlier, today, turn)
    if row is not None and row.id is not None:
        on_time = await mark_answered(
            session,
            row.id,
            now=now,
            answers=checkin_today.to_dict(),
            decision=_summary(decision),
        )
        if not on_time:
            return [texts.render("checkin.closed")]
    await _store_decision(session, athlete, decision, now)
    messages = [render_decision(decision, texts)]
    days = [*earlier, DayRecord(today, merged)]
    note = _milestones_moved(services, profile, state, decision, days, today)
    if note is not None:
        messages[0] = f"{messages[0]}\n\n{note}"
    # A note that reads like a symptom or a question gets a reply of its own, last.
    noted = note_replies(library, texts, checkin_today.note, decision, state)
    if decision.red_flags:
        return [*messages, *noted]
    if dialogue.kind is DialogueKind.MORNING:
        seen = await education_since(
            session, athlete.id, today - timedelta(days=SNIPPET_MEMORY_DAYS)
        )
        plan = plan_for_day(
            library,
            profile,
            decision.new_state,
            today,
            [*earlier, DayRecord(today, merged)],
            [snippet for snippet, _ in reversed(seen)],
        )
        if plan.snippet is not None:
            await log_education(
                session, athlete_id=athlete.id, snippet_id=plan.snippet.id, sent_on=today
            )
        messages.append(render_plan(plan, texts))
    elif dialogue.kind is DialogueKind.EVENING:
        tomorrow = plan_for_day(
            library,
            profile,
            decision.new_state,
            today + timedelta(days=1),
            [*earlier, DayRecord(today, merged)],
        )
        messages[0] = texts.render("evening.summary", summary=Safe(messages[0]))
        messages.append(render_outlook(tomorrow, texts))
    return [*messages, *noted]


async def late_red_flag(
    services: Services, session: AsyncSession, athlete: Athlete, dialogue: Dialogue
) -> list[str]:
    """The messages for a red flag answered on a check-in that had already closed.

    The answer is not filed on the closed check-in, but safety does not wait for the next
    one: the engine decides on the flagged answers as today's (hold, escalation and the
    events a coach is alerted with), exactly as for a red flag on time.
    """
    assert athlete.id is not None
    now = services.clock.now()
    state = RehabState.from_dict(athlete.rehab_state) if athlete.rehab_state else None
    if state is None:
        return []
    questionnaire = driver.questionnaire_of(services.questionnaires, dialogue)
    flagged = checkin_from_answers(questionnaire, driver.answers_of(dialogue))
    today = local_today(athlete, now)
    rows = await list_checkins(session, athlete.id, since=today - timedelta(days=HISTORY_DAYS))
    profile = engine.profile_of(athlete, await list_clearances(session, athlete.id))
    decision = decide(services.library, profile, state, flagged, _days(rows, before=today), today)
    await _store_decision(session, athlete, decision, now)
    await append_event(
        session,
        athlete_id=athlete.id,
        kind="late_red_flag",
        at=now,
        payload={"checkin_id": dialogue.checkin_id, **_summary(decision)},
    )
    return [render_decision(decision, services.texts)]


def _milestones_moved(
    services: Services,
    profile: AthleteProfile,
    state: RehabState,
    decision: Decision,
    days: list[DayRecord],
    today: date,
) -> str | None:
    """How a step back or a new hold moved the milestone dates (None otherwise)."""
    held = decision.new_state.phase is Phase.HOLD and state.phase is not Phase.HOLD
    if decision.action is not Action.STEP_BACK and not held:
        return None
    before, after = moved_by(services.library, profile, state, decision.new_state, days, today)
    why = "step_back" if decision.action is Action.STEP_BACK else "hold"
    return render_milestone_change(before, after, services.texts, why)


def _summary(decision: Decision) -> dict[str, object]:
    """What a check-in row and the event log keep of a decision."""
    return {
        "action": decision.action.value,
        "reasons": [r.value for r in decision.reasons],
        "red_flags": [f.value for f in decision.red_flags],
    }


async def _store_decision(
    session: AsyncSession, athlete: Athlete, decision: Decision, now: datetime
) -> None:
    """Persist the engine's new state (by name) and its events, in the caller's transaction."""
    assert athlete.id is not None
    athlete.rehab_state = decision.new_state.to_dict()
    athlete.phase = decision.new_state.phase.value
    await save_athlete(session, athlete, now)
    for event in decision.events:
        await append_event(
            session, athlete_id=athlete.id, kind=event.kind.value, at=now, payload=event.payload
        )


# A symptom report (bot/handlers/symptoms.py) is decided and stored like a check-in.
history_of = _days
store_decision = _store_decision
decision_summary = _summary
