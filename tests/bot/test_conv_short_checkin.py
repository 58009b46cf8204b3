"""Short, adaptive check-ins through the real stack (issue 9): a stable morning in four
answers, a stable evening in six, the safety screen as one multi-select question (ticks,
"None of these", "Done"; a ticked red flag escalating in the same reply; typed answers),
and the finished check-in collapsed into one recap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.storage import get_athlete_by_telegram_id, get_dialogue, list_checkins
from flows.phases import Phase

if TYPE_CHECKING:
    from conversation_fixtures import Harness

    from sandbox.driver import BotMessage, ChatDriver

pytest_plugins = ["conversation_fixtures"]

# London, 2 March 2026 (GMT): the morning check-in is at 07:30 UTC, the evening at 20:00.
MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


async def until_buttons(chat: ChatDriver, message_id: int, labels: list[str]) -> BotMessage:
    """The message once its keyboard shows exactly ``labels`` (a tick edits it)."""
    for _ in range(250):
        message = await chat.message(message_id)
        if [b.text for row in message.buttons for b in row] == labels:  # type: ignore[union-attr]
            return message  # type: ignore[return-value]
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {message_id} never showed {labels}")


async def rows_of(harness: Harness, chat: ChatDriver):  # type: ignore[no-untyped-def]
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, chat.user_id)
        assert athlete is not None
        assert athlete.id is not None
        return await list_checkins(session, athlete.id), await get_dialogue(session, athlete.id)


async def answer_by_buttons(chat: ChatDriver, labels: list[str]) -> int:
    """Press ``labels`` one after another, each on the question it answers; the count."""
    for number, label in enumerate(labels):
        await chat.press(label)
        if number < len(labels) - 1:
            await chat.next_message()
    return len(labels)


async def stable_morning(harness: Harness, name: str = "Ann") -> ChatDriver:
    ann = await harness.onboard(name)
    harness.clock.set(MORNING)
    assert (await harness.tick()).sent == 1
    await ann.expect("Good morning")
    await ann.expect("wake you")
    # No night pain, no pain on getting up (so no rest-pain question), a good night (so no
    # hours question), little worry: four taps.
    answers = await answer_by_buttons(ann, ["No", "0", "8", "1"])
    assert answers <= 4
    return ann


async def test_a_stable_morning_takes_four_answers(harness: Harness) -> None:
    ann = await stable_morning(harness)
    decision = await ann.expect("same step")
    plan = await ann.expect("Today: Protect")
    assert "Learn:" in plan.text
    assert not decision.buttons
    # One recap instead of the trail of four questions.
    on_screen = [m.text for m in await ann.transcript()]
    recap = [t for t in on_screen if t.startswith("Morning check-in ✓")]
    assert recap == [
        "Morning check-in ✓\nNight pain: No · Pain on getting up: 0 · Sleep: 8 · Worry: 1"
    ]
    rows, dialogue = await rows_of(harness, ann)
    assert dialogue is None
    # The engine sees the same day as with the long form: no pain on getting up is
    # recorded as no pain at rest.
    assert rows[0].answers == {
        "night_pain": False,
        "next_morning_pain": 0,
        "pain_rest": 0,
        "sleep_quality": 8,
        "fear": 1,
    }


async def evening_opened(harness: Harness, name: str = "Ann") -> ChatDriver:
    ann = await stable_morning(harness, name)
    await evening_after_the_morning(harness, ann)
    return ann


async def evening_after_the_morning(harness: Harness, ann: ChatDriver) -> None:
    """The evening check-in, once the morning's last answer is given."""
    # The morning's outcome ends with the day's plan: wait for it (a fixed quiet period
    # missed it on a loaded machine, and its late messages then stood in for the evening's).
    while not (await ann.next_message()).text.startswith("Today"):
        pass
    await harness.drain(ann)
    harness.clock.set(EVENING)
    assert (await harness.tick()).sent >= 1
    await ann.expect("How did today go?")
    await ann.expect("Did you do today's session?")


