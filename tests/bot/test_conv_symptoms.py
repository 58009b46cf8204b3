"""A symptom reported any time, through the real stack: typed outside a check-in (a red
flag escalating in the same reply and the coach group told; a mild one), /symptom, the
"Report a problem" button after /checkin is done, a check-in note that asks a question,
garbage and a stale press on the report; the red-flag screen as a multi-select (several
signs ticked escalate together; the high-risk spots)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from conversation_fixtures import tick, toast_of

from bot.storage import get_athlete_by_telegram_id, get_dialogue, list_events
from bot.storage.models import Event

if TYPE_CHECKING:
    from conversation_fixtures import Harness

    from sandbox.driver import BotMessage, ChatDriver

pytest_plugins = ["conversation_fixtures"]

# London, 2 March 2026 (GMT): the morning check-in is at 07:30 UTC, the evening at 20:00.
MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
TREND = "check-in adherence, the current phase and the pain trend"


async def _state(harness: Harness, user_id: int) -> tuple[str | None, list[Event], bool]:
    """The athlete's phase, events, and whether a dialogue is open."""
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
        assert athlete is not None
        assert athlete.id is not None
        events = list(await list_events(session, athlete.id))
        dialogue = await get_dialogue(session, athlete.id)
    return athlete.phase, events, dialogue is not None


async def _coach_group(harness: Harness, ann: ChatDriver) -> ChatDriver:
    await ann.send("/coach")
    await ann.expect("What may they see?")
    await ann.press(TREND)
    invite = await ann.expect("one-time link")
    match = re.search(r"startgroup=([A-Za-z0-9_-]+)", invite.text)
    assert match is not None
    coach = await harness.sandbox.create_user("Cory")
    group_id = await harness.sandbox.create_group("Team", [coach.id, ann.user_id])
    group = harness.sandbox.chat(coach.id, chat_id=group_id)
    await harness.sandbox.add_bot_to_group(group_id, coach.id, start_payload=match.group(1))
    await group.expect("invited this group")
    await ann.expect("Your coach group is connected")
    return group


