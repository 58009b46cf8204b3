"""Recognition: a short, specific acknowledgement after a clean week, and an honest streak
of check-ins kept. Pure: days in, facts out (the bot words them from content/).

Neither rewards load. A clean week counts days the bone stayed quiet, whatever the session
was (rest and held days included); the streak counts days the athlete checked in, never
sessions done, so pushing harder cannot lengthen it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.library.schema import ProtocolFile
from flows.state import RehabState

#: A clean week is this many clean days in a row.
WEEK = 7


@dataclass(frozen=True, slots=True)
class CleanWeek:
    """`weeks` clean weeks in a row end today; in the last one, `sessions` were done and the
    injured bone never went above `max_pain`/10."""

    weeks: int
    sessions: int
    max_pain: int


def _clean(protocol: ProtocolFile, c: DailyCheckIn) -> bool:
    return max(c.site_pains(), default=0) <= protocol.pain.during_max.value and not any(
        (
            c.night_pain,
            c.pain_building,
            c.pain_sharp,
            c.gait_changed,
            c.swelling,
            c.limp,
            c.tender,
            c.groin_pain,
            c.new_site_pain,
            c.cannot_bear_weight,
            c.high_risk_pattern,
            c.reds_signs,
        )
    )


def clean_week(
    protocol: ProtocolFile, state: RehabState, days: Sequence[DayRecord], today: date
) -> CleanWeek | None:
    """A `CleanWeek` when today completes a whole number of clean weeks: consecutive local
    days ending today, each checked in, with the bone quiet and no step back. Said once per
    week (on days 7, 14, ...), never on other days."""
    by_day = {r.day: r.checkin for r in days if r.day <= today}
    run = 0
    day = today
    while day in by_day and _clean(protocol, by_day[day]) and day not in state.step_backs:
        run += 1
        day -= timedelta(days=1)
    if run == 0 or run % WEEK:
        return None
    week = [by_day[today - timedelta(days=i)] for i in range(WEEK)]
    return CleanWeek(
        weeks=run // WEEK,
        sessions=sum(1 for c in week if c.session is SessionResult.DONE),
        max_pain=max((p for c in week for p in c.site_pains()), default=0),
    )


class DayKept(StrEnum):
    """What a local day means for the check-in streak."""

    KEPT = "kept"  # at least one check-in answered (rest, held and easy days alike)
    MISSED = "missed"  # check-ins were due and all closed unanswered
    OPEN = "open"  # due, none answered yet, still open (today): neither breaks nor counts


def checkin_streak(days: Mapping[date, DayKept], today: date) -> int:
    """Days in a row, ending today (or yesterday while today is still open), on which the
    athlete checked in. Days with nothing due (paused, a lighter cadence) are skipped: they
    neither count nor break the streak."""
    streak = 0
    for day in sorted((d for d in days if d <= today), reverse=True):
        status = days[day]
        if status is DayKept.OPEN:
            if day == today:
                continue
            break
        if status is DayKept.MISSED:
            break
        streak += 1
    return streak
