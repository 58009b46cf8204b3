"""Silence through the real stack: an athlete answers on Monday, goes quiet for five days and
comes back on Sunday. Reminders stop after two unanswered days (and so does the evening
check-in), the return gets one "welcome back", and progression waits for fresh days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sandbox.driver import BotMessage

if TYPE_CHECKING:
    from conversation_fixtures import Harness

    from sandbox.driver import ChatDriver

pytest_plugins = ["conversation_fixtures"]

# London in March (GMT): the morning check-in is at 07:30 UTC, the evening at 20:00, and a
# reminder follows each 90 minutes later.
DAY1 = datetime(2026, 3, 2, tzinfo=UTC)
SLOT_TIMES = [(7, 30), (9, 0), (20, 0), (21, 30)]
#: Quiet, pain-free answers, by what the question is about (first match wins).
PREFERRED = ["None of these", "No", "Done", "0", "Skip"]


async def answer_checkin(chat: ChatDriver, question: BotMessage) -> list[BotMessage]:
    """Answer every question of the check-in on screen the way a well athlete would; return
    the bot's messages after the last answer (the decision, the plan)."""
    for _ in range(20):
        labels = question.labels
        if not labels:
            return [question, *await _drain(chat)]
        text = question.text.lower()
        if "sleep" in text and "7" in labels:
            choice = "7"
        else:
            choice = next(label for label in PREFERRED if label in labels)
        await chat.press(choice)
        question = await chat.next_message()
    raise AssertionError("the check-in never ended")


async def _drain(chat: ChatDriver) -> list[BotMessage]:
    out: list[BotMessage] = []
    while True:
        try:
            out.append(await chat.next_message(timeout=0.4))
        except AssertionError:
            return out


async def live_day(harness: Harness, chat: ChatDriver, day: int) -> list[BotMessage]:
    """Run the ticker through one day without answering; the messages the athlete got."""
    got: list[BotMessage] = []
    for hour, minute in SLOT_TIMES:
        harness.clock.set(DAY1 + timedelta(days=day - 1, hours=hour, minutes=minute))
        await harness.tick()
        got += await _drain(chat)
    return got


async def test_return_after_five_silent_days(harness: Harness) -> None:
    ann = await harness.onboard("Ann")

    # Monday: the morning check-in is answered, the evening one is not.
    harness.clock.set(DAY1 + timedelta(hours=7, minutes=30))
    await harness.tick()
    first = await ann.expect("Good morning")
    monday = await answer_checkin(ann, first if first.labels else await ann.next_message())
    assert "Welcome back" not in " ".join(m.text for m in monday)
    for hour, minute in SLOT_TIMES[2:]:
        harness.clock.set(DAY1 + timedelta(hours=hour, minutes=minute))
        await harness.tick()
    evening = await _drain(ann)
    assert any("reminder" in m.text for m in evening)

    # Tuesday and Wednesday: both check-ins (a greeting and the first question each) and
    # a reminder after each, as usual.
    for day in (2, 3):
        got = await live_day(harness, ann, day)
        assert sum("Good morning" in m.text for m in got) == 1
        assert sum("How did today go?" in m.text for m in got) == 1
        assert sum("reminder" in m.text for m in got) == 2, [m.text for m in got]
        assert len(got) == 8  # each reminder asks its question again (issue 13)

    # Thursday to Saturday: two whole days went unanswered, so no reminders and no evening
    # check-in: only the morning check-in (greeting + first question), open all day.
    for day in (4, 5, 6):
        got = await live_day(harness, ann, day)
        assert len(got) == 2, [m.text for m in got]
        assert "Good morning" in got[0].text
        assert got[1].labels  # the first question, waiting for an answer
        assert not any("reminder" in m.text or "How did today go?" in m.text for m in got)

    # Sunday: Ann is back and answers the morning check-in.
    harness.clock.set(DAY1 + timedelta(days=6, hours=7, minutes=30))
    await harness.tick()
    sunday = await _drain(ann)
    assert "Good morning" in sunday[0].text
    question = sunday[-1]
    replies = await answer_checkin(ann, question)
    decision = replies[0]
    assert decision.text.startswith("Welcome back.")
    assert "after 5 quiet days" in decision.text
    assert "healing time kept counting" in decision.text
    assert "fresh check-ins since you came back (you have 1)" in decision.text
    assert any("Today:" in m.text for m in replies)  # the day's plan follows
    welcomes = [m for m in await ann.transcript() if "Welcome back" in getattr(m, "text", "")]
    assert len(welcomes) == 1

    # The evening check-in is back (she answered today), with no second welcome.
    harness.clock.set(DAY1 + timedelta(days=6, hours=20))
    await harness.tick()
    question = await ann.expect("How did today go?")
    replies = await answer_checkin(ann, question if question.labels else await ann.next_message())
    assert not any("Welcome back" in m.text for m in replies)

    # Monday: the second fresh day. The pain-free count started again at the return: it
    # did not carry over the silence (Monday before it was pain-free too).
    harness.clock.set(DAY1 + timedelta(days=7, hours=7, minutes=30))
    await harness.tick()
    question = await ann.expect("Good morning")
    replies = await answer_checkin(ann, question if question.labels else await ann.next_message())
    text = replies[0].text
    assert "Welcome back" not in text
    assert "fresh check-ins" not in text
    assert "you are at 2" in text

    # /progress: the honest streak restarted with the return (Sunday and Monday).
    await ann.send("/progress")
    progress = await ann.expect("Your progress")
    assert "Check-in streak: 2 days in a row" in progress.text
