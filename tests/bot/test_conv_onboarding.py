"""Onboarding through the real PTB stack against the sandbox: /start, consent, the
questions, a typed city, the RED-S screen, resuming, refusing consent, garbage answers."""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING

from bot.storage import get_athlete_by_telegram_id, get_dialogue

SHIN = "Inner edge of the shin (back/inside of tibia)"

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]


async def test_full_onboarding_with_a_typed_city_and_the_reds_screen(harness: Harness) -> None:
    ann = await harness.athlete("Ann")
    await ann.send("/start")
    intro = await ann.expect("I am Remodel")
    assert "not" in intro.text
    assert "diagnose" in intro.text
    consent = await ann.expect("Is that OK with you?")
    assert consent.labels == ["Yes", "No"]
    await ann.press("Yes")
    site = await ann.expect("Where is your bone stress injury?")
    assert SHIN in site.labels
    assert "Heel bone (calcaneus)" in site.labels
    # The consent question now shows the answer and has no keyboard any more.
    echoed = await ann.message(consent.message_id)
    assert "→ Yes" in echoed.text
    assert not echoed.buttons
    await ann.press("Top of the midfoot (navicular)")
    await ann.expect("grade")
    await ann.send("kaeding-miller iii")  # typed: the start of a label
    await ann.expect("How many days ago")
    await ann.send("14")
    await ann.expect("weight on the leg")
    await ann.press("Some weight / boot")
    await ann.expect("Which sport")
    await ann.send("triathlon")
    await ann.expect("kilometres")
    await ann.send("about 55 km")
    await ann.expect("time zone")
    await ann.press("Other")
    await ann.expect("Type your city")
    await ann.send("Atlantis")
    refusal = await ann.expect("I do not know a time zone or city called")
    assert '"Atlantis"' in refusal.text
    await ann.send("Berlin")
    await ann.expect("morning check-in")
    await ann.send("6.45am")
    await ann.expect("evening check-in")
    await ann.send("21:15")
    await ann.expect("May I ask three short")
    await ann.press("Yes")
    await ann.expect("cutting back on food")
    await ann.press("No")
    await ann.expect("lost a tenth")
    await ann.press("Skip")
    await ann.expect("how many did you have")
    await ann.press("Does not apply")
    await ann.expect("how many bone stress injuries")
    await ann.send("1")
    done = await ann.expect("All set")
    assert "Protect" in done.text
    assert "06:45" in done.text
    assert "21:15" in done.text
    assert "Europe/Berlin" in done.text

    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        assert athlete.id is not None
        assert await get_dialogue(session, athlete.id) is None
    assert athlete.onboarded
    assert athlete.consent_at is not None
    assert athlete.injury_site == "navicular"
    assert athlete.injury_grade == "km3"
    assert athlete.diagnosis_date == date(2026, 2, 16)
    assert athlete.weight_bearing == "partial"
    assert athlete.sport == "triathlon"
    assert athlete.weekly_volume_km == 55
    assert athlete.time_zone == "Europe/Berlin"
    assert athlete.morning_time == time(6, 45)
    assert athlete.evening_time == time(21, 15)
    assert athlete.reds_answers == {
        "restriction": False,
        "weight_loss": None,
        "periods": "n/a",
        "previous_bsi": 1,
    }
    assert athlete.phase == "protect"
    assert athlete.next_due_at is not None


