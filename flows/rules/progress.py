"""Regression and advancement rules (FACTS §2.3, §2.4, §4.2), computed from recent days.

All functions are pure and take the days as `DayRecord`s, oldest first, today's record
last. "Clean" session: done in full, site pain during and after within the bone limits,
not building, not sharp, stride unchanged, and a next-morning report no higher than the
athlete's baseline (BWH "upon waking" rule). A session whose next morning is not reported
yet does not count: advancement waits for the bone's 24-hour answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.library.schema import ProtocolFile
from flows.reasons import Reason


def morning_baseline(protocol: ProtocolFile, earlier: Sequence[DayRecord]) -> int:
    """The athlete's usual next-morning site pain: the lowest report in the baseline
    window (0 when none). Using the lowest keeps the baseline from drifting upwards."""
    window = earlier[-protocol.pain.baseline_window_days.value :]
    values = [
        r.checkin.next_morning_pain for r in window if r.checkin.next_morning_pain is not None
    ]
    return min(values, default=0)


def _session_ok(protocol: ProtocolFile, c: DailyCheckIn) -> bool:
    pain = protocol.pain
    return (
        c.session is SessionResult.DONE
        and (c.pain_during or 0) <= pain.during_max.value
        and (c.pain_after or 0) <= pain.after_max.value
        and not c.pain_building
        and not c.pain_sharp
        and not c.gait_changed
    )


def clean_sessions(
    protocol: ProtocolFile, days: Sequence[DayRecord], since: date, baseline: int
) -> int:
    """Clean sessions on days >= `since`, each confirmed by the following morning."""
    by_day = {r.day: r.checkin for r in days}
    limit = baseline + protocol.pain.morning_margin.value
    count = 0
    for rec in days:
        if rec.day < since or not _session_ok(protocol, rec.checkin):
            continue
        nxt = by_day.get(rec.day + timedelta(days=1))
        if (
            nxt is not None
            and nxt.next_morning_pain is not None
            and nxt.next_morning_pain <= limit
            and not nxt.night_pain
        ):
            count += 1
    return count


def symptom_run(protocol: ProtocolFile, days: Sequence[DayRecord], baseline: int = 0) -> int:
    """Consecutive days, ending today, with a site symptom: a site pain at or above
    `symptom_min` and above the athlete's usual morning level (`baseline`)."""
    floor = max(protocol.pain.symptom_min.value, baseline + 1)
    run = 0
    for rec in reversed(days):
        if max(rec.checkin.site_pains(), default=0) >= floor:
            run += 1
        else:
            break
    return run


@dataclass
class Regression:
    """What today's signals say: reasons to step back, and reasons only to not progress."""

    step_back: list[Reason] = field(default_factory=list)
    no_progress: list[Reason] = field(default_factory=list)


def assess_regression(
    protocol: ProtocolFile, days: Sequence[DayRecord], baseline: int
) -> Regression:
    """Regression signals in today's check-in (the last of `days`)."""
    pain = protocol.pain
    c = days[-1].checkin
    out = Regression()
    if c.pain_during is not None and c.pain_during > pain.during_max.value:
        out.step_back.append(Reason.PAIN_DURING_HIGH)
    if c.pain_building:
        out.step_back.append(Reason.PAIN_BUILDING)
    if c.pain_sharp:
        out.step_back.append(Reason.PAIN_SHARP)
    if c.gait_changed:
        out.step_back.append(Reason.GAIT_CHANGED)
    if (
        c.next_morning_pain is not None
        and c.next_morning_pain > baseline + pain.morning_margin.value
    ):
        out.step_back.append(Reason.MORNING_PAIN)
    if c.pain_after is not None and c.pain_after > pain.after_max.value:
        out.no_progress.append(Reason.PAIN_AFTER_HIGH)
    run = symptom_run(protocol, days, baseline)
    if run >= pain.symptom_step_back_days.value:
        out.step_back.append(Reason.SYMPTOMS_48H)
    elif run >= pain.symptom_hold_days.value:
        out.no_progress.append(Reason.SYMPTOMS_24H)
    return out


def pain_free_run(protocol: ProtocolFile, days: Sequence[DayRecord]) -> int:
    """Consecutive days, ending today, with everyday activity pain-free: rest and walking
    pain answered and zero (within `walking_max`), no night pain, bone not tender."""
    run = 0
    for rec in reversed(days):
        c = rec.checkin
        answered = c.pain_rest is not None or c.pain_walking is not None
        ok = (
            answered
            and (c.pain_rest or 0) == 0
            and (c.pain_walking or 0) <= protocol.pain.walking_max.value
            and not c.night_pain
            and not c.tender
        )
        if not ok:
            break
        run += 1
    return run


def mean_recent(values: Sequence[float | int | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None
