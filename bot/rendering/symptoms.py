"""The replies to a symptom report and to a check-in note that reads like a symptom or a
question (texts: ``symptom.*`` in content/<lang>/bot.yaml)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rendering import callbacks
from bot.rendering.plans import render_decision
from bot.rendering.texts import Safe, Texts
from flows.engine import Decision
from flows.library import Library
from flows.state import RehabState
from flows.symptoms import (
    Conclusion,
    ReportOutcome,
    conclude,
    reads_like_question,
    reads_like_symptom,
)

#: Callback kind of the "Report a problem" button (``v1:r:new``).
REPORT = "r"
REPORT_NEW = "new"


def report_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    """One button that starts a symptom report."""
    button = InlineKeyboardButton(
        texts.raw("symptom.button"), callback_data=callbacks.encode(REPORT, REPORT_NEW)
    )
    return InlineKeyboardMarkup([[button]])


def render_report_outcome(outcome: ReportOutcome, texts: Texts) -> str:
    """What the engine concluded on a report, and when to contact the clinician. A red flag
    reads exactly as on a check-in (escalation first, then the explanation)."""
    decision = outcome.decision
    if outcome.conclusion is Conclusion.RED_FLAG and decision is not None:
        return render_decision(decision, texts)
    if outcome.conclusion is Conclusion.ON_HOLD:
        return texts.render("symptom.reply.on_hold")
    if outcome.conclusion is Conclusion.EASED and decision is not None:
        what = texts.render("decision.explanation", explanation=Safe(decision.explanation))
    else:
        what = texts.render("symptom.reply.no_change")
    return texts.render("symptom.reply", conclusion=Safe(what), when=Safe(_when(texts)))


def render_note_reply(conclusion: Conclusion, *, question: bool, texts: Texts) -> str:
    """The reply to a note that reads like a symptom or a question: what the engine
    concluded today and when to contact the clinician."""
    return texts.render(
        "symptom.note.question" if question else "symptom.note.symptom",
        conclusion=Safe(texts.render(f"symptom.conclusion.{conclusion.value}")),
        when=Safe(_when(texts)),
    )


def _when(texts: Texts) -> str:
    return texts.render("symptom.when_to_call")


def note_replies(
    library: Library, texts: Texts, note: str | None, decision: Decision, before: RehabState
) -> list[str]:
    """The reply to a check-in's note, when it reads like a symptom or a question (none
    otherwise): what the check-in's decision concluded and when to contact the clinician."""
    if not note:
        return []
    words = library.readings.symptom_words
    question = reads_like_question(words, note)
    if not question and not reads_like_symptom(words, note):
        return []
    return [render_note_reply(conclude(decision, before), question=question, texts=texts)]