async def test_interrupted_onboarding_resumes_where_it_stopped(harness: Harness) -> None:
    ann = await harness.athlete("Ann")
    await ann.send("/start")
    await ann.expect("Remodel")
    await ann.expect("Is that OK")
    await ann.press("Yes")
    first_site = await ann.expect("Where is your bone stress injury?")
    await ann.press(SHIN)
    await ann.expect("grade")
    await ann.press("I don't know")
    await ann.expect("How many days ago")
    # The athlete wanders off, the bot restarts, then they come back with /start.
    await harness.restart()
    await ann.send("/start")
    await ann.expect("Welcome back")
    await ann.expect("How many days ago")
    await ann.send("3")
    await ann.expect("weight on the leg")
    # The site answered before the interruption is still there; its keyboard is gone.
    site_message = await ann.message(first_site.message_id)
    assert not site_message.buttons  # type: ignore[union-attr]
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        assert athlete.id is not None
        dialogue = await get_dialogue(session, athlete.id)
    assert dialogue is not None
    assert dialogue.answers["site"] == "posteromedial_tibia"
    assert dialogue.answers["grade"] == "unknown"
    assert dialogue.answers["days_since_diagnosis"] == 3
    assert dialogue.question_id == "weight_bearing"


async def test_declining_consent_stores_no_health_data(harness: Harness) -> None:
    ann = await harness.athlete("Ann")
    await ann.send("/start")
    await ann.expect("Remodel")
    await ann.expect("Is that OK")
    await ann.send("no")
    await ann.expect("I have stored nothing about your health")
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        assert athlete.id is not None
        assert await get_dialogue(session, athlete.id) is None
    assert not athlete.onboarded
    assert athlete.consent_at is None
    assert athlete.injury_site is None
    assert athlete.next_due_at is None
    # Free text afterwards gets a pointer, and /start begins again.
    await ann.send("hello?")
    await ann.expect("I only read answers")
    await ann.send("/start")
    await ann.expect("Remodel")
    await ann.expect("Is that OK")


async def test_garbage_at_every_onboarding_question_is_refused_and_changes_nothing(
    harness: Harness,
) -> None:
    ann = await harness.athlete("Ann")
    await ann.send("/start")
    await ann.expect("Remodel")
    steps = [
        ("Is that OK", "yes"),
        ("Where is your bone stress injury?", "fibula"),
        ("grade", "MRI grade 1"),
        ("How many days ago", "5"),
        ("weight on the leg", "none"),
        ("Which sport", "running"),
        ("kilometres", "30"),
        ("time zone", "Tokyo"),
        ("morning check-in", "7:00"),
        ("evening check-in", "19:30"),
        ("May I ask three short", "no"),
    ]
    for prompt, good in steps:
        question = await ann.expect(prompt)
        await ann.send("%%% blorp ¿?")
        refusal = await ann.expect("I could not read that")
        assert refusal.message_id > question.message_id
        # Still the same question on screen, keyboard intact.
        same = await ann.message(question.message_id)
        assert same.buttons == question.buttons  # type: ignore[union-attr]
        await ann.send(good)
    await ann.expect("All set")
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
    assert athlete is not None
    assert athlete.injury_site == "fibula"
    assert athlete.time_zone == "Asia/Tokyo"
    assert athlete.weight_bearing == "none"


async def test_onboarding_helper_and_already_onboarded(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/start")
    await ann.expect("You are already set up")


async def test_typed_grades_in_the_clinicians_words(harness: Harness) -> None:
    for typed, stored in [("mri 1", "mri1"), ("grade II", "km2"), ("km 3", "km3")]:
        athlete = await harness.athlete(f"Typist {stored}")
        await athlete.send("/start")
        await athlete.expect("I am Remodel")
        await athlete.expect("Is that OK with you?")
        await athlete.press("Yes")
        await athlete.expect("Where is your bone stress injury?")
        await athlete.press(SHIN)
        await athlete.expect("grade")
        if stored == "km2":
            await athlete.send("grade 7")  # no such grade: refused with a typed example
            refusal = await athlete.expect("I could not read that")
            assert "“MRI 2”" in refusal.text
        await athlete.send(typed)
        await athlete.expect("How many days ago")
        async with harness.store.transaction() as session:
            dialogue = await get_dialogue(
                session,
                (await get_athlete_by_telegram_id(session, athlete.user_id)).id,  # type: ignore[union-attr,arg-type]
            )
        assert dialogue is not None
        assert dialogue.answers["grade"] == stored
