"""Red flags (FACTS §4.4): answers that stop progression and escalate at once.

Pure detection: which flags a check-in raises, given the phase and the recent days. The
engine turns any flag into hold + escalation in the same reply.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from flows.checkin import DailyCheckIn, DayRecord
from flows.library.schema import ProtocolFile
from flows.phases import Phase
from flows.reasons import RedFlag


def red_flags(
    protocol: ProtocolFile,
    phase: Phase,
    checkin: DailyCheckIn,
    recent: Sequence[DayRecord] = (),
    today: date | None = None,
) -> list[RedFlag]:
    """Red flags raised by `checkin` for an athlete whose main-line phase is `phase`.

    `recent` are earlier days (oldest first) for the trend rule and, with `today`, for the
    caution tier: rest pain, or walking pain after protect (once walking had been pain-free,
    FACTS §4.4 item 2), is a red flag above `holds.caution_pain_max`, and also at a caution
    level when it was there on the days just before (`holds.caution_repeat_days` in a row;
    without `today` only the first rule applies). Pain that builds within one session or
    changes the stride is a regression (FACTS §4.2 table), not a flag; a limp that persists
    is a flag.
    """
    pain = protocol.pain
    flags: list[RedFlag] = []
    c = checkin
    rest, walking = caution_signs(protocol, phase, c)
    if c.cannot_bear_weight:
        flags.append(RedFlag.CANNOT_BEAR_WEIGHT)
    if c.night_pain:
        flags.append(RedFlag.NIGHT_PAIN)
    if (c.pain_rest is not None and c.pain_rest >= pain.rest_red_flag.value) or (
        rest
        and _repeated(protocol, recent, today, lambda d: bool(caution_signs(protocol, phase, d)[0]))
    ):
        flags.append(RedFlag.REST_PAIN)
    if (
        phase is not Phase.PROTECT
        and c.pain_walking is not None
        and c.pain_walking > protocol.holds.caution_pain_max.value
    ) or (
        walking
        and _repeated(protocol, recent, today, lambda d: bool(caution_signs(protocol, phase, d)[1]))
    ):
        flags.append(RedFlag.WALKING_PAIN)
    if c.limp:
        flags.append(RedFlag.LIMP)
    if c.swelling:
        flags.append(RedFlag.SWELLING)
    if c.groin_pain:
        flags.append(RedFlag.GROIN_PAIN)
    if c.high_risk_pattern:
        flags.append(RedFlag.HIGH_RISK_PATTERN)
    if c.new_site_pain:
        flags.append(RedFlag.NEW_SITE)
    if c.reds_signs:
        flags.append(RedFlag.REDS_SIGNS)
    if _rising_trend(protocol, [*(r.checkin for r in recent), c]):
        flags.append(RedFlag.PAIN_TREND)
    return flags


def caution_signs(protocol: ProtocolFile, phase: Phase, checkin: DailyCheckIn) -> tuple[bool, bool]:
    """(rest pain, walking pain) at the caution tier: above zero (walking: above
    `pain.walking_max`, and only after protect) and at most `holds.caution_pain_max`."""
    top = protocol.holds.caution_pain_max.value
    rest = checkin.pain_rest is not None and 0 < checkin.pain_rest <= top
    walking = (
        phase is not Phase.PROTECT
        and checkin.pain_walking is not None
        and protocol.pain.walking_max.value < checkin.pain_walking <= top
    )
    return rest, walking


def _repeated(
    protocol: ProtocolFile,
    recent: Sequence[DayRecord],
    today: date | None,
    sign: Callable[[DailyCheckIn], bool],
) -> bool:
    """Whether `sign` held on each of the days just before `today` that, with today, make
    `holds.caution_repeat_days` days in a row."""
    if today is None:
        return False
    by_day = {r.day: r.checkin for r in recent}
    for back in range(1, protocol.holds.caution_repeat_days.value):
        earlier = by_day.get(today - timedelta(days=back))
        if earlier is None or not sign(earlier):
            return False
    return True


def _rising_trend(protocol: ProtocolFile, checkins: Sequence[DailyCheckIn]) -> bool:
    """Site pain at or above `trend_min`, the same or higher, on `trend_days` days running."""
    n = protocol.pain.trend_days.value
    if n < 2 or len(checkins) < n:
        return False
    worst = [max(c.site_pains(), default=-1) for c in checkins[-n:]]
    if min(worst) < protocol.pain.trend_min.value:
        return False
    return all(b >= a for a, b in itertools.pairwise(worst))
