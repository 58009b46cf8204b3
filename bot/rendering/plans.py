"""Decisions and daily plans as chat messages.

Engine texts (explanations, escalations, safety lines, exercise cues, snippets) are
Telegram HTML from content/ and are embedded as they are; every other value (numbers,
names typed by the athlete) is escaped by :meth:`Texts.render`.
"""

from __future__ import annotations

from bot.rendering.texts import Safe, Texts
from flows.engine import Decision
from flows.phases import Phase
from flows.plan import DailyPlan

#: Cross-training options shown per plan (ranked by bone load, lowest first).
MAX_CROSS_TRAINING = 3


def phase_label(texts: Texts, phase: Phase | str) -> str:
    key = f"phase.{Phase(phase).value}"
    return texts.raw(key) if key in texts else Phase(phase).value.replace("_", " ")


def render_decision(decision: Decision, texts: Texts) -> str:
    """The escalation (if any) first, then the explanation."""
    parts: list[str] = []
    if decision.escalation:
        parts.append(decision.escalation)
    parts.append(texts.render("decision.explanation", explanation=Safe(decision.explanation)))
    return "\n\n".join(parts)


def render_plan(plan: DailyPlan, texts: Texts) -> str:
    """Today's graded session, cross-training options, education snippet and safety line."""
    parts = [texts.render("plan.header", phase=phase_label(texts, plan.phase))]
    session = plan.session
    if session is None or plan.is_rest_day:
        parts.append(texts.render("plan.rest_day"))
    else:
        lines = [f"<b>{Safe(session.title)}</b>", session.intensity]
        lines += [
            texts.render("plan.exercise", name=Safe(e.name), dose=Safe(e.dose))
            for e in session.exercises
        ]
        parts.append(texts.render("plan.session", session=Safe("\n".join(lines))))
        if plan.eased:
            parts.append(texts.render("plan.eased"))
        if session.stop_rules:
            rules = "\n".join(f"• {rule}" for rule in session.stop_rules)
            parts.append(texts.render("plan.stop_rules", rules=Safe(rules)))
    if plan.cross_training:
        items = [
            texts.render(
                "plan.crosstraining.item",
                name=Safe(o.name),
                minutes=o.minutes,
                intensity=Safe(o.intensity),
            )
            + (f"\n  <i>{o.caution}</i>" if o.caution else "")
            for o in plan.cross_training[:MAX_CROSS_TRAINING]
        ]
        parts.append(texts.render("plan.crosstraining", options=Safe("\n".join(items))))
    if plan.snippet is not None:
        parts.append(
            texts.render(
                "plan.education", title=Safe(plan.snippet.title), text=Safe(plan.snippet.text)
            )
        )
    if plan.safety_line:
        parts.append(f"<i>{plan.safety_line}</i>")
    return "\n\n".join(parts)


def render_outlook(plan: DailyPlan, texts: Texts) -> str:
    """Tomorrow in one line: the session title or a rest day."""
    if plan.session is None or plan.is_rest_day:
        outlook = texts.render("plan.outlook.rest")
    else:
        outlook = texts.render(
            "plan.outlook.session",
            phase=phase_label(texts, plan.phase),
            title=Safe(plan.session.title),
        )
    return texts.render("evening.outlook", outlook=Safe(outlook))
