"""Scheduled check-ins through the real stack: the right local time across a DST change,
one reminder, late answers until the next check-in, then missed and closed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.storage import CheckinStatus, get_athlete_by_telegram_id, list_checkins

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]


async def _rows(harness: Harness, user_id: int):  # type: ignore[no-untyped-def]
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
        assert athlete is not None
        assert athlete.id is not None
        return athlete, list(await list_checkins(session, athlete.id))


async def test_check_in_arrives_at_local_time_across_the_dst_change(harness: Harness) -> None:
    # New York springs forward on Sunday 8 March 2026: 07:30 is 12:30 UTC before, 11:30 after.
    ann = await harness.onboard("Ann", zone="New York / Toronto", morning="7:30", evening="21:00")
    harness.clock.set(datetime(2026, 3, 7, 12, 29, tzinfo=UTC))
    await harness.tick()
    await harness.drain(ann, 0.3)  # Friday's and Saturday's earlier check-ins, if any
    harness.clock.set(datetime(2026, 3, 7, 12, 29, 59, tzinfo=UTC))
    await harness.tick()
    await ann.expect_no_message(0.3)
    harness.clock.set(datetime(2026, 3, 7, 12, 30, tzinfo=UTC))
    assert (await harness.tick()).sent == 1
    await ann.expect("Good morning")
    await ann.expect("wake you")

    # Monday 9 March, after the change: at 12:29 UTC the old offset would still be waiting,
    # but the check-in went out at 11:30 UTC, 07:30 local (EDT).
    harness.clock.set(datetime(2026, 3, 9, 11, 29, tzinfo=UTC))
    await harness.tick()
    await harness.drain(ann, 0.3)
    _, rows = await _rows(harness, ann.user_id)
    assert not any(r.local_date.isoformat() == "2026-03-09" and r.slot == "morning" for r in rows)
    harness.clock.set(datetime(2026, 3, 9, 11, 30, tzinfo=UTC))
    assert (await harness.tick()).sent == 1
    await ann.expect("Good morning")
    _, rows = await _rows(harness, ann.user_id)
    monday = next(
        r for r in rows if r.local_date.isoformat() == "2026-03-09" and r.slot == "morning"
    )
    assert monday.due_at == datetime(2026, 3, 9, 11, 30, tzinfo=UTC)
    saturday = next(
        r for r in rows if r.local_date.isoformat() == "2026-03-07" and r.slot == "morning"
    )
    assert saturday.due_at == datetime(2026, 3, 7, 12, 30, tzinfo=UTC)


async def test_one_reminder_then_late_answer_accepted(harness: Harness) -> None:
    ann = await harness.onboard("Ann")  # London, 07:30 and 20:00
    harness.clock.set(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    harness.clock.advance(minutes=89)
    await harness.tick()
    await ann.expect_no_message(0.3)
    harness.clock.advance(minutes=1)  # the configured delay: 90 minutes
    report = await harness.tick()
    assert report.reminded == 1
    await ann.expect("gentle reminder")
    await ann.expect("wake you")  # the reminder asks the question again
    harness.clock.advance(hours=3)
    await harness.tick()
    await ann.expect_no_message(0.3)  # one reminder only
    # Answered late (before the evening check-in): accepted.
    await ann.press("No")
    await ann.expect("hurt")
    _, rows = await _rows(harness, ann.user_id)
    assert rows[0].status is CheckinStatus.REMINDED


async def test_unanswered_check_in_is_missed_at_the_next_one_and_its_buttons_are_closed(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    await harness.tick()
    await ann.expect("Good morning")
    morning_question = await ann.expect("wake you")
    harness.clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    await harness.tick()
    messages = await harness.drain(ann, 0.5)
    assert any("How did today go?" in m.text for m in messages)
    # The morning keyboard went stale: its keyboard is dropped and the check-in is missed.
    old = await ann.message(morning_question.message_id)
    assert not old.buttons  # type: ignore[union-attr]
    _, rows = await _rows(harness, ann.user_id)
    morning = next(r for r in rows if r.slot == "morning")
    assert morning.status is CheckinStatus.MISSED


async def test_stale_button_from_yesterday_changes_nothing(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    harness.clock.set(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    await harness.tick()
    await ann.expect("Good morning")
    yesterday = await ann.expect("wake you")
    # A day later: the evening and the next morning check-ins came and went (the ticker
    # was down for the evening: past its grace window, recorded as missed).
    # Telegram refuses to edit the old message this time (e.g. a server hiccup), so the
    # athlete's client keeps showing yesterday's keyboard.
    await harness.sandbox.set_faults(error_rate=1.0, methods=["editMessageReplyMarkup"])
    harness.clock.set(datetime(2026, 3, 3, 7, 30, tzinfo=UTC))
    report = await harness.tick()
    await harness.sandbox.set_faults(error_rate=0.0, methods=[])
    assert report.sent == 1
    assert report.errors == 0
    await harness.drain(ann, 0.5)
    still = await ann.message(yesterday.message_id)
    assert still.buttons  # type: ignore[union-attr]
    _, before = await _rows(harness, ann.user_id)
    await ann.press_data(yesterday.message_id, yesterday.buttons[0][1].callback_data or "")
    closed = await ann.expect("This check-in is closed")
    assert "/checkin" in closed.text
    _, after = await _rows(harness, ann.user_id)
    assert [(r.id, r.status, r.answers) for r in after] == [
        (r.id, r.status, r.answers) for r in before
    ]
