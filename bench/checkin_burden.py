"""Check-in burden: what an athlete answers and reads per day (issue 9, item 1).

Runs the real bot (PTB Application polling an in-process sandbox over HTTP, SQLite, a
ManualClock) for 28 simulated days with one athlete who answers every check-in at once:
the morning (07:30), the evening (20:00) and, on Sundays, the weekly readiness. Answers
come from the athlete's underlying day (a clean day, or a flare-up on days 10-12: pain
during a session that builds up, then morning pain) and are given by tapping buttons where
the question has them (typing otherwise), exactly as `remodel chat` would be used.

Per day it counts: answers (questions answered), taps and typed messages, bot messages
received (edits not counted: the athlete reads them in place) and characters read (each
new bot message's text at arrival), and the characters still on screen at the end of the
day (after a finished check-in collapses). Printed: the median and the maximum per day,
clean and with the flare-up, beside the fixed forms teams keep using: Hooper (4 items:
sleep, stress, fatigue, soreness) and McLean (5 items: fatigue, sleep, soreness, stress,
mood), each answered once a day.

    .venv/bin/python bench/checkin_burden.py            # this tree
    .venv/bin/python bench/checkin_burden.py --maintenance
                                                         # the athlete in maintenance from
                                                         # day 1 (one check-in a day: the
                                                         # morning, and the weekly one)
    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/checkin_burden.py
                                                         # another tree (a "before" run)

About a minute per run (most of it the 0.25 s quiet wait after each answer).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bot

ROOT = Path(bot.__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "bot"))
sys.path.insert(0, str(ROOT / "bench"))

from _common import current_question, quiet_logs  # noqa: E402
from conversation_fixtures import _harness, onboard  # noqa: E402

from flows.phases import Phase  # noqa: E402

DAYS = 28
QUIET = 0.25
#: The fixed forms teams use, answered once a day (items, taps).
REFERENCES = {"Hooper (4 items)": 4, "McLean (5 items)": 5}

CLEAN: dict[str, Any] = {
    "night_pain": False,
    "next_morning_pain": 0,
    "pain_rest": 0,
    "sleep_quality": 8,
    "sleep_hours": 8,
    "fear": 1,
    "session": "done",
    "pain_during": 0,
    "pain_building": False,
    "pain_sharp": False,
    "pain_after": 0,
    "pain_walking": 0,
    "limp": False,
    "swelling": False,
    "groin_pain": False,
    "new_site_pain": False,
    "cannot_bear_weight": False,
    "walk_30min_pain_free": True,
    "heel_raises": 30,
    "hop_test_pain_free": True,
    "reds_signs": False,
}
FLARE: dict[int, dict[str, Any]] = {
    10: {"pain_during": 4, "pain_building": True, "pain_sharp": False, "pain_after": 3},
    11: {"next_morning_pain": 2, "pain_rest": 1, "pain_walking": 1},
    12: {"next_morning_pain": 1, "pain_rest": 0},
}


@dataclass
class Day:
    answers: int = 0
    taps: int = 0
    typed: int = 0
    messages: int = 0
    chars: int = 0
    on_screen: int = 0
    seen: set[int] = field(default_factory=set)


def _kind(question: Any) -> str:
    return str(getattr(question.type, "value", question.type))


def _labels(message: Any) -> dict[str, str]:
    return {b.text: b.text for row in message.buttons for b in row}


async def _read(chat: Any, day: Day) -> list[Any]:
    """Every new bot message until the bot is quiet; counted into ``day``."""
    messages = []
    while True:
        try:
            message = await chat.next_message(timeout=QUIET)
        except AssertionError:
            return messages
        messages.append(message)
        day.messages += 1
        day.chars += len(message.text or "")
        day.seen.add(message.message_id)


async def _shown_question(chat: Any) -> Any:
    """The newest bot message with buttons, else the newest bot message."""
    transcript = [m for m in await chat.transcript() if getattr(m, "buttons", None) is not None]
    with_buttons = [m for m in transcript if m.buttons]
    return with_buttons[-1] if with_buttons else transcript[-1]


def _button_for(question: Any, value: Any) -> str | None:
    kind = _kind(question)
    if kind == "yes_no":
        return "Yes" if value else "No"
    if kind == "scale":
        return str(value)
    if kind == "choice":
        return next((o.label for o in question.options if o.value == value), None)
    if kind == "number" and getattr(question, "step", None):
        return str(value)
    return None


async def _answer_open(chat: Any, harness: Any, answers: dict[str, Any], day: Day) -> None:
    """Answer the open check-in to its end from ``answers``."""
    services = harness.services
    for _ in range(40):
        question = await current_question(harness.store, services.questionnaires, chat.user_id)
        if question is None:
            return
        message = await _shown_question(chat)
        labels = _labels(message)
        day.answers += 1
        if _kind(question) == "multi":
            ticked = [o for o in question.options if answers.get(o.maps_to)]
            for option in ticked:
                await chat.press(option.label)
                day.taps += 1
                await asyncio.sleep(0.1)  # the keyboard is edited to show the tick
            await chat.press("Done" if ticked else "None of these")
            day.taps += 1
        else:
            if getattr(question, "sum_into", None):
                value: Any = 80
            else:
                value = answers.get(question.maps_to or "")
            label = None if value is None else _button_for(question, value)
            if value is None and "Skip" in labels:
                await chat.press("Skip")
                day.taps += 1
            elif label is not None and label in labels:
                await chat.press(label)
                day.taps += 1
            else:
                await chat.send("skip" if value is None else str(value))
                day.typed += 1
        await _read(chat, day)
    raise RuntimeError("the check-in did not end")


async def _run(flare: bool, maintenance: bool) -> list[Day]:
    with tempfile.TemporaryDirectory() as tmp:
        async for harness in _harness(Path(tmp)):
            chat = await onboard(harness, "Ann")
            await _read(chat, Day())
            if maintenance:
                await harness.put_in_phase(chat, Phase.MAINTENANCE, harness.clock.now().date())
            start = harness.clock.now().replace(hour=0, minute=0)
            days: list[Day] = []
            for n in range(DAYS):
                answers = {**CLEAN, **(FLARE.get(n, {}) if flare else {})}
                midnight = start + timedelta(days=n)
                day = Day()
                slots = [timedelta(hours=7, minutes=30), timedelta(hours=20)]
                if midnight.weekday() == 6:  # Sunday: weekly readiness at 12:00
                    slots.insert(1, timedelta(hours=12))
                for offset in slots:
                    harness.clock.set(midnight + offset)
                    await harness.tick()
                    await _read(chat, day)
                    await _answer_open(chat, harness, answers, day)
                    await _read(chat, day)
                await asyncio.sleep(0.3)  # the collapse deletes after the outcome
                alive = {m.message_id: m for m in await chat.transcript() if hasattr(m, "buttons")}
                day.on_screen = sum(len(alive[i].text or "") for i in day.seen if i in alive)
                days.append(day)
            return days
    raise RuntimeError("no harness")


def _row(name: str, values: list[int]) -> str:
    return f"  {name:<26} median {statistics.median(values):>6.0f}   max {max(values):>6}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--maintenance", action="store_true", help="the athlete is in maintenance from day 1"
    )
    args = parser.parse_args()
    quiet_logs()
    started = datetime.now(UTC)
    phase = " in maintenance" if args.maintenance else ""
    print(f"Check-in burden over {DAYS} simulated days{phase} (code: {ROOT})\n")
    for label, flare in (("clean", False), ("flare-up on days 10-12", True)):
        days = asyncio.run(_run(flare, args.maintenance))
        print(f"{label}:")
        print(_row("answers per day", [d.answers for d in days]))
        print(_row("taps per day", [d.taps for d in days]))
        print(_row("typed messages per day", [d.typed for d in days]))
        print(_row("bot messages per day", [d.messages for d in days]))
        print(_row("characters read per day", [d.chars for d in days]))
        print(_row("characters on screen", [d.on_screen for d in days]))
        print()
    print("fixed daily forms, for comparison:")
    for name, items in REFERENCES.items():
        print(f"  {name:<26} answers {items}, taps {items} (one form a day)")
    print(f"\n({(datetime.now(UTC) - started).total_seconds():.0f} s)")


if __name__ == "__main__":
    main()
