"""Morning, evening and weekly check-ins through the real stack: buttons, typed answers,
a red flag, garbage at every question."""

from __future__ import annotations

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

# London, 2 March 2026 (GMT): the morning check-in is at 07:30 UTC, the evening at 20:00.
MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)

MORNING_BUTTONS = ["No", "1", "0", "Skip", "7", "2"]
MORNING_TYPED = ["no", "1/10", "zero", "about 7.5 hours", "7", "2"]
EVENING_BUTTONS = ["Done", "2", "No", "No", "1", "1", "No", "No", "No", "No", "No", "Skip"]
EVENING_TYPED = [
    "done",
    "2",
    "nope",
    "no",
    "1",
    "one",
    "no",
    "n",
    "no",
    "no",
    "no",
    "felt fine today",
]


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
    for message_id, label in zip(questions, MORNING_BUTTONS, strict=True):
        echoed = await ann.message(message_id)
        assert not echoed.buttons  # type: ignore[union-attr]
        assert f"→ {label}" in echoed.text
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
        "sleep_quality": 7,
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
    for answer in ["Skipped", "1", "No", "No", "No", "No"]:
        await ann.press(answer)
        await ann.next_message()
    await ann.press("Yes")  # sudden severe pain / cannot bear weight
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
    for value in ["80", "70%", "about 60", "90", "75", "85"]:
        await ann.send(value)
        await ann.next_message()
    await ann.press("No")
    final = await harness.drain(ann, 0.5)
    assert final, "the weekly check-in ends with the engine's decision"
    _, rows, _, _ = await _athlete_rows(harness, ann.user_id)
    weekly = next(r for r in rows if r.slot == "weekly")
    assert weekly.status is CheckinStatus.ANSWERED
    assert weekly.answers is not None
    assert weekly.answers["readiness"] == 46
