"""Which evening self-tests are due: a test is asked until it is passed in the phase.

The engine's gates look for *any* pass (walk test, hop test) or the *best* count (heel
raises) among the days of the current phase (flows/engine.py), so asking again after a pass
cannot change a decision: it only costs the athlete a question a day. On hold or paused no
test is due (no progression is decided then).
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.checkin import DayRecord
from flows.library.schema import ProtocolFile
from flows.phases import Phase
from flows.state import RehabState

WALK_TEST = "walk_test_due"
HEEL_TEST = "heel_test_due"
HOP_TEST = "hop_test_due"


def self_tests_due(
    protocol: ProtocolFile, state: RehabState, days: Sequence[DayRecord]
) -> dict[str, bool]:
    """``{walk_test_due, heel_test_due, hop_test_due}`` for the context of an evening
    check-in; ``days`` are the earlier days (oldest first)."""
    in_phase = [r.checkin for r in days if r.day >= state.phase_entered]
    walk_strength = state.phase is Phase.WALK_STRENGTH
    best_heel = max((c.heel_raises or 0 for c in in_phase), default=0)
    return {
        WALK_TEST: walk_strength and not any(c.walk_30min_pain_free for c in in_phase),
        HEEL_TEST: walk_strength and best_heel < protocol.gates.heel_raises_min.value,
        HOP_TEST: state.phase is Phase.IMPACT_PREP
        and not any(c.hop_test_pain_free for c in in_phase),
    }
