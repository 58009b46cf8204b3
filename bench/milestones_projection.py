"""Benchmark: the cost of one milestone projection (flows.milestones.milestones).

The bot projects on /progress, at the end of onboarding, after a clearance and (twice)
after a step back or a new hold. Prints the median and p99 per call for athletes early in
protect (the longest run forward) and mid-way (walk_run); asserts nothing.
Run: ``.venv/bin/python bench/milestones_projection.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from flows.engine import initial_state
from flows.injury import Grade, Site
from flows.library.loader import load_library
from flows.milestones import calibration_grid, milestones
from flows.phases import Phase
from flows.profile import AthleteProfile, WeightBearing

CONTENT = Path(__file__).resolve().parent.parent / "content"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    library = load_library(CONTENT)
    today = date(2025, 3, 3)
    cases = {
        "tibia MRI 2, day 0 (protect)": (Site.POSTEROMEDIAL_TIBIA, Grade.MRI2, None),
        "femoral neck KM III, day 0": (Site.FEMORAL_NECK, Grade.KM3, None),
        "tibia MRI 2, in walk_run": (Site.POSTEROMEDIAL_TIBIA, Grade.MRI2, Phase.WALK_RUN),
    }
    for label, (site, grade, phase) in cases.items():
        profile = AthleteProfile(
            site=site, grade=grade, diagnosis_date=today, weight_bearing=WeightBearing.FULL
        )
        state = initial_state(profile, today)
        if phase is not None:
            state = replace(state, phase=phase, phase_entered=today - timedelta(days=5))
        samples = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            milestones(library, profile, state, [], today)
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        print(f"{label:<32} median {statistics.median(samples):6.1f} ms   p99 {p99:6.1f} ms")
    start = time.perf_counter()
    cells = calibration_grid(library)
    print(f"calibration grid ({len(cells)} cells): {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
