"""A slow update is logged with where its time went, by id and kind, never with content."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import pytest

from bot.config import LoggingSettings
from bot.update_timing import mark, timed_update, waited_in_background

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

LOGGER = "bot.update_timing"


def slow_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


async def test_a_slow_block_logs_its_marks_those_of_its_tasks_included(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)

    async def edit() -> None:
        await asyncio.sleep(0.01)
        mark("edited")

    with timed_update(object(), threshold=0.005):
        mark("locked")
        await asyncio.gather(edit(), asyncio.sleep(0.02))
        mark("done")

    (line,) = slow_lines(caplog)
    assert line.startswith("slow update None (object): ")
    steps = line.split(": ", 2)[2]
    assert [step.split(" +")[0] for step in steps.split(", ")] == ["locked", "edited", "done"]
    offsets = [int(step.split(" +")[1]) for step in steps.split(", ")]
    assert offsets == sorted(offsets)
    assert offsets[-1] >= 20


async def test_waits_of_background_sends_do_not_make_an_update_slow(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outcome's plan waits for the chat's 1/s pace in the background: expected, so a
    finished check-in is not logged as slow for it; the line says how long such waits were."""
    caplog.set_level(logging.WARNING, LOGGER)
    with timed_update(object(), threshold=0.03):
        await asyncio.sleep(0.05)
        waited_in_background(0.05)
    assert slow_lines(caplog) == []
    with timed_update(object(), threshold=0.03):
        await asyncio.sleep(0.05)
        waited_in_background(0.01)
    (line,) = slow_lines(caplog)
    assert "(10 ms of it background sends waiting for their turn)" in line


async def test_a_quick_block_and_a_threshold_of_zero_log_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    with timed_update(object(), threshold=10.0):
        mark("locked")
    with timed_update(object(), threshold=0):
        mark("locked")
        await asyncio.sleep(0.01)
    mark("outside any update")  # no update: nothing to note it on, and no error
    assert slow_lines(caplog) == []


async def test_a_slow_press_names_its_steps_and_nothing_the_athlete_typed(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # Every update takes over a millisecond: with the threshold at 1 ms, each is logged.
    harness.settings = harness.settings.model_copy(
        update={"logging": LoggingSettings(slow_update_ms=1)}
    )
    await harness.restart()
    caplog.set_level(logging.WARNING, LOGGER)

    await harness.onboard("Zoltan", city="Reykjavik", days_ago="17")

    lines = slow_lines(caplog)
    presses = [line for line in lines if "(callback_query)" in line]
    texts = [line for line in lines if "(message)" in line]
    assert presses
    assert texts
    # A press that answered a question: its lock, its transaction, Telegram's answers.
    answered = next(line for line in presses if "committed" in line and "sent " in line)
    for step in ("locked +", "transaction +", "committed +", "sent "):
        assert step in answered
    for line in lines:
        assert "Zoltan" not in line
        assert "Reykjavik" not in line
        assert " 17" not in line.split(": ", 2)[2]