async def test_a_stable_evening_takes_six_answers(harness: Harness) -> None:
    ann = await evening_opened(harness)
    # Session done, no pain during it (so no build-up or sharpness questions), none after,
    # none walking, "None of these" at the safety screen, no note: six taps.
    answers = await answer_by_buttons(ann, ["Done", "0", "0", "0", "None of these", "Skip"])
    assert answers <= 6
    summary = await ann.expect("Evening summary")
    assert "same step" in summary.text
    # The morning also stayed on the same step, in other words than the evening's.
    on_screen = [m.text for m in await ann.transcript()]
    (morning,) = [t for t in on_screen if "same step" in t and "Evening summary" not in t]
    assert summary.text.split("\n")[1] != morning.split("\n")[0]
    await ann.expect("Tomorrow")
    on_screen = [m.text for m in await ann.transcript()]
    (recap,) = [t for t in on_screen if t.startswith("Evening check-in ✓")]
    assert "Session: Done" in recap
    assert "Warning signs: None of these" in recap
    assert "Built up" not in recap  # not asked after a pain of 0
    rows, _ = await rows_of(harness, ann)
    evening = next(r for r in rows if r.slot == "evening")
    assert evening.answers is not None
    assert evening.answers["pain_building"] is False  # recorded, not asked
    assert evening.answers["limp"] is False
    assert evening.answers["cannot_bear_weight"] is False


async def test_a_ticked_red_flag_escalates_in_the_same_reply(harness: Harness) -> None:
    ann = await evening_opened(harness)
    await answer_by_buttons(ann, ["Done", "0", "0", "0"])
    screen = await ann.expect("Any of these today?")
    labels = ["Limping", "Swelling / sore spot", "Groin or hip pain", "Pain in a new place"]
    labels += ["Can't bear weight", "Front of shin / top or edge of foot"]
    assert [b.text for row in screen.buttons for b in row] == [*labels, "None of these"]
    none_data = screen.buttons[-1][0].callback_data
    assert none_data is not None
    # Tick, tick again (a double tap changes nothing), tick and untick another.
    await ann.press("Limping")
    ticked = ["✓ Limping", *labels[1:], "Done"]
    await until_buttons(ann, screen.message_id, ticked)
    await ann.press_data(screen.message_id, screen.buttons[0][0].callback_data or "", forged=True)
    await ann.press("Swelling / sore spot")
    await until_buttons(
        ann, screen.message_id, ["✓ Limping", "✓ Swelling / sore spot", *labels[2:], "Done"]
    )
    await ann.press("✓ Swelling / sore spot")
    await until_buttons(ann, screen.message_id, ticked)
    # "None of these" from a screen older than the tick is refused, never taken as "none".
    stale = await ann.press_data(screen.message_id, none_data, forged=True)
    for _ in range(100):
        answer = await ann.callback_answer(stale)
        if answer.get("answered"):
            break
        await asyncio.sleep(0.02)
    assert answer["text"] == "This button is no longer active."
    # A restart keeps the ticks (the dialogue row is the position).
    await harness.restart()
    await ann.press("Done")
    escalation = await ann.expect("Please contact your clinician")
    assert "limp" in escalation.text.lower()
    await ann.expect_no_message(0.5)  # no note question, no outlook: the check-in ended
    recap = await ann.message(screen.message_id)
    assert "Warning signs: Limping" in recap.text
    rows, dialogue = await rows_of(harness, ann)
    assert dialogue is None
    evening = next(r for r in rows if r.slot == "evening")
    assert evening.decision is not None
    assert evening.decision["red_flags"] == ["limp"]
    assert evening.answers is not None
    assert evening.answers["limp"] is True
    assert evening.answers["swelling"] is False


async def test_typed_answers_at_the_safety_screen(harness: Harness) -> None:
    ann = await evening_opened(harness, "Ann")
    await answer_by_buttons(ann, ["Done", "0", "0", "0"])
    await ann.expect("Any of these today?")
    await ann.send("yes")  # which one? never guessed
    refusal = await ann.expect("I could not read that")
    assert "none" in refusal.text
    await ann.send("n/a")
    await ann.expect("Anything else")
    await ann.send("no")  # nothing to add: no note, not a note that says "no"
    await ann.expect("Evening summary")
    recap = [m.text for m in await ann.transcript() if m.text.startswith("Evening check-in ✓")]
    assert len(recap) == 1
    assert "Note" not in recap[0]
    rows, _ = await rows_of(harness, ann)
    evening = next(r for r in rows if r.slot == "evening")
    assert evening.answers is not None
    assert evening.answers["limp"] is False
    assert evening.answers.get("note") is None


