"""Silence: what a spell without check-ins means for progression, and for reminders.

The rule (docs/protocol-calibration.md, "Silence"; numbers in content/protocol.yaml
`silence:`):

* A **silent spell** is `spell_days` or more consecutive local days with no answered
  check-in, between two answered days.
* **Healing time still counts**: a spell does not pause the phase's dwell clock (the bone
  went on remodelling while the athlete was away).
* **Evidence of tolerance must be recent**: after a spell, progression looks only at
  answered days from the return on (clean sessions, pain-free days in a row, self-tests),
  and waits until there are `fresh_days_needed` of them. A pain-free run never carries
  over a spell: days nobody reported are not known to be pain-free.
* The athlete is **welcomed back once**, on the first decision of the return day.
* **Reminders stop** after `reminder_stop_days` unanswered days (`reminders_stop`); the
  ticker applies it.

Pure: days and dates in, facts out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flows.checkin import DayRecord
from flows.library.schema import SilenceRules
from flows.state import RehabState


@dataclass(frozen=True, slots=True)
class Silence:
    """The latest silent spell seen in the history, if any.

    `returned_on`: the first answered day after it (None: no spell in the window);
    `silent_days`: its length; `fresh_days`: answered days from `returned_on` on.
    """

    returned_on: date | None = None
    silent_days: int = 0
    fresh_days: int = 0

    def welcome_due(self, state: RehabState, today: date) -> bool:
        """Welcome back on the return day, once (the state remembers it was said)."""
        return self.returned_on == today and state.welcomed_back != today

    def waiting(self, rules: SilenceRules) -> tuple[int, int] | None:
        """(needed, have) while progression waits for fresh answered days, else None."""
        needed = rules.fresh_days_needed.value
        if self.returned_on is None or self.fresh_days >= needed:
            return None
        return needed, self.fresh_days


def assess(rules: SilenceRules, days: Sequence[DayRecord]) -> Silence:
    """The latest silent spell in `days` (answered days, any order; today's included).

    Only gaps between answered days count: before the first answered day of the window
    nothing is known (a new athlete, or a spell longer than the engine's history window,
    where every gate starts from no evidence anyway).
    """
    answered = sorted({r.day for r in days})
    spell = rules.spell_days.value
    for earlier, later in zip(reversed(answered[:-1]), reversed(answered[1:]), strict=True):
        gap = (later - earlier).days - 1
        if gap >= spell:
            fresh = sum(1 for d in answered if d >= later)
            return Silence(returned_on=later, silent_days=gap, fresh_days=fresh)
    return Silence()


def fresh_evidence(days: Sequence[DayRecord], silence: Silence) -> list[DayRecord]:
    """The days progression may use: from the return on (all of them when no spell)."""
    if silence.returned_on is None:
        return list(days)
    return [r for r in days if r.day >= silence.returned_on]


def unanswered_days(last_answered: date | None, first_contact: date, today: date) -> int:
    """Whole local days before `today` with no answered check-in, counted back to the last
    answered day (or to the first contact, such as onboarding, when none was answered)."""
    since = max(last_answered or first_contact, first_contact)
    return max((today - since).days - 1, 0)


def reminders_stop(rules: SilenceRules, unanswered: int) -> bool:
    """No reminder once `reminder_stop_days` whole days went unanswered (back-off)."""
    return unanswered >= rules.reminder_stop_days.value
