"""Small gaps closed through the real stack: plan targets in the athlete's own unit
("25 miles" stays miles), a /learn topic typed by name, the ambiguous-site question asked
back naturally, /readiness in the menu (tests/bot/test_conv_commands.py asserts the menu)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.storage import get_athlete_by_telegram_id, save_athlete
from flows.phases import Phase
from flows.state import RehabState

if TYPE_CHECKING:
    from conversation_fixtures import Harness

    from sandbox.driver import ChatDriver

pytest_plugins = ["conversation_fixtures"]

SHIN = "Inner edge of the shin (back/inside of tibia)"


async def _onboard_typing(harness: Harness, name: str, volume: str) -> ChatDriver:
    """Onboarding with the site typed as "shin" (asked back) and the volume as given."""
    chat = await harness.athlete(name)
    await chat.send("/start")
    await chat.expect("I am Remodel")
    await chat.expect("Is that OK with you?")
    await chat.press("Yes")
    await chat.expect("Where is your bone stress injury?")
    await chat.send("shin")
    asked = await chat.next_message()
    # A question back, not a refusal: it names the part and offers the short choice.
    assert asked.text.startswith("Which part of the shin do you mean:"), asked.text
    assert "I could not read that" not in asked.text
    assert SHIN in asked.text
    assert len(asked.text) < 300
    await chat.send("inner shin")
    await chat.expect("grade")
    await chat.press("MRI grade 2")
    await chat.expect("How many days ago")
    await chat.send("10")
    await chat.expect("weight on the leg")
    await chat.press("Full weight as comfort allows")
    await chat.expect("Which sport")
    await chat.press("Running")
    await chat.expect("kilometres")
    await chat.send(volume)
    await chat.expect("time zone")
    await chat.press("London")
    await chat.expect("morning check-in")
    await chat.send("7:30")
    await chat.expect("evening check-in")
    await chat.send("20:00")
    await chat.expect("May I ask three short")
    await chat.press("No")
    await chat.expect("All set")
    return chat


async def _to_return_to_sport(harness: Harness, user_id: int) -> tuple[float | None, str | None]:
    """Put the athlete at return to sport, stage 1 (half the usual volume)."""
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
        assert athlete is not None
        day = date(2026, 3, 1)
        state = RehabState(
            phase=Phase.RETURN_TO_SPORT, stage=1, phase_entered=day, stage_entered=day
        )
        athlete.rehab_state = state.to_dict()
        athlete.phase = state.phase.value
        await save_athlete(session, athlete, harness.clock.now())
        return athlete.weekly_volume_km, athlete.distance_unit


async def test_targets_in_miles_for_an_athlete_who_answered_in_miles(harness: Harness) -> None:
    ann = await _onboard_typing(harness, "Ann", "25 miles a week")
    volume, unit = await _to_return_to_sport(harness, ann.user_id)
    assert unit == "mi"
    assert volume is not None
    assert round(volume) == 40  # kept in km for the engine
    await ann.send("/today")
    plan = await ann.expect("This week")
    assert "about 12 miles, 50% of your usual 25 miles" in plan.text
    assert " km" not in plan.text


async def test_targets_in_kilometres_from_the_usual_volume(harness: Harness) -> None:
    bob = await _onboard_typing(harness, "Bob", "about 40k")
    _, unit = await _to_return_to_sport(harness, bob.user_id)
    assert unit == "km"
    await bob.send("/today")
    plan = await bob.expect("This week")
    assert "about 20 km, 50% of your usual 40 km" in plan.text


async def test_a_learn_topic_typed_by_name(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/learn bone health")
    lesson = await ann.expect("Learn:")
    assert "bone" in lesson.text.lower()
    await ann.send("/learn")
    menu = await ann.expect("Pick a topic")
    assert "/learn sleep" in menu.text
    await ann.send("nutrtion")  # a near miss, typed after the menu
    food = await ann.expect("Learn:")
    assert food.text != lesson.text
    await ann.send("/learn quantum physics")  # nothing close: the menu
    await ann.expect("Pick a topic")
