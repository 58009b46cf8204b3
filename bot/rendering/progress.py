"""The /progress caption, built from small independent parts.

Each part is a function ``(texts, facts) -> str | None`` (``None``: nothing to say); the
caption is the parts that speak, one per line, in :data:`CAPTION_PARTS` order. A new line
(a check-in streak, a projected milestone) is one more function appended to the tuple and,
if it needs data, one more field on :class:`ProgressFacts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.charts.model import ChartView, Period
from bot.rendering.milestones import render_milestones_short
from bot.rendering.plans import phase_label
from bot.rendering.streak import render_streak
from bot.rendering.texts import Texts
from flows.milestones import Milestones
from flows.phases import Phase
from flows.state import RehabState

#: Telegram's caption limit (after entity parsing).
MAX_CAPTION = 1024


@dataclass(frozen=True, slots=True)
class ProgressFacts:
    """What the caption parts may say, gathered once by the handler."""

    today: date
    state: RehabState
    view: ChartView
    period: Period
    answered_7d: int
    missed_7d: int
    latest_rest_pain: int | None
    #: Days in a row checked in (bot/rendering/streak.py); None: not gathered.
    checkin_streak: int | None = None
    milestones: Milestones | None = None  # running restarts / full return (timelines)


CaptionPart = Callable[[Texts, ProgressFacts], str | None]


def head(texts: Texts, facts: ProgressFacts) -> str:
    return texts.render(
        "progress.caption.head",
        view=texts.raw(f"progress.view.{facts.view.value}"),
        period=texts.raw(f"progress.period.{facts.period.value}"),
    )


def phase(texts: Texts, facts: ProgressFacts) -> str:
    state = facts.state
    return texts.render(
        "progress.caption.phase",
        phase=phase_label(texts, state.active_phase),
        stage=state.stage,
        days=state.active_days(facts.today),
    )


def hold(texts: Texts, facts: ProgressFacts) -> str | None:
    state = facts.state
    if state.phase is not Phase.HOLD or state.held_since is None:
        return None
    return texts.render("progress.caption.hold", day=state.held_since.strftime("%a %d %b"))


def adherence(texts: Texts, facts: ProgressFacts) -> str:
    return texts.render(
        "progress.caption.adherence", answered=facts.answered_7d, missed=facts.missed_7d
    )


def pain(texts: Texts, facts: ProgressFacts) -> str:
    value = "–" if facts.latest_rest_pain is None else f"{facts.latest_rest_pain}/10"
    return texts.render("progress.caption.pain", pain=value)


def streak(texts: Texts, facts: ProgressFacts) -> str | None:
    if facts.checkin_streak is None:
        return None
    return render_streak(texts, facts.checkin_streak)


def milestones(texts: Texts, facts: ProgressFacts) -> str | None:
    if facts.milestones is None:
        return None
    return render_milestones_short(facts.milestones, texts)


#: The caption's lines, in order.
CAPTION_PARTS: tuple[CaptionPart, ...] = (
    head,
    phase,
    hold,
    adherence,
    pain,
    streak,
    milestones,
)


def progress_caption(
    texts: Texts, facts: ProgressFacts, parts: tuple[CaptionPart, ...] = CAPTION_PARTS
) -> str:
    """The caption: every part that has something to say, one per line."""
    lines = [line for part in parts if (line := part(texts, facts))]
    return "\n".join(lines)
