"""Half-answered check-ins: when the next check-in comes due first, the answers already given
are kept on the missed row (with an event) and still reach the engine; a red flag acts at
the moment it is given, whatever happens to the check-in afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.handlers.checkin import history
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

# London, 2 March 2026 (GMT): morning check-in 07:30 UTC, evening 20:00 UTC.
MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


async def _rows(harness: Harness, user_id: int):  # type: ignore[no-untyped-def]
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
        assert athlete is not None
        assert athlete.id is not None
        rows = await list_checkins(session, athlete.id)
        events = await list_events(session, athlete.id)
        dialogue = await get_dialogue(session, athlete.id)
        days = await history(session, athlete, MORNING.date() + timedelta(days=1))
    return athlete, rows, events, dialogue, days


async def test_answers_of_a_superseded_check_in_are_kept_and_reach_the_engine(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("No")
    await ann.expect("on getting up")
    await ann.send("2")
    await ann.next_message()
    # Ann stops here; the evening check-in comes due and closes the morning one.
    harness.clock.set(EVENING)
    report = await harness.tick()
    assert report.missed == 1
    assert report.sent == 1
    await ann.expect("How did today go?")

    _, rows, events, dialogue, days = await _rows(harness, ann.user_id)
    morning = next(r for r in rows if r.slot == "morning")
    assert morning.status is CheckinStatus.MISSED
    assert morning.answers == {"night_pain": False, "next_morning_pain": 2}
    missed = [e for e in events if e.kind == "checkin_missed"]
    assert [e.payload["reason"] for e in missed] == ["superseded"]
    assert missed[0].payload["kept_answers"] == ["next_morning_pain", "night_pain"]
    assert dialogue is not None
    assert dialogue.kind == "evening"
    # The engine's history of the day carries what Ann reported in the morning.
    (day,) = days
    assert day.checkin.next_morning_pain == 2
    assert day.checkin.night_pain is False


async def test_a_check_in_nobody_touched_is_missed_with_nothing_kept(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await harness.drain(ann)
    harness.clock.set(EVENING)
    await harness.tick()
    await harness.drain(ann)
    _, rows, events, _, days = await _rows(harness, ann.user_id)
    morning = next(r for r in rows if r.slot == "morning")
    assert morning.status is CheckinStatus.MISSED
    assert not morning.answers
    (missed,) = [e for e in events if e.kind == "checkin_missed"]
    assert missed.payload["kept_answers"] == []
    assert days == []


async def test_red_flag_acts_when_given_and_survives_the_next_check_in(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("Yes")  # night pain: a red flag, the check-in ends at once
    await ann.expect("Please contact your clinician")
    athlete, rows, events, dialogue, _ = await _rows(harness, ann.user_id)
    assert athlete.phase == "hold"
    assert dialogue is None
    assert [e.kind for e in events].count("red_flag") == 1

    harness.clock.set(EVENING)
    report = await harness.tick()
    assert report.missed == 0  # the morning check-in was closed by the red flag, not missed
    await ann.expect("How did today go?")
    athlete, rows, events, _, days = await _rows(harness, ann.user_id)
    morning = next(r for r in rows if r.slot == "morning")
    assert morning.status is CheckinStatus.ANSWERED
    assert morning.answers == {"night_pain": True}
    assert morning.decision is not None
    assert morning.decision["red_flags"] == ["night_pain"]
    assert athlete.phase == "hold"
    assert "checkin_missed" not in [e.kind for e in events]
    assert days[0].checkin.night_pain is True


async def test_late_answer_after_the_check_in_closed_keeps_the_earlier_ones(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("No")
    await ann.expect("on getting up")
    # The bot was down all evening: the evening check-in is past its grace window when the
    # ticker runs, so it is missed too and the morning questions stay on screen.
    harness.clock.set(EVENING + timedelta(hours=3))
    report = await harness.tick()
    assert report.missed == 2
    await ann.send("1")
    await ann.expect("This check-in is closed")
    _, rows, _, dialogue, _ = await _rows(harness, ann.user_id)
    morning = next(r for r in rows if r.slot == "morning")
    assert morning.status is CheckinStatus.MISSED
    assert morning.answers == {"night_pain": False}
    assert dialogue is None


async def test_a_red_flag_given_after_the_check_in_closed_still_escalates_and_holds(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    # The bot was down all day: both check-ins are missed before Ann answers.
    harness.clock.set(EVENING + timedelta(hours=3))
    report = await harness.tick()
    assert report.missed == 2
    await ann.press("Yes")  # night pain: too late for the check-in, never too late for safety
    await ann.expect("This check-in is closed")
    escalation = await ann.expect("contact your clinician")
    assert "Pain at night" in escalation.text
    athlete, rows, events, dialogue, _ = await _rows(harness, ann.user_id)
    assert athlete.phase == "hold"
    assert dialogue is None
    morning = next(r for r in rows if r.slot == "morning")
    assert morning.status is CheckinStatus.MISSED  # the closed check-in stays as it was
    late = [e for e in events if e.kind == "late_red_flag"]
    assert len(late) == 1
    assert late[0].payload["red_flags"] == ["night_pain"]
