"""Missed-check-in alerts to coach groups (issue 13): only for check-ins that were sent, in
date order, none for check-ins that became missed longer ago than the grace window (after
downtime or a clock jump). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.config import ScheduleSettings
from bot.scheduling import schedule_link
from bot.storage import (
    CoachPostKind,
    ShareLevel,
    Slot,
    Store,
    claim_coach_posts,
    create_checkin_if_absent,
    create_coach_link,
    get_or_create_athlete,
    mark_missed,
    mark_sent,
    miss_open_checkins,
    redeem_coach_link,
    save_athlete,
)

NOW = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
GRACE = timedelta(minutes=120)


async def linked_athlete(store: Store) -> int:
    async with store.transaction() as session:
        athlete, _ = await get_or_create_athlete(session, telegram_user_id=7, chat_id=7, now=NOW)
        athlete.onboarded = True
        await save_athlete(session, athlete, NOW)
        assert athlete.id is not None
        link = await create_coach_link(
            session, athlete_id=athlete.id, share_level=ShareLevel.ADHERENCE, now=NOW
        )
        redeemed = await redeem_coach_link(session, token=link.token, group_chat_id=-5, now=NOW)
        assert redeemed is not None
        schedule_link(redeemed, athlete, ScheduleSettings(), NOW)
        return athlete.id


async def checkin(store: Store, athlete_id: int, day: date, *, sent: bool) -> None:
    due = datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC)
    async with store.transaction() as session:
        row, _ = await create_checkin_if_absent(
            session, athlete_id=athlete_id, local_date=day, slot=Slot.MORNING, due_at=due
        )
        if sent:
            assert row.id is not None
            await mark_sent(session, row.id, now=due, remind_at=None, message_id=1)


async def missed_alert_dates(store: Store) -> list[date]:
    async with store.transaction() as session:
        posts = await claim_coach_posts(session, NOW + timedelta(days=1), 100)
    return [p.local_date for p in posts if p.kind is CoachPostKind.MISSED]


async def test_no_alert_for_a_check_in_never_sent(store: Store) -> None:
    athlete_id = await linked_athlete(store)
    await checkin(store, athlete_id, date(2026, 3, 10), sent=False)
    async with store.transaction() as session:
        missed = await miss_open_checkins(
            session, athlete_id, due_before=NOW, now=NOW, reason="past_grace", alert_within=GRACE
        )
    assert len(missed) == 1, "it is recorded as missed"
    assert await missed_alert_dates(store) == [], "but the coach is not told"


async def test_alerts_for_sent_check_ins_come_in_date_order(store: Store) -> None:
    athlete_id = await linked_athlete(store)
    # Created out of date order, as a catch-up after downtime may do.
    for day in (date(2026, 3, 10), date(2026, 3, 8), date(2026, 3, 9)):
        await checkin(store, athlete_id, day, sent=True)
    async with store.transaction() as session:
        await miss_open_checkins(
            session, athlete_id, due_before=NOW, now=NOW, reason="superseded", alert_within=GRACE
        )
    assert await missed_alert_dates(store) == [
        date(2026, 3, 8),
        date(2026, 3, 9),
        date(2026, 3, 10),
    ]


async def test_no_alert_for_a_year_ago_after_a_clock_jump(store: Store) -> None:
    athlete_id = await linked_athlete(store)
    await checkin(store, athlete_id, date(2025, 2, 1), sent=True)
    later = NOW + timedelta(days=400)
    async with store.transaction() as session:
        # Superseded by the next check-in, which was itself due a year ago (a catch-up).
        missed = await miss_open_checkins(
            session,
            athlete_id,
            due_before=datetime(2025, 2, 1, 20, 0, tzinfo=UTC),
            now=later,
            reason="superseded",
            alert_within=GRACE,
        )
    assert len(missed) == 1
    assert await missed_alert_dates(store) == []


async def test_a_recently_missed_sent_check_in_still_alerts(store: Store) -> None:
    athlete_id = await linked_athlete(store)
    await checkin(store, athlete_id, date(2026, 3, 10), sent=True)
    async with store.transaction() as session:
        [row] = await miss_open_checkins(
            session,
            athlete_id,
            due_before=NOW,
            now=NOW + timedelta(minutes=5),
            reason="superseded",
            alert_within=GRACE,
        )
        assert not await mark_missed(session, row, now=NOW, reason="again"), "once only"
    assert await missed_alert_dates(store) == [date(2026, 3, 10)]
