"""The two milestones ("running restarts", "full return") as text.

`render_milestones` is the one place their wording is put together: after onboarding, in
``/progress`` (as text, or as a chart caption: it is short and self-contained), and after
a step back, a hold or a clearance moved a projected date (`render_milestone_change`).
Every text is in content/en/bot.yaml under ``milestones.*``; the wording never promises
(projections are "if every day goes well", windows are "most athletes").
"""

from __future__ import annotations

from datetime import date

from bot.rendering.texts import Safe, Texts
from flows.milestones import Milestone, Milestones


def _weeks(days: int) -> int:
    """Whole weeks, rounded to the nearest (a window is approximate anyway)."""
    return max(round(days / 7), 0)


def _day(value: date) -> str:
    """``Mon 20 April``: the athlete's local date, no year (always within a year)."""
    return f"{value:%a} {value.day} {value:%B}"


def _window(texts: Texts, milestone: Milestone) -> str:
    low, high = _weeks(milestone.window.min_days), _weeks(milestone.window.max_days)
    return texts.render("milestones.weeks", low=low, high=max(high, low + 1))


def _line(texts: Texts, key: str, milestone: Milestone) -> str:
    if milestone.reached:
        return texts.render(f"milestones.{key}.reached")
    if milestone.projected is None:
        return texts.render(f"milestones.{key}.unknown", window=Safe(_window(texts, milestone)))
    return texts.render(
        f"milestones.{key}.line",
        window=Safe(_window(texts, milestone)),
        date=_day(milestone.projected),
    )


def render_milestones(milestones: Milestones, texts: Texts) -> str:
    """Both milestones: the published window and the projected date of a clean run, with
    the assumptions the projection makes (clearances, a hold) in plain words."""
    lines = [
        texts.render("milestones.title"),
        _line(texts, "run", milestones.run_restart),
        _line(texts, "full", milestones.full_return),
    ]
    if milestones.on_hold:
        lines.append(texts.render("milestones.note.hold"))
    elif milestones.assumes_clearance and not milestones.full_return.reached:
        lines.append(texts.render("milestones.note.clearance"))
    if milestones.assumes_full_weight:
        lines.append(texts.render("milestones.note.weight_bearing"))
    lines.append(texts.render("milestones.note.estimate"))
    return "\n".join(lines)


def render_milestones_short(milestones: Milestones, texts: Texts) -> str:
    """Both milestones in two short lines and the no-promise note (for the /progress
    chart caption, which Telegram limits to 1024 characters)."""
    lines = []
    for key, milestone in (("run", milestones.run_restart), ("full", milestones.full_return)):
        if milestone.reached:
            lines.append(texts.render(f"milestones.{key}.reached"))
            continue
        window = Safe(_window(texts, milestone))
        if milestone.projected is None:
            lines.append(texts.render(f"milestones.short.{key}.unknown", window=window))
        else:
            lines.append(
                texts.render(
                    f"milestones.short.{key}", window=window, date=_day(milestone.projected)
                )
            )
    lines.append(texts.render("milestones.note.estimate"))
    return "\n".join(lines)


def render_milestone_change(
    before: Milestones, after: Milestones, texts: Texts, why: str
) -> str | None:
    """A short note when a projected date moved (None when neither moved): which date,
    from when to when, and `why` (a ``milestones.why.<code>`` key's code)."""
    moved: list[str] = []
    for key, old, new in (
        ("run", before.run_restart, after.run_restart),
        ("full", before.full_return, after.full_return),
    ):
        if new.reached or old.projected == new.projected:
            continue
        if old.projected is None or new.projected is None:
            continue
        direction = "later" if new.projected > old.projected else "earlier"
        moved.append(
            texts.render(
                f"milestones.moved.{key}.{direction}",
                old=_day(old.projected),
                new=_day(new.projected),
            )
        )
    if not moved:
        return None
    return "\n".join([texts.render(f"milestones.why.{why}"), *moved])
