"""A check-in's last answer: the outcome's first message is the reply; the plan after it,
the trail's deletion and the coach's news are background sends, which leave the send budget's
last token to other athletes' replies (bot/sending/pacer.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.sending.pacer import BACKGROUND

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]


async def test_after_the_outcome_the_rest_of_a_finished_checkin_yields_to_replies(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    await harness.drain(ann)
    pacer = harness.services.pacer
    asked: list[tuple[str, bool]] = []  # (kind of slot, background?) for Ann's chat
    wait, wait_call = pacer.wait, pacer.wait_call

    async def recording_wait(chat_id: int) -> None:
        if chat_id == ann.chat_id:
            asked.append(("message", BACKGROUND.get()))
        await wait(chat_id)

    async def recording_wait_call(chat_id: int) -> None:
        if chat_id == ann.chat_id:
            asked.append(("call", BACKGROUND.get()))
        await wait_call(chat_id)

    pacer.wait, pacer.wait_call = recording_wait, recording_wait_call  # type: ignore[method-assign]
    harness.clock.set(harness.clock.now().replace(day=3, hour=7, minute=30))
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    for label in ("No", "1", "0", "7"):
        await ann.press(label)
        await ann.next_message()
    assert ("message", True) in asked, "the ticker's check-in is a background send"
    asked.clear()

    await ann.press("2")
    outcome = await ann.next_message()
    plan = await ann.next_message()
    await harness.drain(ann)

    assert "Today" in plan.text, plan.text
    assert outcome.text != plan.text
    messages = [background for kind, background in asked if kind == "message"]
    calls = [background for kind, background in asked if kind == "call"]
    # The outcome goes as a reply, the plan after it in the background.
    assert messages == [False, True]
    # The recap edit is a reply's; the deletion of the answered questions is background.
    assert calls == [False, True]
