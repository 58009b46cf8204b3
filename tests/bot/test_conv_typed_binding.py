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


async def test_an_answer_to_a_second_copy_of_an_answered_question_is_not_filed_further(
    harness: Harness,
) -> None:
    """The soaks with kills: a question went out twice (a worker sent it and died before
    storing its message id; a replayed press asked it again). Ann's plain answer to the first
    copy arrived after the second copy was sent and answered the question; her answer to the
    second copy, typed before the next question came, was then filed as the next question's
    answer (an evening note stored as "none"). Here the second copy comes from /checkin, and
    Ann's two late texts are delivered with the ids of messages she sent at those moments
    (/checkin and /help), since the sandbox cannot hold an update back."""
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    typed_at_first_copy = await ann.send("/checkin")
    await ann.expect("already have a check-in open")
    await ann.expect("wake you")  # the second copy
    typed_at_second_copy = await ann.send("/help")
    await ann.expect("/checkin")
    await harness.deliver_text(ann, "no", typed_at_first_copy)
    await ann.expect("on getting up")
    await harness.deliver_text(ann, "2", typed_at_second_copy)
    await ann.expect("already answered")
    answers = await answers_so_far(harness, ann.user_id)
    assert answers["night_pain"] is False
    assert "next_morning_pain" not in answers, "the answer to the copy went no further"
    await ann.send("1")
    await ann.expect("Sitting")
    assert (await answers_so_far(harness, ann.user_id))["next_morning_pain"] == 1
