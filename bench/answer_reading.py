"""Benchmark: the cost of reading one typed answer, by kind of answer.

Reads typical inputs (numbers, durations and dates, distances, times, choices, time
zones, refusals) through ``parse_answer`` with the real library, as the bot does on every
typed answer. Prints the first (cold) reading of each kind and the median and p99 of
repeated ones, in microseconds; asserts nothing. The cold figures include loading
dateparser's English data and tzdata's tables once per process.
Run: ``.venv/bin/python bench/answer_reading.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

from flows.library.loader import Library, load_library
from flows.library.schema import Question
from flows.questionnaire.answers import parse_answer

CONTENT = Path(__file__).resolve().parent.parent / "content"
TODAY = date(2026, 11, 27)

KINDS: dict[str, list[tuple[str, str, str]]] = {
    "scale": [("morning", "next_morning_pain", t) for t in ("3", "not much", "2-3", "7/10")],
    "yes/no": [("morning", "night_pain", t) for t in ("no", "no, slept fine", "a little")],
    "days ago": [
        ("onboarding", "days_since_diagnosis", t) for t in ("5", "3 weeks ago", "2 weeks")
    ],
    "date (dateparser)": [
        ("onboarding", "days_since_diagnosis", t) for t in ("2 November", "last monday")
    ],
    "distance": [("onboarding", "weekly_volume_km", t) for t in ("about 40k", "25 miles")],
    "time of day": [("onboarding", "morning_time", t) for t in ("7:30 a.m.", "half 7", "19h")],
    "site": [("onboarding", "site", t) for t in ("inner shin", "heel", "shin")],
    "time zone": [("onboarding", "timezone", t) for t in ("Lisbon", "NYC", "UTC+1", "Japan")],
    "confidence": [("weekly", "conf_overall", t) for t in ("8/10", "80 percent")],
    "refused": [("onboarding", "site", t) for t in ("banana", "²")],
}


def _question(library: Library, form: str, qid: str) -> Question:
    return next(q for q in library.questionnaires.questionnaires[form].questions if q.id == qid)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    library = load_library(CONTENT)
    print(f"{'kind':<20} {'cold us':>9} {'median us':>10} {'p99 us':>9}")
    for kind, rows in KINDS.items():
        inputs = [(_question(library, form, qid), raw) for form, qid, raw in rows]
        start = time.perf_counter()
        question, raw = inputs[0]
        parse_answer(question, raw, library.questionnaires, library.readings, today=TODAY)
        cold = (time.perf_counter() - start) * 1e6
        samples: list[float] = []
        for _ in range(args.rounds):
            for question, raw in inputs:
                start = time.perf_counter()
                parse_answer(question, raw, library.questionnaires, library.readings, today=TODAY)
                samples.append((time.perf_counter() - start) * 1e6)
        samples.sort()
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        print(f"{kind:<20} {cold:>9.0f} {statistics.median(samples):>10.0f} {p99:>9.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