async def test_warning_signs_typed_in_words_escalate_at_once(harness: Harness) -> None:
    bob = await evening_opened(harness, "Bob")
    await answer_by_buttons(bob, ["Done", "0", "0", "0"])
    await bob.expect("Any of these today?")
    await bob.send("limping and swelling")
    escalation = await bob.expect("Please contact your clinician")
    assert "swelling" in escalation.text.lower()
    await bob.expect_no_message(0.5)
    rows, _ = await rows_of(harness, bob)
    evening = next(r for r in rows if r.slot == "evening")
    assert evening.decision is not None
    assert evening.decision["red_flags"] == ["limp", "swelling"]


async def test_weekly_confidence_has_buttons_in_tens(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))  # Sunday: weekly readiness
    await harness.tick()
    question = (await harness.drain(ann, 0.5))[-1]
    rows = [[b.text for b in row] for row in question.buttons]
    # Two rows that fit a phone: 0-50 and 60-100.
    assert rows == [["0", "10", "20", "30", "40", "50"], ["60", "70", "80", "90", "100"]]
    for label in ["80", "70", "60", "90", "80", "70"]:
        await ann.press(label)
        await ann.next_message()
    await ann.press("No")
    await harness.drain(ann, 0.5)
    checkins, _ = await rows_of(harness, ann)
    weekly = next(r for r in checkins if r.slot == "weekly")
    assert weekly.answers is not None
    assert weekly.answers["readiness"] == 45


async def test_a_typed_answer_delivered_twice_answers_one_question(harness: Harness) -> None:
    """Telegram delivers an update again when the bot crashed before acknowledging it: the
    same "none" must not become the answer to the question after the safety screen."""
    ann = await evening_opened(harness)
    await answer_by_buttons(ann, ["Done", "0", "0", "0"])
    await ann.expect("Any of these today?")
    await ann.send("none")
    await ann.expect("Anything else")
    await harness.deliver_again(ann, "none")
    await ann.expect("Already recorded.")
    _, dialogue = await rows_of(harness, ann)
    assert dialogue is not None
    assert dialogue.question_id == "note"  # still waiting for the note
    assert "note" not in dialogue.answers
    await ann.press("Skip")
    await ann.expect("Evening summary")


async def maintenance_morning(harness: Harness) -> ChatDriver:
    """Ann, a month into maintenance (one check-in a day: the morning), opens it."""
    ann = await harness.onboard("Ann")
    await harness.put_in_phase(ann, Phase.MAINTENANCE, (MORNING - timedelta(days=30)).date())
    harness.clock.set(MORNING)
    await ann.send("/checkin")
    await ann.expect("Good morning")
    await ann.expect("wake you")
    return ann


async def test_in_maintenance_the_morning_carries_the_safety_screen(harness: Harness) -> None:
    """Maintenance asks one check-in a day (the morning): the safety screen comes with it,
    and a tick escalates in the same reply."""
    ann = await maintenance_morning(harness)
    await answer_by_buttons(ann, ["No", "0", "0"])  # walking pain: no evening to ask it
    screen = await ann.expect("Since yesterday, any of these?")
    await ann.press("Groin or hip pain")
    await until_buttons(
        ann,
        screen.message_id,
        [
            "Limping",
            "Swelling / sore spot",
            "✓ Groin or hip pain",
            "Pain in a new place",
            "Can't bear weight",
            "Front of shin / top or edge of foot",
            "Done",
        ],
    )
    await ann.press("Done")
    escalation = await ann.expect("Please contact your clinician")
    assert "groin" in escalation.text.lower()
    rows, dialogue = await rows_of(harness, ann)
    assert dialogue is None
    (morning,) = rows
    assert morning.decision is not None
    assert morning.decision["red_flags"] == ["groin_pain"]


async def test_in_maintenance_the_morning_asks_walking_pain(harness: Harness) -> None:
    """Walking pain is an evening question, and maintenance has no evening: the morning asks
    it, because it still decides there. Pain on walking after walking had been pain-free is
    a red flag (FACTS §4.4 item 2), in maintenance as in any phase after protect."""
    ann = await maintenance_morning(harness)
    await answer_by_buttons(ann, ["No", "0"])
    await ann.expect("Walking around since yesterday")
    await ann.press("5")
    escalation = await ann.expect("Please contact your clinician")
    assert "Pain with walking" in escalation.text
    await ann.expect_no_message(0.5)  # the check-in ended at the red flag
    rows, dialogue = await rows_of(harness, ann)
    assert dialogue is None
    (morning,) = rows
    assert morning.decision is not None
    assert morning.decision["red_flags"] == ["walking_pain"]


