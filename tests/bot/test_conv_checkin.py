"""Morning, evening and weekly check-ins through the real stack: buttons, typed answers,
a red flag, garbage at every question."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.storage import (
    CheckinStatus,
    get_athlete_by_telegram_id,
    get_dialogue,
    list_checkins,
    list_events,
)

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]


async def until_buttons(chat, message_id: int, label: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the message shows a button ``label`` (a tick edits the keyboard)."""
    for _ in range(200):
        message = await chat.message(message_id)
        if any(b.text == label for row in message.buttons for b in row):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no button {label!r} on message {message_id}")


async def until_deleted(chat, message_id: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until the message is deleted (a finished check-in collapses its questions)."""
    for _ in range(200):
        if (await chat.message(message_id)).deleted:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {message_id} is still there")


# London, 2 March 2026 (GMT): the morning check-in is at 07:30 UTC, the evening at 20:00.
MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)

# Pain on getting up (1) asks the rest pain too; a good night (7) asks no hours.
MORNING_BUTTONS = ["No", "1", "0", "7", "2"]
# A poor night (4) asks the hours.
MORNING_TYPED = ["no", "1/10", "zero", "4", "about 7.5 hours", "2"]
# Pain during the session (2) asks whether it built up and was sharp; the safety screen is
# one question ("None of these").
EVENING_BUTTONS = ["Done", "2", "No", "No", "1", "1", "None of these", "Skip"]
EVENING_TYPED = ["done", "2", "nope", "no", "1", "one", "none", "felt fine today"]


async def _athlete_rows(harness: Harness, user_id: int):  # type: ignore[no-untyped-def]
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
        assert athlete is not None
        assert athlete.id is not None
        rows = await list_checkins(session, athlete.id)
        dialogue = await get_dialogue(session, athlete.id)
        events = await list_events(session, athlete.id)
    return athlete, rows, dialogue, events


async def _morning(harness: Harness, name: str = "Ann"):  # type: ignore[no-untyped-def]
    ann = await harness.onboard(name)
    harness.clock.set(MORNING)
    report = await harness.tick()
    assert report.sent == 1
    await ann.expect("Good morning")
    await ann.expect("wake you")
    return ann


async def test_morning_check_in_by_buttons(harness: Harness) -> None:
    ann = await _morning(harness)
    questions = []
    for number, label in enumerate(MORNING_BUTTONS):
        questions.append((await ann.transcript())[-1].message_id)
        await ann.press(label)
        if number < len(MORNING_BUTTONS) - 1:
            await ann.next_message()
    decision = await ann.expect("same step")
    plan = await ann.expect("Today: Protect")
    # The finished check-in collapsed: the last question became one recap, the others went.
    recap = await ann.message(questions[-1])
    assert not recap.buttons  # type: ignore[union-attr]
    assert recap.text.startswith("Morning check-in ✓")
    assert "Night pain: No · Pain on getting up: 1 · At rest: 0 · Sleep: 7 · Worry: 2" in (
        recap.text
    )
    for message_id in questions[:-1]:
        await until_deleted(ann, message_id)
    on_screen = [m.text for m in await ann.transcript()]
    assert not any("wake you" in text for text in on_screen)
    assert "Cross-training you can do today" in plan.text
    assert "Learn:" in plan.text
    assert "Stop if" in plan.text
    _, rows, dialogue, _ = await _athlete_rows(harness, ann.user_id)
    assert dialogue is None
    (row,) = rows
    assert row.status is CheckinStatus.ANSWERED
    assert row.slot == "morning"
    assert row.answers == {
        "night_pain": False,
        "next_morning_pain": 1,
        "pain_rest": 0,
        "sleep_quality": 7,
        "fear": 2,
    }
    assert row.decision is not None
    assert row.decision["action"] == "repeat"
    assert "pain-free days" in decision.text or "same step" in decision.text
    await ann.expect_no_message(0.3)


async def test_morning_check_in_typed(harness: Harness) -> None:
    ann = await _morning(harness)
    for number, text in enumerate(MORNING_TYPED):
        await ann.send(text)
        if number < len(MORNING_TYPED) - 1:
            await ann.next_message()
    await ann.expect("same step")
    await ann.expect("Today: Protect")
    _, rows, _, _ = await _athlete_rows(harness, ann.user_id)
    assert rows[0].answers == {
        "night_pain": False,
        "next_morning_pain": 1,
        "pain_rest": 0,
        "sleep_hours": 7.5,
        "sleep_quality": 4,
        "fear": 2,
    }


async def _evening(harness: Harness, answers: list[str], *, press: bool) -> None:
    ann = await _morning(harness)
    for number, label in enumerate(MORNING_BUTTONS):
        await ann.press(label)
        if number < len(MORNING_BUTTONS) - 1:
            await ann.next_message()
    await harness.drain(ann)
    harness.clock.set(EVENING)
    report = await harness.tick()
    assert report.sent == 1
    await ann.expect("How did today go?")
    await ann.expect("Did you do today's session?")
    for number, answer in enumerate(answers):
        if press:
            await ann.press(answer)
        else:
            await ann.send(answer)
        if number < len(answers) - 1:
            await ann.next_message()
    summary = await ann.expect("Evening summary")
    assert "same step" in summary.text
    outlook = await ann.expect("Tomorrow")
    assert "Protect" in outlook.text or "rest day" in outlook.text
    _, rows, dialogue, _ = await _athlete_rows(harness, ann.user_id)
    assert dialogue is None
    evening = next(r for r in rows if r.slot == "evening")
    assert evening.status is CheckinStatus.ANSWERED
    assert evening.answers is not None
    assert evening.answers["session"] == "done"
    assert evening.answers["pain_during"] == 2
    assert evening.answers["limp"] is False


async def test_evening_check_in_by_buttons(harness: Harness) -> None:
    await _evening(harness, EVENING_BUTTONS, press=True)


async def test_evening_check_in_typed(harness: Harness) -> None:
    await _evening(harness, EVENING_TYPED, press=False)


async def test_red_flag_ends_the_check_in_with_hold_and_escalation(harness: Harness) -> None:
    ann = await _morning(harness)
    await ann.press("Yes")  # pain woke me last night: a red flag
    escalation = await ann.expect("Please contact your clinician")
    assert "on hold" in escalation.text or "clinician" in escalation.text
    await ann.expect_no_message(0.5)  # no further questions, no plan
    athlete, rows, dialogue, events = await _athlete_rows(harness, ann.user_id)
    assert dialogue is None
    assert athlete.phase == "hold"
    assert rows[0].status is CheckinStatus.ANSWERED
    assert rows[0].decision is not None
    assert rows[0].decision["red_flags"] == ["night_pain"]
    assert "red_flag" in [e.kind for e in events]
    # /today now shows the hold: no graded session, only protect's gentle work (issue 10).
    await ann.send("/today")
    today = await ann.expect("On hold")
    assert "Protect and keep moving" in today.text


async def test_urgent_red_flag_in_the_evening(harness: Harness) -> None:
    ann = await _morning(harness)
    for number, label in enumerate(MORNING_BUTTONS):
        await ann.press(label)
        if number < len(MORNING_BUTTONS) - 1:
            await ann.next_message()
    await harness.drain(ann)
    harness.clock.set(EVENING)
    await harness.tick()
    await ann.expect("How did today go?")
    await ann.expect("session")
    await ann.press("Skipped")
    await ann.expect("Walking around today")
    await ann.press("1")
    screen = await ann.expect("Any of these today?")
    await ann.press("Can't bear weight")  # sudden severe pain / cannot bear weight
    await until_buttons(ann, screen.message_id, "✓ Can't bear weight")
    await ann.press("Done")
    await ann.expect("urgent medical care")
    await ann.expect_no_message(0.5)


async def test_garbage_at_every_check_in_question(harness: Harness) -> None:
    ann = await _morning(harness)
    for good in MORNING_TYPED:
        await ann.send("purple monkey dishwasher")
        refusal = await ann.expect("I could not read that")
        assert "Please" in refusal.text
        await ann.send(good)
        if good != MORNING_TYPED[-1]:
            await ann.next_message()
    await ann.expect("same step")
    await harness.drain(ann)
    _, rows, _, _ = await _athlete_rows(harness, ann.user_id)
    assert rows[0].answers is not None
    assert rows[0].answers["fear"] == 2
    harness.clock.set(EVENING)
    await harness.tick()
    await ann.expect("How did today go?")
    await ann.expect("session")
    for good in EVENING_TYPED[:-1]:
        await ann.send("11 out of 10!!")
        await ann.expect("I could not read that")
        await ann.send(good)
        await ann.next_message()
    await ann.send("x" * 600)  # the note question takes at most 500 characters
    await ann.expect("500")
    await ann.send("fine")
    await ann.expect("Evening summary")


async def test_weekly_readiness_on_its_day(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    # Weekly readiness: Sunday 12:00 local (defaults). Sunday 8 March 2026, London = UTC.
    harness.clock.set(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    await harness.tick()
    messages = await harness.drain(ann, 0.5)
    assert any("Weekly" in m.text or "confidence" in m.text for m in messages)
    for value in ["80", "70%", "about 60", "90", "75"]:
        await ann.send(value)
        await ann.next_message()
    question = (await ann.transcript())[-1]
    assert [b.text for row in question.buttons for b in row] == [  # type: ignore[union-attr]
        *(str(v) for v in range(0, 101, 10))
    ]
    await ann.press("80")  # the 0-100 questions have buttons 0, 10, ... 100
    await ann.next_message()
    await ann.press("No")
    final = await harness.drain(ann, 0.5)
    assert final, "the weekly check-in ends with the engine's decision"
    _, rows, _, _ = await _athlete_rows(harness, ann.user_id)
    weekly = next(r for r in rows if r.slot == "weekly")
    assert weekly.status is CheckinStatus.ANSWERED
    assert weekly.answers is not None
    assert weekly.answers["readiness"] == 46  # (80 + 70 + 60 + 90 + 75 + 80) / 10, rounded
