"""``/clearance``: record what a clinician cleared, and when; the clearance acts at once.

The dialogue asks what was cleared, for a resume after a hold which phase the clinician
cleared the athlete to restart from (protect up to the held phase; the phase below it
first, as the suggested default), and how many days ago. `apply_recorded_clearance` is the
one function that turns a recorded clearance into its effect on the athlete (weight
bearing, phase, events, the reply and the moved milestone dates); every way of recording
a clearance calls it (docs/bot.md, "Clearances").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.context import RemodelContext, Services
from bot.dialogue import driver, engine
from bot.dialogue.engine import encode_clearance
from bot.handlers.asking import ask, keyboard_shown
from bot.handlers.checkin import history, local_today
from bot.handlers.common import drop_keyboard
from bot.handlers.milestones import current_milestones
from bot.handlers.settings import _onboarded
from bot.rendering.milestones import render_milestone_change
from bot.rendering.plans import phase_label
from bot.rendering.texts import Texts
from bot.storage import (
    Athlete,
    DialogueKind,
    append_event,
    clear_dialogue,
    get_dialogue,
    list_clearances,
    record_clearance,
    save_athlete,
    start_dialogue,
)
from bot.storage.models import Dialogue
from flows.clearances import ClearanceOutcome, apply_clearance
from flows.engine import restart_phase
from flows.library import formats
from flows.library.schema import Condition, Option, Question, Questionnaire, QuestionType
from flows.phases import MAIN_LINE, Phase
from flows.profile import Clearance, ClearanceKind
from flows.state import GATE_HOLDS, RehabState

KIND_QUESTION = "clearance_kind"
DAYS_QUESTION = "clearance_days_ago"
#: One restart question per phase a hold can be held from (the options depend on it);
#: the dialogue's context names the held phase, fixed when the dialogue opens.
RESTART_PREFIX = "clearance_restart_"
HELD_FROM = "held_from"


def _restart_question(texts: Texts, held_from: Phase) -> Question:
    cap = MAIN_LINE.index(held_from)
    default = restart_phase(held_from, None)
    allowed = [default, *(p for p in MAIN_LINE[: cap + 1] if p is not default)]
    return Question(
        id=f"{RESTART_PREFIX}{held_from.value}",
        type=QuestionType.CHOICE,
        text=texts.raw("clearance.question.restart"),
        options=[
            Option(
                value=phase.value,
                label=texts.render(
                    f"clearance.restart.{'suggested' if phase is default else 'phase'}",
                    phase=phase_label(texts, phase),
                ),
            )
            for phase in allowed
        ]
        + ([] if len(allowed) > 1 else [_only_protect(texts)]),
        ask_if=[
            Condition(answer=KIND_QUESTION, in_=[ClearanceKind.RESUME.value]),
            Condition(context=HELD_FROM, in_=[held_from.value]),
        ],
    )


def _only_protect(texts: Texts) -> Option:
    # A choice needs two options; held from protect, "protect" is the only restart, so the
    # second option says so in other words (both restart in protect).
    return Option(value="unsure", label=texts.raw("clearance.restart.unsure"))


def clearance_questionnaire(texts: Texts) -> Questionnaire:
    """The questions of ``/clearance``, worded in bot.yaml."""
    return Questionnaire(
        title=texts.raw("clearance.title"),
        questions=[
            Question(
                id=KIND_QUESTION,
                type=QuestionType.CHOICE,
                text=texts.raw("clearance.question.kind"),
                options=[
                    Option(value=kind.value, label=texts.raw(f"clearance.kind.{kind.value}"))
                    for kind in ClearanceKind
                ],
            ),
            *(_restart_question(texts, phase) for phase in MAIN_LINE[:-1]),
            Question(
                id=DAYS_QUESTION,
                type=QuestionType.NUMBER,
                text=texts.raw("clearance.question.days"),
                min=0,
                max=365,
                unit=texts.raw("clearance.unit.days"),
                integer=True,
            ),
        ],
    )


def _held_from(athlete: Athlete) -> str | None:
    """The phase of a safety hold (the one a resume clearance ends), else None."""
    if not athlete.rehab_state:
        return None
    state = RehabState.from_dict(athlete.rehab_state)
    if state.phase is not Phase.HOLD or state.hold_reason in GATE_HOLDS:
        return None
    held = state.held_from or Phase.PROTECT
    return held.value if held in MAIN_LINE[:-1] else None


async def on_clearance(update: Update, context: RemodelContext) -> None:
    athlete = await _onboarded(update, context)
    if athlete is None or athlete.id is None:
        return
    services = context.services
    async with services.store.transaction() as session:
        previous = await get_dialogue(session, athlete.id)
        stale = keyboard_shown(services, previous)
        dialogue = await start_dialogue(
            session, athlete_id=athlete.id, kind=DialogueKind.CLEARANCE, now=services.clock.now()
        )
        at = driver.begin(services.questionnaires, dialogue, {HELD_FROM: _held_from(athlete)})
    if stale is not None:
        await drop_keyboard(context, athlete.chat_id, stale)
    if at is not None:
        await ask(
            context,
            athlete_id=athlete.id,
            chat_id=athlete.chat_id,
            nonce=dialogue.nonce,
            at=at,
            preface=services.texts.render("clearance.intro"),
        )


async def complete(
    services: Services, session: AsyncSession, athlete: Athlete, dialogue: Dialogue
) -> list[str]:
    texts = services.texts
    now = services.clock.now()
    assert athlete.id is not None
    await clear_dialogue(session, athlete.id)
    answers = driver.answers_of(dialogue)
    kind = ClearanceKind(answers[KIND_QUESTION])
    on_date = local_today(athlete, now) - timedelta(days=int(answers[DAYS_QUESTION]))
    resume_phase: Phase | None = None
    for key, value in answers.items():
        if key.startswith(RESTART_PREFIX) and value in {p.value for p in MAIN_LINE}:
            resume_phase = Phase(value)
    clearance = Clearance(day=on_date, kind=kind, resume_phase=resume_phase)
    await record_clearance(
        session,
        athlete_id=athlete.id,
        on_date=on_date,
        allows=encode_clearance(clearance),
        now=now,
    )
    applied = await apply_recorded_clearance(services, session, athlete, clearance, now)
    done = texts.render(
        "clearance.done",
        date=formats.day(texts.language, on_date),
        scope=texts.raw(f"clearance.kind.{kind.value}"),
    )
    return ["\n\n".join([done, *applied.messages])]


@dataclass(frozen=True, slots=True)
class AppliedClearance:
    outcome: ClearanceOutcome
    state: RehabState | None  # None for an athlete not yet placed in the protocol
    messages: list[str]


async def apply_recorded_clearance(
    services: Services,
    session: AsyncSession,
    athlete: Athlete,
    clearance: Clearance,
    now: datetime,
) -> AppliedClearance:
    """Make a clearance that was just recorded (``bot.storage.record_clearance``) act now,
    inside the caller's transaction: weight bearing, phase and stage change as the
    clearance kind says (flows.clearances.apply_clearance), the events are logged, and the
    reply says what changed and how the milestone dates moved.

    Call it after recording, whoever recorded it (the athlete's ``/clearance``, a
    clinician): it is the only place a clearance changes an athlete's state.
    """
    texts = services.texts
    assert athlete.id is not None
    today = local_today(athlete, now)
    if not athlete.rehab_state:
        return AppliedClearance(ClearanceOutcome.GATE_OPEN, None, [])
    state = RehabState.from_dict(athlete.rehab_state)
    profile = engine.profile_of(athlete, await list_clearances(session, athlete.id))
    days = await history(session, athlete, today + timedelta(days=1))
    before = await current_milestones(services, session, athlete, today, state)
    result = apply_clearance(services.library, profile, state, clearance, days, today)
    athlete.weight_bearing = result.profile.weight_bearing.value
    athlete.rehab_state = result.state.to_dict()
    athlete.phase = result.state.phase.value
    await save_athlete(session, athlete, now)
    for event in result.events:
        await append_event(
            session, athlete_id=athlete.id, kind=event.kind.value, at=now, payload=event.payload
        )
    messages = [
        texts.render(
            f"clearance.outcome.{result.outcome.value}",
            phase=phase_label(texts, result.state.active_phase),
        )
    ]
    after = await current_milestones(services, session, athlete, today, result.state)
    if before is not None and after is not None:
        change = render_milestone_change(before, after, texts, "clearance")
        if change is not None:
            messages.append(change)
    return AppliedClearance(result.outcome, result.state, messages)
