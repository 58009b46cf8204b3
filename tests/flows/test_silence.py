"""The silence rule (flows/rules/silence.py): healing time counts through a silent spell,
evidence of tolerance does not; one welcome back; the reminder back-off's day count."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from engine_helpers import CLEAN, DAY0, make_profile

from flows.checkin import DayRecord, SessionResult
from flows.engine import decide
from flows.library.loader import Library
from flows.phases import Phase
from flows.reasons import Action, Reason
from flows.rules import silence
from flows.state import RehabState

DONE = replace(CLEAN, session=SessionResult.DONE, pain_during=0, pain_after=0)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def protect_since(n: int) -> RehabState:
    return RehabState(phase=Phase.PROTECT, stage=1, phase_entered=day(n), stage_entered=day(n))


def test_pain_free_days_do_not_carry_over_a_silent_spell(library: Library) -> None:
    # Six pain-free days, five silent days, then back. Dwell is long met.
    profile = make_profile(diagnosis=day(-40))
    state = protect_since(-40)
    before = [DayRecord(day(i), CLEAN) for i in range(0, 6)]
    back = day(11)
    returned = decide(library, profile, state, CLEAN, before, back)
    assert returned.action is Action.REPEAT
    assert returned.reasons == [Reason.FRESH_DAYS]
    assert returned.reason_params[Reason.FRESH_DAYS] == {"needed": 2, "have": 1}
    # The next day the fresh-days wait is over, and the pain-free count starts at the return.
    second = decide(
        library, profile, returned.new_state, CLEAN, [*before, DayRecord(back, CLEAN)], day(12)
    )
    assert second.action is Action.REPEAT
    assert second.reason_params[Reason.PAIN_FREE_DAYS]["have"] == 2
    # Without the spell the same answers would have moved the athlete up.
    steady = [DayRecord(day(i), CLEAN) for i in range(0, 12)]
    assert decide(library, profile, state, CLEAN, steady, day(12)).action is Action.ADVANCE


def test_healing_time_still_counts_through_the_spell(library: Library) -> None:
    profile = make_profile(diagnosis=day(0))
    state = protect_since(0)
    first = decide(library, profile, state, CLEAN, [DayRecord(day(1), CLEAN)], day(2))
    left_before = first.reason_params[Reason.MIN_DWELL]["days_left"]
    history = [DayRecord(day(1), CLEAN), DayRecord(day(2), CLEAN), DayRecord(day(8), CLEAN)]
    after = decide(library, profile, state, CLEAN, history, day(9))
    assert after.reason_params[Reason.MIN_DWELL]["days_left"] == left_before - 7


def test_sessions_before_the_spell_do_not_count(library: Library) -> None:
    entered = day(-10)
    state = RehabState(phase=Phase.WALK_RUN, stage=2, phase_entered=entered, stage_entered=entered)
    profile = make_profile(diagnosis=day(-80))
    # Two clean sessions, each confirmed next morning, then four silent days.
    before = [
        DayRecord(day(-9), DONE),
        DayRecord(day(-8), CLEAN),
        DayRecord(day(-7), DONE),
        DayRecord(day(-6), CLEAN),
    ]
    steady = decide(library, profile, state, CLEAN, before, day(-5))
    assert steady.action is Action.ADVANCE  # what the evidence allowed before the spell
    history = [*before, DayRecord(day(-1), CLEAN)]
    back = decide(library, profile, state, CLEAN, history, day(0))
    assert back.action is Action.REPEAT
    assert back.reason_params[Reason.STAGE_SESSIONS]["have"] == 0


def test_one_missed_day_is_not_a_spell(library: Library) -> None:
    profile = make_profile(diagnosis=day(-40))
    history = [DayRecord(day(i), CLEAN) for i in range(0, 10) if i != 7]
    d = decide(library, profile, protect_since(-40), CLEAN, history, day(10))
    assert Reason.FRESH_DAYS not in d.reasons
    assert "Welcome back" not in d.explanation


def test_welcome_back_once_on_the_return_day(library: Library) -> None:
    profile = make_profile(diagnosis=day(-40))
    state = protect_since(-40)
    before = [DayRecord(day(i), CLEAN) for i in range(0, 4)]
    morning = decide(library, profile, state, CLEAN, before, day(9))
    assert morning.explanation.startswith("<b>Welcome back.</b>")
    assert "after 5 quiet days" in morning.explanation
    assert morning.new_state.welcomed_back == day(9)
    evening = decide(library, profile, morning.new_state, replace(CLEAN, fear=1), before, day(9))
    assert "Welcome back" not in evening.explanation
    tomorrow = decide(
        library, profile, evening.new_state, CLEAN, [*before, DayRecord(day(9), CLEAN)], day(10)
    )
    assert "Welcome back" not in tomorrow.explanation
    # The remembered day survives storage.
    assert RehabState.from_dict(morning.new_state.to_dict()).welcomed_back == day(9)


def test_a_red_flag_on_return_escalates_without_small_talk(library: Library) -> None:
    profile = make_profile(diagnosis=day(-40))
    before = [DayRecord(day(i), CLEAN) for i in range(0, 4)]
    d = decide(
        library, profile, protect_since(-40), replace(CLEAN, night_pain=True), before, day(9)
    )
    assert d.action is Action.REFER
    assert d.escalation
    assert "Welcome back" not in d.explanation


def test_assess_finds_the_latest_spell(library: Library) -> None:
    rules = library.protocol.silence
    days = [DayRecord(day(i), CLEAN) for i in (0, 4, 5, 9, 10, 11)]
    found = silence.assess(rules, days)
    assert found == silence.Silence(returned_on=day(9), silent_days=3, fresh_days=3)
    assert found.waiting(rules) is None
    assert silence.assess(rules, days[:4]).waiting(rules) == (2, 1)
    assert silence.assess(rules, []) == silence.Silence()
    assert silence.fresh_evidence(days, found) == days[3:]


def test_unanswered_days_and_the_reminder_back_off(library: Library) -> None:
    rules = library.protocol.silence
    onboarded = day(0)
    assert silence.unanswered_days(None, onboarded, day(1)) == 0
    assert silence.unanswered_days(day(3), onboarded, day(4)) == 0
    assert silence.unanswered_days(day(3), onboarded, day(5)) == 1
    assert silence.unanswered_days(day(3), onboarded, day(6)) == 2
    assert silence.unanswered_days(None, onboarded, day(3)) == 2
    assert not silence.reminders_stop(rules, 1)
    assert silence.reminders_stop(rules, 2)
