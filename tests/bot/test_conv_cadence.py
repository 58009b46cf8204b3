"""Lighter cadence through the real stack: in maintenance one daily check-in (the morning
one) and the weekly one; after four weeks of it the programme is done, Ann is told so once
and chooses a light weekly check, or none."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.storage import get_athlete_by_telegram_id, list_events, save_athlete
from flows.phases import Phase
from flows.state import RehabState
from sandbox.driver import BotMessage

if TYPE_CHECKING:
    from conversation_fixtures import Harness

    from sandbox.driver import ChatDriver

pytest_plugins = ["conversation_fixtures"]

# Monday 2 March 2026, London (GMT): morning 07:30, weekly readiness Sunday 12:00, evening
# 20:00 (all UTC in March).
DAY1 = datetime(2026, 3, 2, tzinfo=UTC)
TIMES = [(7, 30), (9, 0), (12, 0), (20, 0), (21, 30)]
READINESS = "Six quick ratings"
EVENING = "How did today go?"


async def in_maintenance_since(harness: Harness, chat: ChatDriver, entered: date) -> None:
    """Set-up: Ann has been in maintenance since ``entered`` (as the engine would leave her)."""
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, chat.user_id)
        assert athlete is not None
        state = RehabState(
            phase=Phase.MAINTENANCE, stage=1, phase_entered=entered, stage_entered=entered
        )
        athlete.rehab_state = state.to_dict()
        athlete.phase = state.phase.value
        await save_athlete(session, athlete, harness.clock.now())


async def drain(chat: ChatDriver) -> list[BotMessage]:
    out: list[BotMessage] = []
    while True:
        try:
            out.append(await chat.next_message(timeout=0.4))
        except AssertionError:
            return out


async def edited(chat: ChatDriver, message: BotMessage) -> BotMessage:
    """The message once the bot has edited it (after a press)."""
    for _ in range(50):
        now = await chat.message(message.message_id)
        assert isinstance(now, BotMessage)
        if now.text != message.text:
            return now
        await asyncio.sleep(0.1)
    raise AssertionError("the message was not edited")


async def live_day(harness: Harness, chat: ChatDriver, day: int) -> list[str]:
    """Tick through day ``day`` (1 = Monday 2 March) without answering; the texts received."""
    got: list[str] = []
    for hour, minute in TIMES:
        harness.clock.set(DAY1 + timedelta(days=day - 1, hours=hour, minutes=minute))
        await harness.tick()
        got += [m.text for m in await drain(chat)]
    return got


async def test_maintenance_is_one_daily_check_in_then_graduation_and_a_weekly_check(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    await in_maintenance_since(harness, ann, date(2026, 2, 3))  # 27 days on Monday

    # Monday: the morning check-in only; no evening check-in in maintenance.
    monday = await live_day(harness, ann, 1)
    assert any("Good morning" in t for t in monday)
    assert not any(EVENING in t for t in monday)
    assert not any("You have done it" in t for t in monday)

    # Tuesday: 28 days of maintenance. The programme is done: one message says so and
    # offers the light weekly check, then the morning check-in goes out as usual.
    harness.clock.set(DAY1 + timedelta(days=1, hours=7, minutes=30))
    await harness.tick()
    offer = await ann.expect("You have done it.")
    assert "4 weeks of normal training" in offer.text
    assert offer.labels == ["Yes, a weekly check", "No thanks, I am done"]
    await ann.expect("Good morning")
    await drain(ann)
    for hour, minute in TIMES[1:]:  # the rest of Tuesday (the morning's reminder)
        harness.clock.set(DAY1 + timedelta(days=1, hours=hour, minutes=minute))
        await harness.tick()
    await drain(ann)
    await ann.press("Yes, a weekly check")
    chosen = await edited(ann, offer)
    assert "one short check-in a week" in chosen.text
    assert chosen.labels == []

    # Wednesday to Saturday: nothing. Sunday (the weekly day): one short morning check-in,
    # and no readiness ratings any more.
    for day in (3, 4, 5, 6):
        assert await live_day(harness, ann, day) == []
    sunday = await live_day(harness, ann, 7)
    assert any("Good morning" in t for t in sunday)
    assert not any(READINESS in t or EVENING in t for t in sunday)
    assert not any("You have done it" in t for t in sunday)  # said once

    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        assert athlete.checkin_cadence == "weekly"
        assert athlete.graduated_on == date(2026, 3, 3)
        kinds = [e.kind for e in await list_events(session, athlete.id or 0)]
    assert kinds.count("graduated") == 1
    assert "cadence_chosen" in kinds


async def test_no_thanks_stops_check_ins_and_can_be_undone(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await in_maintenance_since(harness, ann, date(2026, 2, 1))
    harness.clock.set(DAY1 + timedelta(hours=7, minutes=30))
    await harness.tick()
    offer = await ann.expect("You have done it.")
    await drain(ann)
    harness.clock.set(DAY1 + timedelta(hours=9))  # the morning's reminder
    await harness.tick()
    await drain(ann)
    await ann.press("No thanks, I am done")
    chosen = await edited(ann, offer)
    assert "no more scheduled check-ins" in chosen.text
    assert chosen.labels == ["Yes, a weekly check"]  # changing one's mind is one tap away
    for day in range(2, 9):
        assert await live_day(harness, ann, day) == []
    await ann.press("Yes, a weekly check")
    chosen = await edited(ann, chosen)
    assert "one short check-in a week" in chosen.text
    sunday = await live_day(harness, ann, 14)
    assert any("Good morning" in t for t in sunday)


async def test_the_choice_is_refused_after_a_setback(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await in_maintenance_since(harness, ann, date(2026, 2, 1))
    harness.clock.set(DAY1 + timedelta(hours=7, minutes=30))
    await harness.tick()
    await ann.expect("You have done it.")
    await drain(ann)
    # A step back to return to sport before the press: the offer no longer applies.
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        athlete.phase = Phase.RETURN_TO_SPORT.value
        athlete.rehab_state = {**(athlete.rehab_state or {}), "phase": "return_to_sport"}
        await save_athlete(session, athlete, harness.clock.now())
    query = await ann.press("No thanks, I am done")
    for _ in range(50):
        answer = await ann.callback_answer(query)
        if answer.get("answered"):
            break
        await asyncio.sleep(0.1)
    assert "check-ins carry on" in answer.get("text", "")
    assert answer.get("show_alert")
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        assert athlete.checkin_cadence is None
