"""Onboarding and /settings answered the way people type, through the real PTB stack and
the sandbox: synonyms, durations, distances in miles, a city typed at the zone buttons,
British times, ambiguous sites asked instead of guessed, and check-in times that must make
sense together."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.storage import Athlete, get_athlete_by_telegram_id, list_checkins

if TYPE_CHECKING:
    from conversation_fixtures import ChatDriver, Harness

pytest_plugins = ["conversation_fixtures"]

#: The longest refusal we accept: a phone screen, not the 16 site labels (~600 chars).
SHORT = 300


async def _athlete(harness: Harness, user_id: int) -> Athlete:
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
    assert athlete is not None
    return athlete


async def _refused(chat: ChatDriver, *phrases: str, asked: str | None = None) -> str:
    """A short refusal naming ``phrases``; with ``asked``, a question back that opens with
    it (an answer that fits several options), not "I could not read that"."""
    refusal = await chat.expect(asked or "I could not read that")
    if asked is not None:
        assert refusal.text.startswith(asked), refusal.text
    assert len(refusal.text) <= SHORT, refusal.text
    for phrase in phrases:
        assert phrase in refusal.text, refusal.text
    return refusal.text


async def test_onboarding_with_natural_typed_answers(harness: Harness) -> None:
    ann = await harness.athlete("Ann")
    await ann.send("/start")
    await ann.expect("I am Remodel")
    await ann.expect("Is that OK with you?")
    await ann.send("ok")
    site = await ann.expect("Where is your bone stress injury?")
    await ann.send("shin")
    # Three sites fit "shin", one of them high-risk: asked, never guessed; short.
    text = await _refused(
        ann,
        "Inner edge of the shin",
        "Front of the shin",
        "“inner shin”",
        asked="Which part of the shin do you mean",
    )
    assert "Heel" not in text
    assert (await ann.message(site.message_id)).buttons == site.buttons  # keyboard kept
    await ann.send("inner shin")
    await ann.expect("grade")
    await ann.send("not sure")
    await ann.expect("How many days ago")
    await ann.send("3 weeks ago")
    await ann.expect("weight on the leg")
    await ann.send("boot")
    await ann.expect("Which sport")
    await ann.send("ultra running")
    await ann.expect("kilometres")
    await ann.send("25 miles")
    await ann.expect("time zone")
    await ann.send("Lisbon")  # typed at the buttons: no need to press Other first
    await ann.expect("morning check-in")
    await ann.send("7.30pm")  # an evening time is no morning time
    await _refused(ann, "19:30", "not a morning time", "“7:30”")
    await ann.send("half 7")
    await ann.expect("evening check-in")
    await ann.send("19h")
    await ann.expect("May I ask three short")
    await ann.send("no thanks")
    done = await ann.expect("All set")
    assert "07:30" in done.text
    assert "19:00" in done.text
    assert "Europe/Lisbon" in done.text

    athlete = await _athlete(harness, ann.user_id)
    assert athlete.injury_site == "posteromedial_tibia"
    assert athlete.injury_grade == "unknown"
    assert athlete.diagnosis_date == date(2026, 3, 2) - timedelta(days=21)
    assert athlete.weight_bearing == "partial"
    assert athlete.sport == "running"
    assert athlete.weekly_volume_km == 40.2
    assert athlete.time_zone == "Europe/Lisbon"
    assert athlete.morning_time == time(7, 30)
    assert athlete.evening_time == time(19, 0)


async def test_sport_outside_the_list_and_zones_by_alias_and_offset(harness: Harness) -> None:
    bob = await harness.athlete("Bob")
    await bob.send("/start")
    await bob.expect("I am Remodel")
    await bob.expect("Is that OK with you?")
    await bob.press("Yes")
    await bob.expect("Where is your bone stress injury?")
    await bob.send("front of shin")  # explicit: the high-risk site is what was typed
    await bob.expect("grade")
    await bob.send("MRI 2")
    await bob.expect("How many days ago")
    await bob.send("1 day")
    await bob.expect("weight on the leg")
    await bob.send("full weight")
    await bob.expect("Which sport")
    await bob.send("Rock climbing")
    await bob.expect("kilometres")
    await bob.send("about 40k")
    await bob.expect("time zone")
    await bob.send("United States")  # several zones: a short choice of cities
    await _refused(bob, "New York", "Chicago", asked="United States has more than one time zone")
    await bob.send("NYC")
    await bob.expect("morning check-in")
    await bob.send("9:30 a.m.")
    await bob.expect("evening check-in")
    await bob.send("noon")  # the evening check-in asks about the day's session
    await _refused(bob, "12:00 is not an evening time", "“20:00”")
    await bob.send("8")  # a bare hour at the evening question is the evening one
    await bob.expect("May I ask three short")
    await bob.press("No")
    await bob.expect("All set")
    athlete = await _athlete(harness, bob.user_id)
    assert athlete.injury_site == "anterior_tibia"
    assert athlete.sport == "Rock climbing"
    assert athlete.weekly_volume_km == 40.0
    assert athlete.time_zone == "America/New_York"
    assert athlete.evening_time == time(20, 0)
    assert athlete.diagnosis_date == date(2026, 3, 1)  # "1 day" before 2 March


async def test_utc_offset_reads_back_as_an_offset(harness: Harness) -> None:
    cy = await harness.onboard("Cy", city="UTC+1")
    athlete = await _athlete(harness, cy.user_id)
    assert athlete.time_zone == "Etc/GMT-1"  # tzdata's sign is inverted
    await cy.send("/timezone")
    current = await cy.expect("Your time zone is")
    assert "UTC+1" in current.text
    assert "GMT-1" not in current.text


async def test_settings_checks_times_against_each_other_and_reads_sites(harness: Harness) -> None:
    dee = await harness.onboard("Dee", morning="7:00", evening="19:00")
    await dee.send("/settings")
    await dee.expect("Which answer do you want to change?")
    await dee.press("Morning check-in time")
    await dee.expect("When should I send the morning check-in?")
    await dee.send("7.30pm")
    await _refused(dee, "not a morning time")
    await dee.send("1pm")  # still a morning time, 6 hours before the 19:00 evening
    await dee.expect("Saved")
    await dee.send("/settings")
    await dee.expect("Which answer")
    await dee.press("Evening check-in time")
    await dee.expect("And the evening check-in?")
    await dee.send("3pm")
    await _refused(dee, "15:00 is not an evening time")
    await dee.send("4pm")  # three hours after the 13:00 morning
    await _refused(dee, "at least 4 hours after the morning one (13:00)", "“20:00”")
    await dee.send("half 9")
    await dee.expect("Saved")
    await dee.send("/settings")
    await dee.expect("Which answer")
    await dee.press("Injury site")
    await dee.expect("Where is your bone stress injury?")
    await dee.send("tibia")
    await _refused(dee, "Front of the shin", asked="Which part of the tibia do you mean")
    await dee.send("front of shin")
    await dee.expect("Saved")
    athlete = await _athlete(harness, dee.user_id)
    assert athlete.morning_time == time(13, 0)
    assert athlete.evening_time == time(21, 30)
    assert athlete.injury_site == "anterior_tibia"


async def test_odd_digits_and_markup_are_refused_politely(harness: Harness) -> None:
    eve = await harness.athlete("Eve")
    await eve.send("/start")
    await eve.expect("I am Remodel")
    await eve.expect("Is that OK with you?")
    await eve.press("Yes")
    await eve.expect("Where is your bone stress injury?")
    await eve.send("①")
    await _refused(eve, "plain digits")
    await eve.send("<b>shin")
    text = await _refused(eve)
    assert "<b>shin" in text  # shown as typed (escaped on the wire), not as markup
    await eve.press("Heel bone (calcaneus)")
    await eve.expect("grade")
    await eve.press("I don't know")
    await eve.expect("How many days ago")
    await eve.send("5²")
    await _refused(eve, "plain digits", "“14”")
    await eve.send("٥")  # an Arabic-Indic five
    await eve.expect("weight on the leg")


async def test_start_stores_the_telegram_language_code(harness: Harness) -> None:
    user = await harness.sandbox.create_user("Ana", language_code="pt-BR")
    ana = harness.sandbox.chat(user.id)
    harness.chats.append(ana)
    await ana.send("/start")
    await ana.expect("I am Remodel")
    athlete = await _athlete(harness, ana.user_id)
    assert athlete.language_code == "pt-BR"
    assert athlete.language == "en"  # the only content language loaded today


async def test_weekly_confidence_reads_fractions_against_its_0_to_100_scale(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))  # Sunday: weekly readiness
    await harness.tick()
    question = (await harness.drain(ann, 0.5))[-1]
    echoes: list[str] = []
    for typed in ["8/10", "80 percent", "4 out of 5", "eighty", "7/10", "70%"]:
        await ann.send(typed)
        following = await harness.drain(ann, 0.3)
        echoes.append((await ann.message(question.message_id)).text)  # type: ignore[union-attr]
        question = following[-1]
    assert sum("→ 80%" in e for e in echoes) == 4, echoes  # 8/10 was once stored as 8%
    assert sum("→ 70%" in e for e in echoes) == 2, echoes
    await ann.press("No")
    await harness.drain(ann, 0.5)
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        assert athlete.id is not None
        rows = await list_checkins(session, athlete.id)
    weekly = next(r for r in rows if r.slot == "weekly")
    assert weekly.answers is not None
    # Six 0-100 ratings / 10: (4 x 80 + 2 x 70) / 10.
    assert weekly.answers["readiness"] == 46
