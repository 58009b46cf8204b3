"""Check-in cadence: full in every phase but maintenance, lighter in maintenance, the
athlete's choice after graduation, full again on a hold; graduation after four weeks."""

from __future__ import annotations

from datetime import timedelta

from engine_helpers import DAY0

from flows.cadence import ALL_SLOTS, Choice, due_slots, graduation_due
from flows.library.loader import Library
from flows.phases import Phase
from flows.state import HoldReason, RehabState


def test_slots_by_phase_and_choice() -> None:
    for phase in [Phase.PROTECT, Phase.WALK_RUN, Phase.RETURN_TO_SPORT, "run_build"]:
        assert due_slots(phase, None, weekly_day=False) == ALL_SLOTS
    assert due_slots(Phase.MAINTENANCE, None, weekly_day=False) == {"morning", "weekly"}
    assert due_slots(Phase.MAINTENANCE, Choice.WEEKLY, weekly_day=True) == {"morning"}
    assert due_slots(Phase.MAINTENANCE, "weekly", weekly_day=False) == frozenset()
    assert due_slots(Phase.MAINTENANCE, Choice.OFF, weekly_day=True) == frozenset()
    # A setback or a hold brings the full cadence back, whatever was chosen.
    assert due_slots(Phase.RETURN_TO_SPORT, Choice.OFF, weekly_day=False) == ALL_SLOTS
    assert due_slots(Phase.HOLD, Choice.WEEKLY, weekly_day=True) == ALL_SLOTS
    assert due_slots(None, None, weekly_day=False) == ALL_SLOTS


def test_graduation_after_four_weeks_of_maintenance(library: Library) -> None:
    rules = library.protocol.cadence
    entered = DAY0 - timedelta(days=27)
    state = RehabState(
        phase=Phase.MAINTENANCE, stage=1, phase_entered=entered, stage_entered=entered
    )
    assert not graduation_due(rules, state, DAY0)
    assert graduation_due(rules, state, DAY0 + timedelta(days=1))
    held = RehabState(
        phase=Phase.HOLD,
        stage=1,
        phase_entered=entered,
        stage_entered=entered,
        hold_reason=HoldReason.RED_FLAG,
        held_from=Phase.MAINTENANCE,
    )
    assert not graduation_due(rules, held, DAY0 + timedelta(days=10))
