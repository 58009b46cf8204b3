"""/progress through the real stack: a chart photo with a caption, buttons for the other
views and periods that redraw the same message, and the text fallback when drawing fails."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from media_checks import assert_chart_png

from sandbox.driver import BotMessage, ChatDriver

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


async def _redrawn(ann: ChatDriver, message_id: int, caption: str) -> BotMessage:
    """The chart message once it shows ``caption`` (a redraw renders first: wait for it)."""
    for _ in range(100):
        shown = await ann.message(message_id)
        assert isinstance(shown, BotMessage)
        if caption in shown.text:
            assert shown.edited
            return shown
        await asyncio.sleep(0.1)
    raise AssertionError(f"message {message_id} never showed {caption!r}: {shown.text!r}")


async def _photo(harness: Harness, message: BotMessage) -> bytes:
    assert message.photo is not None, "expected a photo"
    return await harness.sandbox.file_bytes(message.photo["file_id"])


async def test_progress_sends_a_chart_with_caption_and_view_buttons(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.answer_morning(ann, MORNING)

    await ann.send("/progress")
    chart = await ann.expect("Your progress")
    assert "Pain, 2 weeks" in chart.text
    assert "Phase: Protect" in chart.text
    assert "Check-ins in the last 7 days: 1 answered" in chart.text
    assert "Latest pain at rest: 0/10" in chart.text
    assert chart.labels == [
        "• Pain",
        "Phases",
        "Check-ins",
        "Sleep, worry",
        "• 2 weeks",
        "6 weeks",
        "All",
    ]
    first = await _photo(harness, chart)
    assert_chart_png(first)

    # Another view redraws the same message: no new chart in the chat.
    await ann.press("Phases")
    phases = await _redrawn(ann, chart.message_id, "Phases, 2 weeks")
    assert "• Phases" in phases.labels
    second = await _photo(harness, phases)
    assert_chart_png(second)
    assert second != first

    # And another period keeps the view.
    await ann.press("All")
    everything = await _redrawn(ann, chart.message_id, "Phases, All")
    await ann.expect_no_message(0.3)  # redrawn in place: no new message
    assert "• All" in everything.labels
    assert "• Phases" in everything.labels


async def test_pressing_the_view_on_screen_changes_nothing(harness: Harness) -> None:
    """Found by fuzzing: a press on the selected view redrew the same chart, Telegram refused
    the edit ("message is not modified") and the bot then sent a second chart."""
    ann = await harness.onboard("Ann")
    await harness.answer_morning(ann, MORNING)
    await ann.send("/progress")
    chart = await ann.expect("Your progress")
    refused = (await harness.sandbox.stats())["answered_4xx"]
    press = await ann.press("• Pain")
    await ann.expect_no_message(0.5)
    assert (await ann.callback_answer(press))["text"] == "This chart is already on screen."
    assert (await harness.sandbox.stats())["answered_4xx"] == refused
    shown = await ann.message(chart.message_id)
    assert isinstance(shown, BotMessage)
    assert not shown.edited


async def test_progress_views_for_check_ins_and_sleep(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.answer_morning(ann, MORNING)
    await ann.send("/progress")
    chart = await ann.expect("Your progress")
    for label, caption in (("Check-ins", "Check-ins, 2 weeks"), ("Sleep, worry", "Sleep, worry")):
        await ann.press(label)
        shown = await _redrawn(ann, chart.message_id, caption)
        assert_chart_png(await _photo(harness, shown))


async def test_progress_before_onboarding_points_to_start(harness: Harness) -> None:
    bob = await harness.athlete("Bob")
    await bob.send("/progress")
    await bob.expect("Send /start")


async def test_a_chart_that_cannot_be_drawn_gives_the_numbers(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = await harness.onboard("Ann")
    await harness.answer_morning(ann, MORNING)

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr("bot.handlers.progress.render_chart", broken)
    await ann.send("/progress")
    reply = await ann.expect("could not draw your chart")
    assert reply.photo is None
    assert "Phase: Protect" in reply.text
    assert "Latest pain at rest: 0/10" in reply.text
