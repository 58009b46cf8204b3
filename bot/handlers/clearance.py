"""``/clearance``: record what a clinician cleared, and when (the engine reads clearances
at the next decision: a hold is released, an impact gate opens)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.context import RemodelContext, Services
from bot.dialogue import driver
from bot.handlers.checkin import local_today
from bot.handlers.settings import _begin, _onboarded
from bot.rendering.texts import Texts
from bot.storage import Athlete, DialogueKind, clear_dialogue, record_clearance
from bot.storage.models import Dialogue
from flows.library import formats
from flows.library.schema import Option, Question, Questionnaire, QuestionType
from flows.profile import ClearanceKind

KIND_QUESTION = "clearance_kind"
DAYS_QUESTION = "clearance_days_ago"


def clearance_questionnaire(texts: Texts) -> Questionnaire:
    """The two questions of ``/clearance``, worded in bot.yaml."""
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


async def on_clearance(update: Update, context: RemodelContext) -> None:
    athlete = await _onboarded(update, context)
    if athlete is None:
        return
    await _begin(
        context,
        athlete,
        DialogueKind.CLEARANCE,
        [],
        context.services.texts.render("clearance.intro"),
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
    await record_clearance(
        session, athlete_id=athlete.id, on_date=on_date, allows=kind.value, now=now
    )
    return [
        texts.render(
            "clearance.done",
            date=formats.day(texts.language, on_date),
            scope=texts.raw(f"clearance.kind.{kind.value}"),
        )
    ]