async def test_symptom_typed_outside_a_check_in_with_a_red_flag(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    group = await _coach_group(harness, ann)
    harness.clock.set(NOON)

    await ann.send("my shin really hurts now and I'm limping")
    await ann.expect("sounds like something is bothering you")
    where = await ann.expect("Where is it?")
    assert "Where my injury is" in where.labels
    await ann.press("Where my injury is")
    await ann.expect("is any of these true")
    await tick(ann, "I'm limping")
    await ann.press("Done")
    # The same reply: the hold, the escalation, what to do next; no further question.
    escalation = await ann.expect("Please contact your clinician")
    assert "limp" in escalation.text.lower()
    await ann.expect_no_message(0.5)
    alert = await group.expect("warning sign")
    assert "Ann" in alert.text
    assert "limp" not in alert.text.lower()  # trend level: no details

    phase, events, open_dialogue = await _state(harness, ann.user_id)
    assert phase == "hold"
    assert not open_dialogue
    (report,) = [e for e in events if e.kind == "symptom_report"]
    assert report.payload["report"] == {"limp": True}
    assert report.payload["conclusion"] == "red_flag"
    assert report.payload["source"] == "text"
    assert report.payload["said"] == "my shin really hurts now and I'm limping"
    assert report.payload["red_flags"] == ["limp"]
    assert "red_flag" in [e.kind for e in events]


async def test_a_mild_symptom_typed_gets_a_useful_reply_and_no_hold(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(NOON)
    await ann.send("shin is a bit sore after the walk")
    await ann.expect("sounds like something")
    await ann.expect("Where is it?")
    # Telegram delivers the text again (a crash before it was acknowledged): it opened the
    # report once, and is not the answer to "Where is it?".
    await harness.deliver_again(ann, "shin is a bit sore after the walk")
    await ann.expect("Already recorded.")
    await ann.send("same spot")
    await ann.expect("is any of these true")
    await ann.send("none")
    await ann.expect("Sitting still")
    await ann.send("1")
    await ann.expect("when you walk")
    await ann.send("0")
    reply = await ann.expect("What I make of it")
    assert "at rest" in reply.text  # the engine's caution tier, in its words
    assert "If it is still there tomorrow" in reply.text
    assert "Contact your clinician if" in reply.text
    assert "urgent care" in reply.text
    await ann.expect_no_message(0.3)
    phase, events, _ = await _state(harness, ann.user_id)
    assert phase == "protect"
    (report,) = [e for e in events if e.kind == "symptom_report"]
    assert report.payload["report"] == {"pain_rest": 1, "pain_walking": 0}
    assert report.payload["conclusion"] == "eased"
    assert "caution" in [e.kind for e in events]
    assert "red_flag" not in [e.kind for e in events]

    # Text that is not about a symptom still gets the pointer, which names /symptom.
    await ann.send("hello there")
    pointer = await ann.expect("I only read answers")
    assert "/symptom" in pointer.text


async def test_symptom_command_with_nothing_alarming(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(NOON)
    await ann.send("/symptom")
    await ann.expect("four quick questions")
    await ann.expect("Where is it?")
    await ann.press("Muscle, joint or skin")
    await ann.next_message()
    await ann.press("None of these")
    await ann.next_message()
    await ann.press("0")
    await ann.next_message()
    await ann.press("0")
    reply = await ann.expect("Nothing you told me is a warning sign")
    assert "today's plan stays as it is" in reply.text
    assert "Contact your clinician if" in reply.text
    phase, events, _ = await _state(harness, ann.user_id)
    assert phase == "protect"
    (report,) = [e for e in events if e.kind == "symptom_report"]
    assert report.payload == {
        "local_date": "2026-03-02",
        "source": "command",
        "report": {"pain_rest": 0, "pain_walking": 0},
        "conclusion": "no_change",
    }


async def test_checkin_after_done_offers_the_report(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.answer_morning(ann, MORNING)
    harness.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await ann.send("/checkin")
    done = await ann.expect("already answered this check-in today")
    assert done.labels == ["Report a problem"]
    await ann.press("Report a problem")
    await ann.expect("four quick questions")
    await ann.expect("Where is it?")
    await ann.press("A new spot on a bone")  # a red flag on its own: ends at once
    escalation = await ann.expect("Please contact your clinician")
    assert "new place" in escalation.text or "new" in escalation.text
    phase, events, _ = await _state(harness, ann.user_id)
    assert phase == "hold"
    (report,) = [e for e in events if e.kind == "symptom_report"]
    assert report.payload["source"] == "button"
    assert report.payload["report"] == {"new_site_pain": True}


async def test_a_note_that_asks_a_question_gets_a_reply(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.answer_morning(ann, MORNING)
    harness.clock.set(EVENING)
    await harness.tick()
    await ann.expect("How did today go?")
    await ann.expect("session")
    while True:
        question = await ann.transcript()
        last = question[-1]
        if "Anything else you want to note" in last.text:
            break
        labels = getattr(last, "labels", [])
        for label in ("Done", "None of these", "1", "No"):
            if label in labels:
                await ann.press(label)
                break
        await ann.next_message()
    await ann.send("my shin throbbed a bit in bed last night, is that ok?")
    await ann.expect("Evening summary")
    await ann.expect("Tomorrow")
    reply = await ann.expect("About your note")
    assert "cannot answer questions myself" in reply.text
    assert "nothing is a warning sign" in reply.text
    assert "Contact your clinician if" in reply.text
    await ann.expect_no_message(0.3)

    # A plain note gets no extra reply (tested on the same evening: nothing more came).


async def test_garbage_and_a_stale_press_on_the_report(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(NOON)
    await ann.send("/symptom")
    await ann.expect("four quick questions")
    first = await ann.expect("Where is it?")
    await ann.send("purple monkey dishwasher")
    refusal = await ann.expect("I could not read that")
    assert len(refusal.text) < 300
    await ann.press("Where my injury is")
    await ann.expect("is any of these true")
    # A second /symptom starts afresh: the old keyboard is dead.
    await ann.send("/symptom")
    await ann.expect("four quick questions")
    await ann.expect("Where is it?")
    stale = first.buttons[0][0].callback_data
    assert stale is not None
    press = await ann.press_data(first.message_id, stale, forged=True)
    assert await toast_of(ann, press) == (
        "That report was started again: answer the newest question."
    )
    await ann.expect_no_message(0.3)
    _, events, open_dialogue = await _state(harness, ann.user_id)
    assert open_dialogue
    assert not [e for e in events if e.kind == "symptom_report"]


async def test_a_symptom_typed_while_a_check_in_question_is_open(harness: Harness) -> None:
    """The morning check-in stays open for hours: a symptom typed then is not an answer to
    the question on screen, but the report is offered at once."""
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.send("my shin really hurts now and I'm limping")
    offer = await ann.expect("I could not read that")
    assert "Report a problem" in offer.text
    assert offer.labels == ["Report a problem"]
    await ann.press("Report a problem")
    await ann.expect("four quick questions")
    await ann.expect("Where is it?")
    await ann.press("Where my injury is")
    await ann.expect("is any of these true")
    await ann.send("limping")  # typed: the multi-select reads it as that one tick
    await ann.expect("Please contact your clinician")
    # The check-in is still open: /checkin asks it again.
    await ann.send("/checkin")
    await ann.expect("Good morning")
    await ann.expect("wake you")


async def _at_the_red_flag_screen(harness: Harness) -> tuple[ChatDriver, BotMessage]:
    """Ann, onboarded, starts a report at noon about her injured spot: the red-flag screen."""
    ann = await harness.onboard("Ann")
    harness.clock.set(NOON)
    await ann.send("/symptom")
    await ann.expect("four quick questions")
    await ann.expect("Where is it?")
    await ann.press("Where my injury is")
    return ann, await ann.expect("is any of these true")


async def test_several_warning_signs_ticked_escalate_together(harness: Harness) -> None:
    """The red-flag screen is a multi-select like the check-ins' safety screen: an athlete
    who is limping *and* swollen ticks both, and both are named in the one reply."""
    ann, screen = await _at_the_red_flag_screen(harness)
    assert screen.labels == [
        "I can't put weight on it",
        "I'm limping",
        "It hurts at night",
        "It's swollen",
        "Front of shin / top or edge of foot",
        "Groin or hip pain when I stand",
        "None of these",
    ]
    await tick(ann, "I'm limping")
    ticked = await tick(ann, "It's swollen")
    assert ticked.labels[-1] == "Done"  # "None of these" gives way once something is ticked
    await ann.press("Done")

    escalation = await ann.expect("Please contact your clinician")
    assert "A limp" in escalation.text
    assert "Swelling" in escalation.text
    await ann.expect_no_message(0.5)  # no pain questions: a red flag ends the report
    answered = await ann.message(screen.message_id)
    assert "I'm limping, It's swollen" in answered.text  # the screen echoes both ticks

    phase, events, open_dialogue = await _state(harness, ann.user_id)
    assert phase == "hold"
    assert not open_dialogue
    (report,) = [e for e in events if e.kind == "symptom_report"]
    assert report.payload["report"] == {"limp": True, "swelling": True}
    assert report.payload["red_flags"] == ["limp", "swelling"]


async def test_pain_at_a_high_risk_spot_stops_all_loading(harness: Harness) -> None:
    """Pain on the front of the shin, on top of the midfoot or on the outer edge of the foot
    may be a high-risk bone stress injury (FACTS §4.4 item 5): a tick holds like any red
    flag, and it is one of the no-loading flags (protocol holds.no_loading_flags): the
    day's plan then has no session at all, not even protect's gentle work."""
    ann, _ = await _at_the_red_flag_screen(harness)
    await tick(ann, "Front of shin / top or edge of foot")
    await ann.press("Done")
    escalation = await ann.expect("Please contact your clinician")
    assert "spot that needs a clinician's eye" in escalation.text
    await ann.expect_no_message(0.3)
    phase, events, _ = await _state(harness, ann.user_id)
    assert phase == "hold"
    (report,) = [e for e in events if e.kind == "symptom_report"]
    assert report.payload["report"] == {"high_risk_pattern": True}
    assert report.payload["red_flags"] == ["high_risk_pattern"]

    await ann.send("/today")
    today = await ann.expect("Today: On hold")
    assert "No session today" in today.text


async def test_start_shows_an_open_multi_select_again_with_its_ticks(harness: Harness) -> None:
    """/start in the middle of the warning-sign screen shows it again as it was: the sign
    already ticked stays ticked, and Done (not "None of these") ends it."""
    ann, _ = await _at_the_red_flag_screen(harness)
    await tick(ann, "I'm limping")
    await ann.send("/start")
    await ann.expect("You are already set up")
    again = await ann.expect("is any of these true")
    assert "✓ I'm limping" in again.labels
    assert again.labels[-1] == "Done"
    await ann.press("Done")
    escalation = await ann.expect("Please contact your clinician")
    assert "A limp" in escalation.text
