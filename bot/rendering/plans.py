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
from flows.recognition import CleanWeek


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
    if plan.clean_week is not None:
        parts.append(render_clean_week(plan.clean_week, texts))
    session = plan.session
    if session is None or plan.is_rest_day:
        parts.append(texts.render("plan.rest_day"))
    else:
        lines = [f"<b>{Safe(session.title)}</b>", session.intensity]
        if session.weekly_distance and session.usual_distance and session.volume_fraction:
            # In the athlete's own unit (the one they gave their usual volume in).
            key = "plan.weekly_target" if session.distance_unit == "km" else "plan.weekly_target_mi"
            lines.append(
                texts.render(
                    key,
                    km=distance(session.weekly_distance),
                    percent=round(session.volume_fraction * 100),
                    usual=distance(session.usual_distance),
                )
            )
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
    if plan.cross_training_today:
        parts.append(render_cross_training(plan, texts))
    if plan.snippet is not None:
        parts.append(
            texts.render(
                "plan.education", title=Safe(plan.snippet.title), text=Safe(plan.snippet.text)
            )
        )
    if plan.safety_line:
        parts.append(f"<i>{plan.safety_line}</i>")
    return "\n\n".join(parts)


def distance(km: float) -> str:
    """A distance as people write it: "20", "7.5" (in whichever unit it is given)."""
    return f"{km:.0f}" if float(km).is_integer() else f"{km:.1f}"


def render_clean_week(week: CleanWeek, texts: Texts) -> str:
    """The acknowledgement of a clean week: specific (sessions, the highest pain), short."""
    if week.sessions == 1:
        # Plural seam: a Babel plural replaces these keys once `input` brings Babel in.
        text = texts.render("plan.clean_week.one_session")
    elif week.sessions:
        text = texts.render("plan.clean_week.sessions", sessions=week.sessions)
    else:
        text = texts.render("plan.clean_week.quiet")
    if week.max_pain == 0:
        text += " " + texts.render("plan.clean_week.pain_free")
    else:
        text += " " + texts.render("plan.clean_week.pain_low", max_pain=week.max_pain)
    if week.weeks > 1:
        text += " " + texts.render("plan.clean_week.weeks", weeks=week.weeks)
    return text


def render_cross_training(plan: DailyPlan, texts: Texts) -> str:
    """Today's few rotated options (lowest bone load first), each with today's variation;
    a site caution in italics under its option."""
    items = []
    for o in plan.cross_training_today:
        key = "plan.crosstraining.varied" if o.variation else "plan.crosstraining.item"
        params = (
            {"variation": Safe(o.variation)} if o.variation else {"intensity": Safe(o.intensity)}
        )
        item = texts.render(key, name=Safe(o.name), minutes=o.minutes, **params)
        if o.caution:
            item += f"\n  <i>{o.caution}</i>"
        items.append(item)
    return texts.render("plan.crosstraining", options=Safe("\n".join(items)))


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
