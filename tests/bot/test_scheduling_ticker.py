"""The ticker on real databases (SQLite and PostgreSQL) with a manual clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from bot.clock import ManualClock
from bot.config import ScheduleSettings
from bot.scheduling import JOB_NAME, AthleteLocks, Ticker, rebase
from bot.sending import SendOutcome
from bot.storage import (
    Athlete,
    Checkin,
    CheckinStatus,
    EventKind,
    Slot,
    Store,
    get_athlete,
    get_or_create_athlete,
    list_events,
    mark_answered,
    save_athlete,
)

if TYPE_CHECKING:
    from tests.bot.conftest import EngineFactory

START = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> ManualClock:
    """Overrides the shared clock: these tests start on Monday 2 June 2025, 06:00 UTC."""
    return ManualClock(START)


@dataclass
class Recorder:
    """A send callback that records calls; per-user overrides simulate failures."""

    calls: list[tuple[int, Slot, date]] = field(default_factory=list)
    outcomes: dict[int, list[SendOutcome[object]]] = field(default_factory=dict)
    raise_for: set[int] = field(default_factory=set)

    async def __call__(self, athlete: Athlete, checkin: Checkin) -> SendOutcome[object]:
        if athlete.telegram_user_id in self.raise_for:
            raise RuntimeError("composition bug")
        self.calls.append((athlete.telegram_user_id, checkin.slot, checkin.local_date))
        queued = self.outcomes.get(athlete.telegram_user_id)
        if queued:
            return queued.pop(0)
        return SendOutcome.sent(message_id=len(self.calls))


async def add_athlete(
    store: Store,
    clock: ManualClock,
    user_id: int,
    *,
    zone: str = "UTC",
    morning: time = time(7, 0),
    evening: time = time(20, 0),
    onboarded: bool = True,
) -> Athlete:
    schedule = ScheduleSettings()
    async with store.transaction() as session:
        athlete, _ = await get_or_create_athlete(
            session, telegram_user_id=user_id, chat_id=user_id, now=clock.now()
        )
        athlete.time_zone = zone
        athlete.morning_time = morning
        athlete.evening_time = evening
        athlete.onboarded = onboarded
        rebase(athlete, clock.now(), schedule)
        await save_athlete(session, athlete, clock.now())
    return athlete


async def checkins_of(store: Store, athlete_id: int | None) -> list[Checkin]:
    async with store.transaction() as session:
        rows = await session.execute(
            select(Checkin).where(Checkin.athlete_id == athlete_id).order_by(col(Checkin.due_at))
        )
        return list(rows.scalars().all())


def make_ticker(
    store: Store,
    clock: ManualClock,
    send: Recorder,
    remind: Recorder | None = None,
    **schedule: object,
) -> Ticker:
    return Ticker(
        store=store,
        clock=clock,
        schedule=ScheduleSettings.model_validate(schedule),
        send=send,
        remind=remind,
    )


async def test_a_due_checkin_goes_out_once_then_one_reminder(
    store: Store, clock: ManualClock
) -> None:
    athlete = await add_athlete(store, clock, 11)
    send, remind = Recorder(), Recorder()
    ticker = make_ticker(store, clock, send, remind)

    assert (await ticker.tick()).sent == 0
    clock.set(START.replace(hour=7, second=5))
    report = await ticker.tick()
    assert (report.created, report.sent) == (1, 1)
    assert (await ticker.tick()).sent == 0
    assert send.calls == [(11, Slot.MORNING, date(2025, 6, 2))]

    clock.advance(minutes=89)
    assert (await ticker.tick()).reminded == 0
    clock.advance(minutes=2)
    assert (await ticker.tick()).reminded == 1
    assert (await ticker.tick()).reminded == 0
    assert remind.calls == [(11, Slot.MORNING, date(2025, 6, 2))]
    [checkin] = await checkins_of(store, athlete.id)
    assert checkin.status is CheckinStatus.REMINDED
    assert checkin.message_id == 1


async def test_an_answered_checkin_gets_no_reminder(store: Store, clock: ManualClock) -> None:
    athlete = await add_athlete(store, clock, 12)
    send, remind = Recorder(), Recorder()
    ticker = make_ticker(store, clock, send, remind)
    clock.set(START.replace(hour=7))
    await ticker.tick()
    [checkin] = await checkins_of(store, athlete.id)
    async with store.transaction() as session:
        assert await mark_answered(session, checkin.id or 0, now=clock.now(), answers={"p": 1})
    clock.advance(hours=3)
    await ticker.tick()
    assert remind.calls == []


async def test_restarts_and_parallel_workers_send_once(
    engine_factory: EngineFactory, store: Store, clock: ManualClock
) -> None:
    for user_id in range(100, 130):
        await add_athlete(store, clock, user_id)
    send = Recorder()
    workers = [make_ticker(Store(engine_factory()), clock, send, batch_size=7) for _ in range(3)]
    clock.set(START.replace(hour=7, minute=1))
    await asyncio.gather(*(w.tick() for w in workers))
    # A "restarted" process ticks again: nothing new.
    await make_ticker(store, clock, send).tick()
    assert len(send.calls) == 30
    assert len(set(send.calls)) == 30


async def test_after_downtime_recent_goes_out_late_and_older_is_missed(
    store: Store, clock: ManualClock
) -> None:
    athlete = await add_athlete(store, clock, 13)
    send = Recorder()
    ticker = make_ticker(store, clock, send, grace_minutes=120)
    clock.set(START + timedelta(days=1, hours=2))  # Tue 08:00: down since Mon 06:00
    report = await ticker.tick()
    assert send.calls == [(13, Slot.MORNING, date(2025, 6, 3))]
    rows = await checkins_of(store, athlete.id)
    assert [(r.local_date, r.slot, r.status) for r in rows] == [
        (date(2025, 6, 2), Slot.MORNING, CheckinStatus.MISSED),
        (date(2025, 6, 2), Slot.EVENING, CheckinStatus.MISSED),
        (date(2025, 6, 3), Slot.MORNING, CheckinStatus.SENT),
    ]
    assert report.missed == 2
    async with store.transaction() as session:
        events = await list_events(session, athlete.id or 0, kinds=[EventKind.CHECKIN_MISSED])
        reloaded = await get_athlete(session, athlete.id or 0)
    assert {e.payload["reason"] for e in events} == {"past_grace"}
    assert reloaded is not None
    assert reloaded.next_morning_due_at == datetime(2025, 6, 4, 7, 0, tzinfo=UTC)
    assert reloaded.next_evening_due_at == datetime(2025, 6, 3, 20, 0, tzinfo=UTC)


async def test_unanswered_checkin_is_missed_when_the_next_becomes_due(
    store: Store, clock: ManualClock
) -> None:
    athlete = await add_athlete(store, clock, 14)
    send = Recorder()
    ticker = make_ticker(store, clock, send)
    clock.set(START.replace(hour=7))
    await ticker.tick()
    clock.set(START.replace(hour=20))
    await ticker.tick()
    morning, evening = await checkins_of(store, athlete.id)
    assert (morning.status, evening.status) == (CheckinStatus.MISSED, CheckinStatus.SENT)
    async with store.transaction() as session:
        assert not await mark_answered(session, morning.id or 0, now=clock.now(), answers={})
        [event] = await list_events(session, athlete.id or 0, kinds=[EventKind.CHECKIN_MISSED])
    assert event.payload["reason"] == "superseded"


async def test_one_athletes_failure_never_stops_the_others(
    store: Store, clock: ManualClock
) -> None:
    await add_athlete(store, clock, 21)
    broken_zone = await add_athlete(store, clock, 22)
    await add_athlete(store, clock, 23)
    async with store.transaction() as session:
        await session.execute(
            sa.update(Athlete)
            .where(col(Athlete.id) == broken_zone.id)
            .values(time_zone="Mars/Olympus")
        )
    send = Recorder(raise_for={23})
    ticker = make_ticker(store, clock, send)
    clock.set(START.replace(hour=7))
    report = await ticker.tick()
    assert send.calls == [(21, Slot.MORNING, date(2025, 6, 2))]
    assert report.errors == 1  # the broken zone
    assert report.failed == 1  # the raising send, recorded as missed
    assert report.sent == 1


async def test_blocked_athlete_is_deactivated(store: Store, clock: ManualClock) -> None:
    athlete = await add_athlete(store, clock, 31)
    send = Recorder(outcomes={31: [SendOutcome.blocked()]})
    ticker = make_ticker(store, clock, send)
    clock.set(START.replace(hour=7))
    report = await ticker.tick()
    assert report.blocked == 1
    async with store.transaction() as session:
        row = await get_athlete(session, athlete.id or 0)
        events = await list_events(session, athlete.id or 0, kinds=[EventKind.ATHLETE_BLOCKED])
    assert row is not None
    assert (row.active, row.next_due_at) == (False, None)
    assert len(events) == 1
    clock.set(START + timedelta(days=1, hours=1))
    await ticker.tick()
    assert len(send.calls) == 1


async def test_migrated_chat_is_updated_and_sent_again(store: Store, clock: ManualClock) -> None:
    athlete = await add_athlete(store, clock, 41)
    send = Recorder(outcomes={41: [SendOutcome.migrated(-100555)]})
    ticker = make_ticker(store, clock, send)
    clock.set(START.replace(hour=7))
    report = await ticker.tick()
    assert (report.migrated, report.sent) == (1, 1)
    async with store.transaction() as session:
        row = await get_athlete(session, athlete.id or 0)
    assert row is not None
    assert row.chat_id == -100555


async def test_ineligible_athletes_get_nothing(store: Store, clock: ManualClock) -> None:
    await add_athlete(store, clock, 51, onboarded=False)
    paused = await add_athlete(store, clock, 52)
    async with store.transaction() as session:
        row = await get_athlete(session, paused.id or 0)
        assert row is not None
        row.paused = True
        await save_athlete(session, row, clock.now())
    send = Recorder()
    clock.set(START.replace(hour=7))
    await make_ticker(store, clock, send).tick()
    assert send.calls == []


async def test_batches_cover_every_due_athlete(store: Store, clock: ManualClock) -> None:
    for user_id in range(200, 211):
        await add_athlete(store, clock, user_id, zone="Europe/London", morning=time(8, 0))
    send = Recorder()
    clock.set(START.replace(hour=7))  # 08:00 BST
    report = await make_ticker(store, clock, send, batch_size=3).tick()
    assert report.sent == 11
    assert sorted(user for user, _, _ in send.calls) == list(range(200, 211))


async def test_weekly_readiness_on_its_day(store: Store, clock: ManualClock) -> None:
    athlete = await add_athlete(store, clock, 61)
    send = Recorder()
    ticker = make_ticker(store, clock, send)
    clock.set(datetime(2025, 6, 8, 12, 0, 30, tzinfo=UTC))  # Sunday 12:00 UTC
    await ticker.tick()
    weekly = [c for c in await checkins_of(store, athlete.id) if c.slot is Slot.WEEKLY]
    assert [(c.local_date, c.status) for c in weekly] == [(date(2025, 6, 8), CheckinStatus.SENT)]


async def test_a_crashed_send_is_retried_after_the_lease(store: Store, clock: ManualClock) -> None:
    await add_athlete(store, clock, 71)
    clock.set(START.replace(hour=7))
    in_flight = asyncio.Event()

    async def hangs(athlete: Athlete, checkin: Checkin) -> SendOutcome[object]:
        in_flight.set()
        await asyncio.Event().wait()  # never answers
        raise AssertionError("unreachable")

    # A worker claims the check-in and dies mid-send (its task is cancelled).
    crashed = Ticker(store=store, clock=clock, schedule=ScheduleSettings(), send=hangs)
    crashing = asyncio.create_task(crashed.tick())
    await in_flight.wait()
    crashing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crashing

    send = Recorder()
    ticker = make_ticker(store, clock, send)
    await ticker.tick()
    assert send.calls == []  # the lease is still fresh
    clock.advance(minutes=6)
    await ticker.tick()
    assert send.calls == [(71, Slot.MORNING, date(2025, 6, 2))]


async def test_ticker_serialises_with_update_handlers(store: Store, clock: ManualClock) -> None:
    await add_athlete(store, clock, 81)
    locks = AthleteLocks()
    send = Recorder()
    ticker = Ticker(store=store, clock=clock, schedule=ScheduleSettings(), send=send, locks=locks)
    clock.set(START.replace(hour=7))
    released = asyncio.Event()

    async def handler() -> None:
        async with locks.for_user(81):
            await released.wait()

    assert ticker.locks is locks  # shared even while empty
    holder = asyncio.create_task(handler())
    await asyncio.sleep(0)
    assert locks.locked(81)
    tick = asyncio.create_task(ticker.tick())
    # Unblocked, a tick of one athlete takes milliseconds; this one waits for the handler.
    done, _ = await asyncio.wait({tick}, timeout=0.5)
    assert not done
    assert send.calls == []
    released.set()
    await asyncio.gather(holder, tick)
    assert len(send.calls) == 1
    assert len(locks) == 0


async def test_install_registers_one_repeating_job(store: Store, clock: ManualClock) -> None:
    from telegram.ext import ApplicationBuilder

    application = ApplicationBuilder().token("123456:TEST").build()
    assert application.job_queue is not None
    ticker = make_ticker(store, clock, Recorder(), tick_seconds=15)
    job = ticker.install(application.job_queue)
    assert job.name == JOB_NAME
    assert job.job.trigger.interval == timedelta(seconds=15)
    assert [j.name for j in application.job_queue.jobs()] == [JOB_NAME]


# --- stopping between sends (several workers, deploys) -------------------------------------


async def test_a_stop_mid_tick_sends_what_is_in_flight_and_puts_the_rest_back(
    store: Store, clock: ManualClock
) -> None:
    """A stop during a crowd: the send in flight finishes and is recorded; rows claimed but
    not yet handed to Telegram go back to ``scheduled`` at once (no lease to wait out, so
    nothing is left to be sent twice); the next start sends exactly those."""
    for user in range(1, 6):
        await add_athlete(store, clock, 100 + user)
    first_send = asyncio.Event()
    let_go = asyncio.Event()

    class Slow(Recorder):
        async def __call__(self, athlete: Athlete, checkin: Checkin) -> SendOutcome[object]:
            first_send.set()
            await let_go.wait()
            return await super().__call__(athlete, checkin)

    slow = Slow()
    ticker = Ticker(
        store=store,
        clock=clock,
        schedule=ScheduleSettings(),
        send=slow,
        concurrency=1,  # one send in flight: the stop comes while four wait their turn
    )
    clock.set(START.replace(hour=7, second=5))
    tick = asyncio.create_task(ticker.tick())
    await asyncio.wait_for(first_send.wait(), 10)
    ticker.request_stop()
    let_go.set()
    report = await asyncio.wait_for(tick, 10)
    assert (report.created, report.sent, report.released) == (5, 1, 4)
    assert len(slow.calls) == 1
    async with store.transaction() as session:
        statuses = sorted((await session.execute(sa.select(col(Checkin.status)))).scalars().all())
    assert statuses == [CheckinStatus.SCHEDULED] * 4 + [CheckinStatus.SENT]
    assert (await ticker.tick()).skipped, "a stopping ticker starts no new tick"

    # The next process (or another worker) sends the four, once each.
    after = Recorder()
    report = await make_ticker(store, clock, after).tick()
    assert (report.sent, len(after.calls)) == (4, 4)
    assert {c[0] for c in after.calls}.isdisjoint({slow.calls[0][0]})
