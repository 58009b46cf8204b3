"""A question whose send timed out is sent at most once (issue 13).

Telegram's answer to a send can time out although the message is delivered: the sandbox holds
the request (``hang_next``) past the bot's read time-out, then delivers it. Before, the bot
sent the question again; the held original arrived later, below the next question, and the
number an athlete typed at that late copy was filed under the question on screen ("6.5"
hours slept stored as sleep quality 7). Now a timed-out question is not sent again blindly:
it counts as undelivered, and the athlete's next text, press or the reminder asks it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from conversation_fixtures import drain

from bot.storage import get_athlete_by_telegram_id, get_dialogue
from sandbox.driver import BotMessage

if TYPE_CHECKING:
    from conversation_fixtures import Harness

    from sandbox.driver import ChatDriver

pytest_plugins = ["conversation_fixtures"]

MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
#: Longer than the bot's read time-out (python-telegram-bot's 5 s).
HANG = 7.0
HOURS = "hours did you sleep"
QUALITY = "How well did you sleep"


async def answers_of(harness: Harness, ann: ChatDriver) -> dict[str, object]:
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        dialogue = await get_dialogue(session, athlete.id or 0)
    assert dialogue is not None
    return {k: v for k, v in dialogue.answers.items() if not k.startswith("_")}


async def reach_the_hours_question_with_its_send_held(harness: Harness) -> ChatDriver:
    """Ann answers the morning check-in up to "hours slept", whose send the sandbox holds
    past the bot's time-out (and then delivers)."""
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("No")
    await ann.expect("on getting up")
    await ann.press("2")
    await ann.expect("Sitting or lying still")
    await harness.sandbox.set_faults(hang_next={"sendMessage": 1}, hang_seconds=HANG)
    await ann.press("1")
    return ann


def hours_questions(transcript: list[BotMessage]) -> list[BotMessage]:
    return [m for m in transcript if isinstance(m, BotMessage) and HOURS in m.text]


async def test_a_number_typed_at_a_late_copy_is_never_filed_under_the_next_question(
    harness: Harness,
) -> None:
    ann = await reach_the_hours_question_with_its_send_held(harness)
    await ann.expect(HOURS, timeout=HANG + 3)
    await ann.send("6.5")
    # Ann waits until the chat is quiet and answers the newest question she sees.
    newest = (await drain(ann, within=HANG))[-1]
    assert HOURS in newest.text, "the bot asks hours slept again: it cannot know she saw it"
    await ann.send("6.5")
    await ann.expect(QUALITY)
    answers = await answers_of(harness, ann)
    assert answers.get("sleep_hours") == 6.5
    assert "sleep_quality" not in answers, "nothing typed for hours slept is sleep quality"


async def test_a_timed_out_question_is_not_sent_again_unasked(harness: Harness) -> None:
    ann = await reach_the_hours_question_with_its_send_held(harness)
    late = await ann.expect(HOURS, timeout=HANG + 3)
    await ann.expect_no_message(within=3)
    assert len(hours_questions(await ann.transcript())) == 1
    # A press on the late copy answers it (its buttons name the question), and the copy
    # then echoes the answer like any answered question.
    await ann.press("Skip")
    await ann.expect(QUALITY)
    assert "sleep_hours" in await answers_of(harness, ann)
    echoed = await ann.message(late.message_id)
    assert isinstance(echoed, BotMessage)
    assert echoed.buttons == []


async def test_a_reply_to_the_late_copy_answers_it(harness: Harness) -> None:
    ann = await reach_the_hours_question_with_its_send_held(harness)
    late = await ann.expect(HOURS, timeout=HANG + 3)
    await ann.send("6.5", reply_to_message_id=late.message_id)
    await ann.expect(QUALITY)
    assert (await answers_of(harness, ann)).get("sleep_hours") == 6.5
    echoed = await ann.message(late.message_id)
    assert isinstance(echoed, BotMessage)
    assert echoed.buttons == []
    assert len(hours_questions(await ann.transcript())) == 1
