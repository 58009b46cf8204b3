"""A press on the keyboard of a dialogue that has ended, through the real stack: each gets
words that fit the dialogue it came from (its nonce names the kind), never "This check-in
is closed" for something that was not a check-in. The double tap on onboarding's last
button, the double tap on a check-in's last button (answered: "Already recorded") and a stale
press on a sent symptom report (one started again: test_conv_symptoms.py; a check-in that
closed unanswered keeps its words and its message: test_conv_partial.py,
test_conv_schedule.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from conversation_fixtures import onboard, toast_of

from sandbox.driver import BotMessage

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

# London, 2 March 2026 (GMT).
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


def _data(message: BotMessage, label: str) -> str:
    """The callback data of the button ``label`` as ``message`` showed it when it came."""
    data = next(b.callback_data for row in message.buttons for b in row if b.text == label)
    assert data is not None
    return data


async def test_a_double_tap_on_the_last_onboarding_button(harness: Harness) -> None:
    ann = await onboard(harness, "Ann", finish=False)
    question = [m for m in await ann.transcript() if isinstance(m, BotMessage)][-1]
    assert "May I ask three short" in question.text
    await ann.press("No")
    await ann.expect("All set")
    await harness.drain(ann)
    # The second tap of a double tap left the phone before the first one's answer removed
    # the keyboard (so it is sent as the client sent it: "forged" past the sandbox's check).
    second = await ann.press_data(question.message_id, _data(question, "No"), forged=True)
    assert await toast_of(ann, second) == "You're all set up already."
    await ann.expect_no_message(0.5)  # no "check-in is closed" message, no pointer


async def test_a_double_tap_on_the_last_check_in_button(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(EVENING)
    await harness.tick()
    await ann.expect("How did today go?")
    await ann.expect("Did you do today's session?")
    for label in ["Done", "0", "0", "0"]:
        await ann.press(label)
        await ann.next_message()
    await ann.press("None of these")
    last = await ann.expect("Anything else you want to note?")
    await ann.press("Skip")
    await ann.expect("Evening summary")
    await harness.drain(ann)
    # The second tap of "Skip" left the phone before the first one finished the check-in:
    # the answer is on record, so the toast says so, and no "closed, not recorded" message.
    second = await ann.press_data(last.message_id, _data(last, "Skip"), forged=True)
    assert await toast_of(ann, second) == "Already recorded."
    await ann.expect_no_message(0.5)


async def test_a_stale_press_on_a_sent_report(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(NOON)
    await ann.send("/symptom")
    await ann.expect("four quick questions")
    where = await ann.expect("Where is it?")
    await ann.press("Muscle, joint or skin")
    await ann.expect("is any of these true")
    await ann.press("None of these")
    await ann.expect("Sitting still")
    await ann.press("0")
    walking = await ann.expect("when you walk")
    await ann.press("0")
    await ann.expect("Nothing you told me is a warning sign")

    again = await ann.press_data(walking.message_id, _data(walking, "0"), forged=True)
    assert await toast_of(ann, again) == "That report is already sent."
    older = _data(where, "Where my injury is")
    late = await ann.press_data(where.message_id, older, forged=True)
    assert await toast_of(ann, late) == "That report is already sent."
    await ann.expect_no_message(0.5)