async def test_a_copy_of_a_dialogues_last_typed_answer_never_answers_the_next_one(
    harness: Harness,
) -> None:
    """The copy can come after its dialogue ended (a polled update replayed after a crash):
    Ann's typed "1", the morning's last answer (worry), must not answer the evening's pain
    question on screen then."""
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    assert (await harness.tick()).sent == 1
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await answer_by_buttons(ann, ["No", "0", "8"])
    await ann.send("1")
    await evening_after_the_morning(harness, ann)
    await ann.press("Done")
    asked = await ann.next_message()
    await harness.deliver_again(ann, "1")
    await ann.expect("Already recorded.")
    _, dialogue = await rows_of(harness, ann)
    assert dialogue is not None
    assert dialogue.question_id == "pain_during", asked.text
    assert "pain_during" not in dialogue.answers


async def test_an_evening_left_at_its_note_is_reminded_as_nearly_done(harness: Harness) -> None:
    """Everything the plan needs is answered; only the optional note is left. The reminder
    says so (not "still open") and asks the note again; Skip then finishes the check-in."""
    ann = await evening_opened(harness)
    await answer_by_buttons(ann, ["Done", "0", "0", "0", "None of these"])
    await ann.expect("Anything else")
    harness.clock.advance(minutes=90)
    assert (await harness.tick()).reminded == 1
    reminder = await ann.expect("nearly done")
    assert "still open" not in reminder.text
    assert "Skip" in reminder.text
    await ann.expect("Anything else")
    await ann.press("Skip")
    await ann.expect("Evening summary")
    rows, dialogue = await rows_of(harness, ann)
    assert dialogue is None
    evening = next(r for r in rows if r.slot == "evening")
    assert evening.answers is not None
    assert evening.answers.get("note") is None


async def test_a_reminder_before_the_needed_answers_says_still_open(harness: Harness) -> None:
    ann = await evening_opened(harness)
    await answer_by_buttons(ann, ["Done", "0"])
    await ann.expect("a while after")
    harness.clock.advance(minutes=90)
    assert (await harness.tick()).reminded == 1
    await ann.expect("still open")


async def test_the_morning_greeting_changes_from_day_to_day(harness: Harness) -> None:
    """Read every morning, the check-in's opening line is not the same sentence each day."""
    ann = await harness.onboard("Ann")
    greetings = []
    for day in range(3):
        harness.clock.set(MORNING + timedelta(days=day))
        await harness.tick()
        greetings += [m.text for m in await harness.drain(ann) if m.text.startswith("Good morning")]
        await answer_by_buttons(ann, ["No", "0", "8", "1"])
        while not (await ann.next_message()).text.startswith("Today"):
            pass
    assert len(greetings) == 3
    assert greetings[0] != greetings[1] != greetings[2]


async def test_a_self_test_not_done_today_is_skipped_and_asked_again(harness: Harness) -> None:
    """In walk-and-strength the evening asks the self-tests. Someone who did not test today
    taps Skip (nothing recorded, not a failed test) and is asked again the next evening."""
    ann = await harness.onboard("Ann")
    await harness.put_in_phase(ann, Phase.WALK_STRENGTH, MORNING.date() - timedelta(days=10))
    for day in range(2):
        harness.clock.set(EVENING + timedelta(days=day))
        await harness.tick()
        await ann.expect("How did today go?")
        message = await ann.next_message()
        while "heel raises" not in message.text:
            labels = [b.text for row in message.buttons for b in row]
            await ann.press("None of these" if "None of these" in labels else labels[0])
            message = await ann.next_message()
        assert [b.text for row in message.buttons for b in row] == ["Skip"]
        await ann.press("Skip")
        await ann.expect("Anything else")
        await ann.press("Skip")
        await ann.expect("Evening summary")
        while not (await ann.next_message()).text.startswith("Tomorrow"):
            pass
        rows, _ = await rows_of(harness, ann)
        evening = next(
            r
            for r in rows
            if r.slot == "evening" and r.local_date == (EVENING + timedelta(days=day)).date()
        )
        assert evening.answers is not None
        assert evening.answers.get("heel_raises") is None
