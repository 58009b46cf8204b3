"""Typed answers are bound to the question they reply to (issue 13): a reply to an answered
question is never filed under the question on screen; a reply to the question on screen, or
plain text, answers it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.storage import get_athlete_by_telegram_id, get_dialogue

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


async def answers_so_far(harness: Harness, user_id: int) -> dict[str, object]:
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
        assert athlete is not None
        dialogue = await get_dialogue(session, athlete.id or 0)
    assert dialogue is not None
    return dict(dialogue.answers)


async def test_a_reply_to_an_answered_question_is_not_filed_elsewhere(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    first = await ann.expect("wake you")
    await ann.send("no")
    second = await ann.expect("on getting up")
    # Ann replies "5" to the first question (already answered, its message now echoes "No").
    await ann.send("5", reply_to_message_id=first.message_id)
    await ann.expect("already answered")
    before = await answers_so_far(harness, ann.user_id)
    assert "next_morning_pain" not in before, "5 was not taken as the pain on getting up"
    # A reply to the question on screen answers it.
    await ann.send("2", reply_to_message_id=second.message_id)
    await ann.expect("Sitting")
    after = await answers_so_far(harness, ann.user_id)
    assert after["next_morning_pain"] == 2
