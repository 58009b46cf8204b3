"""The command menu through the real stack."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bot.storage import get_athlete_by_telegram_id, list_clearances, list_events

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


async def _athlete(harness: Harness, user_id: int):  # type: ignore[no-untyped-def]
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
        assert athlete is not None
        assert athlete.id is not None
        clearances = list(await list_clearances(session, athlete.id))
        events = [e.kind for e in await list_events(session, athlete.id)]
    return athlete, clearances, events


async def test_menu_is_set_for_private_chats(harness: Harness) -> None:
    menus = await harness.sandbox.request("GET", "commands")
    (menu,) = menus
    assert "all_private_chats" in str(menu["scope"])
    names = [c["command"] for c in menu["commands"]]
    assert names == [
        "today",
        "checkin",
        "symptom",
        "learn",
        "progress",
        "report",
        "pause",
        "resume",
        "timezone",
        "settings",
        "clearance",
        "readiness",
        "coach",
        "clinician",
        "help",
        "privacy",
        "export",
        "delete",
        "stop",
    ]
    assert all(c["description"] for c in menu["commands"])


async def test_help_today_progress(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/help")
    help_text = await ann.expect("/clearance")
    assert "not a clinician" in help_text.text
    await ann.send("/today")
    today = await ann.expect("Today: Protect")
    assert "Cross-training" in today.text
    await ann.send("/progress")
    progress = await ann.expect("Your progress")
    assert "Protect" in progress.text
    assert "0 answered" in progress.text


async def test_commands_before_onboarding_point_to_start(harness: Harness) -> None:
    sam = await harness.athlete("Sam")
    for command in ("/today", "/checkin", "/progress", "/pause", "/settings", "/clearance"):
        await sam.send(command)
        await sam.expect("/start")
    await sam.send("/help")
    await sam.expect("/today")


async def test_checkin_command_starts_one_now_and_counts_for_the_slot(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(datetime(2026, 3, 2, 6, 50, tzinfo=UTC))  # before the 07:30 morning
    await ann.send("/checkin")
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.send("/checkin")  # again: the open check-in, not a second one
    await ann.expect("already have a check-in open")
    question = await ann.expect("wake you")
    assert question.buttons
    for answer in ["no", "0", "0", "8", "8", "1"]:
        await ann.send(answer)
    messages = await harness.drain(ann, 1.0)
    assert any("same step" in m.text for m in messages)
    harness.clock.set(MORNING)
    report = await harness.tick()
    assert report.sent == 0  # this morning's check-in is done already
    await ann.expect_no_message(0.3)
    await ann.send("/checkin")
    # Before 14:00 local it would be the morning one again: already answered today.
    await ann.expect("already answered")


async def test_pause_and_resume(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/pause")
    await ann.expect("Paused")
    await ann.send("/pause")
    await ann.expect("already paused")
    athlete, _, events = await _athlete(harness, ann.user_id)
    assert athlete.paused
    assert athlete.next_due_at is None
    assert athlete.phase == "paused"
    harness.clock.set(MORNING)
    assert (await harness.tick()).sent == 0
    await ann.send("/checkin")
    await ann.expect("paused")
    await ann.send("/resume")
    resumed = await ann.expect("check-ins are on again")
    assert "20:00" in resumed.text  # the next one: this evening, local time
    athlete, _, events = await _athlete(harness, ann.user_id)
    assert not athlete.paused
    assert athlete.phase == "protect"
    assert events[-2:] == ["paused", "resumed"]
    await ann.send("/resume")
    await ann.expect("not paused")


async def test_timezone_rebases_the_schedule(harness: Harness) -> None:
    ann = await harness.onboard("Ann")  # London, morning 07:30
    await ann.send("/timezone")
    current = await ann.expect("Europe/London")
    assert "Pick a new one" in current.text
    await ann.expect("Which time zone")
    await ann.press("Other")
    await ann.expect("Type your city")
    await ann.send("new york")
    changed = await ann.expect("America/New_York")
    assert "07:30" in changed.text or "20:00" in changed.text
    athlete, _, _ = await _athlete(harness, ann.user_id)
    assert athlete.time_zone == "America/New_York"
    # 07:30 in New York on 3 March 2026 (EST) is 12:30 UTC.
    assert athlete.next_morning_due_at == datetime(2026, 3, 2, 12, 30, tzinfo=UTC)


async def test_settings_changes_an_answer(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/settings")
    menu = await ann.expect("Which answer do you want to change?")
    assert "Morning check-in time" in menu.labels
    await ann.press("Morning check-in time")
    await ann.expect("When should I send the morning check-in?")
    await ann.send("6:15")
    await ann.expect("Saved")
    await ann.send("/settings")
    await ann.expect("Which answer")
    await ann.press("Injury site")
    await ann.expect("Where is your bone stress injury?")
    await ann.press("Heel bone (calcaneus)")
    await ann.expect("Saved")
    athlete, _, events = await _athlete(harness, ann.user_id)
    assert athlete.morning_time.isoformat() == "06:15:00"
    assert athlete.next_morning_due_at == datetime(2026, 3, 2, 6, 15, tzinfo=UTC)
    assert athlete.injury_site == "calcaneus"
    assert events.count("settings_changed") == 2


async def test_settings_diagnosis_date_moves_protect_later_never_earlier(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann", days_ago="40")
    await ann.send("/progress")
    assert "40 days in this phase" in (await ann.expect("Your progress")).text
    # A later diagnosis (5 days ago): protect counts from it, so the dwell grows again.
    await ann.send("/settings")
    await ann.expect("Which answer")
    await ann.press("Diagnosis date")
    await ann.expect("How many days ago")
    await ann.send("5")
    await ann.expect("Saved")
    await ann.send("/progress")
    assert "5 days in this phase" in (await ann.expect("Your progress")).text
    # An earlier diagnosis (60 days ago) is recorded but never shortens the dwell.
    await ann.send("/settings")
    await ann.expect("Which answer")
    await ann.press("Diagnosis date")
    await ann.expect("How many days ago")
    await ann.send("60")
    await ann.expect("Saved")
    await ann.send("/progress")
    assert "5 days in this phase" in (await ann.expect("Your progress")).text
    athlete, _, _ = await _athlete(harness, ann.user_id)
    assert athlete.diagnosis_date == date(2026, 1, 1)
    assert athlete.rehab_state is not None
    assert athlete.rehab_state["phase_entered"] == "2026-02-25"
    async with harness.store.transaction() as session:
        assert athlete.id is not None
        changes = [e.payload for e in await list_events(session, athlete.id)]
    moved = [p for p in changes if "phase_entered" in p]
    assert moved == [{"fields": ["days_since_diagnosis"], "phase_entered": "2026-02-25"}]


async def test_settings_waits_for_an_open_check_in(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.send("/settings")
    await ann.expect("finish the open check-in first")


async def test_clearance_is_recorded(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/clearance")
    await ann.expect("Recording a clearance")
    kinds = await ann.expect("What did your clinician clear you for?")
    assert "Starting impact: hops, running" in kinds.labels
    await ann.press("Starting impact: hops, running")
    await ann.expect("How many days ago")
    await ann.send("in 3 days")  # a clearance cannot come from the future
    await ann.expect("I could not read that")
    await ann.send("yesterday")
    done = await ann.expect("Recorded")
    assert "Mar 1, 2026" in done.text  # written the locale's way (Babel)
    _, clearances, events = await _athlete(harness, ann.user_id)
    assert [(c.on_date, c.allows) for c in clearances] == [(date(2026, 3, 1), "impact")]
    assert "clearance" in events


async def test_learn_by_topic(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/learn")
    menu = await ann.expect("Pick a topic")
    assert len(menu.labels) >= 10
    first_label = menu.labels[0]
    await ann.press(first_label)
    first = await ann.next_message()
    assert first.text.startswith("Learn:")
    await ann.press(first_label)
    second = await ann.next_message()
    assert second.text.startswith("Learn:")
    assert second.text != first.text  # not repeated while the topic has more


async def test_stop_and_come_back(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/stop")
    await ann.expect("Stop coaching?")
    await ann.press("Cancel")
    await ann.expect_no_message(0.3)
    athlete, _, _ = await _athlete(harness, ann.user_id)
    assert athlete.active
    await ann.send("/stop")
    await ann.expect("Stop coaching?")
    await ann.press("Yes, stop")
    await ann.expect_no_message(0.3)
    transcript = await ann.transcript()
    assert "Coaching stopped" in transcript[-1].text
    athlete, _, _ = await _athlete(harness, ann.user_id)
    assert not athlete.active
    assert athlete.next_due_at is None
    harness.clock.set(MORNING)
    assert (await harness.tick()).sent == 0
    await ann.send("/start")
    await ann.expect("check-ins are on again")
