"""The soak harness in short (bench/soak.py): a fault-free run and a run with 5xx, 429s and
one SIGKILL of the bot process, compared row by row. Nothing may be lost, duplicated or
differ. (Hangs, which deliver a timed-out send late, run in the bench: each holds a send 6 s,
which costs too much time for the suite.)"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import soak  # noqa: E402


async def test_a_short_soak_with_faults_and_a_kill_matches_the_fault_free_run() -> None:
    args = soak.parser().parse_args(
        ["--athletes", "8", "--days", "2", "--kills", "1", "--hang-rate", "0"]
    )
    comparison, text = await soak.soak(args)
    assert "1 kills" in text, text
    assert comparison.lost == [], text
    assert comparison.duplicated == [], text
    assert comparison.extra == [], text
    assert comparison.differing == [], text
    assert comparison.state == [], text
    assert comparison.defects == 0, text
