"""The check-in streak as one line of text: a line of the /progress caption
(bot/rendering/progress.py `streak`).

``days_kept(rows)`` turns check-in rows into the days the rule counts;
``render_streak(texts, days)`` words it; ``streak_line(texts, rows, today)`` does both. The
counting rule is ``flows.recognition.checkin_streak``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.rendering.texts import Texts
from bot.storage.models import Checkin, CheckinStatus
from flows.recognition import DayKept, checkin_streak

#: How far back /progress reads rows for the streak (longer streaks show as "at least").
STREAK_WINDOW_DAYS = 120


def days_kept(rows: Iterable[Checkin]) -> dict[date, DayKept]:
    """Per local date with a check-in due: kept (something answered), open (none answered,
    one still open) or missed. Dates with no row had nothing due."""
    out: dict[date, DayKept] = {}
    for row in rows:
        if row.answers or row.status is CheckinStatus.ANSWERED:
            status = DayKept.KEPT
        elif row.status.is_open:
            status = DayKept.OPEN
        else:
            status = DayKept.MISSED
        current = out.get(row.local_date)
        if current is None or _rank(status) > _rank(current):
            out[row.local_date] = status
    return out


def _rank(status: DayKept) -> int:
    return {DayKept.MISSED: 0, DayKept.OPEN: 1, DayKept.KEPT: 2}[status]


def render_streak(texts: Texts, days: int) -> str:
    """One line: the streak in days (rest and held days count), or an encouraging start."""
    if days == 0:
        return texts.render("progress.streak.none")
    if days == 1:
        # Plural seam: one Babel plural message replaces these keys once `input` lands it.
        return texts.render("progress.streak.one")
    return texts.render("progress.streak", days=days)


def streak_line(texts: Texts, rows: Iterable[Checkin], today: date) -> str:
    """The streak line from the athlete's check-in rows (pass at least STREAK_WINDOW_DAYS)."""
    return render_streak(texts, checkin_streak(days_kept(rows), today))
