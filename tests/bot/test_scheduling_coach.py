"""The ticker's coach pass on real databases (SQLite and PostgreSQL) with a manual clock:
once per local day, a supergroup's new id, a group that refuses the bot, a broken sender."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.config import ScheduleSettings
from bot.scheduling import CoachPoster, schedule_link
from bot.sending import SendOutcome, SendStatus
from bot.storage import (
    Athlete,
    CoachLink,
    CoachPost,
    CoachPostKind,
    ShareLevel,
    Store,
    create_coach_link,
    get_or_create_athlete,
    links_for_athlete,
    list_events,
    redeem_coach_link,
    save_athlete,
)

START = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # a Monday
STATUS = datetime(2025, 6, 2, 21, 30, tzinfo=UTC)  # coach_status_time in UTC
GROUP = -1001


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@dataclass
class Recorder:
    """A post sender that records (group, kind, local date) and plays queued outcomes."""

    calls: list[tuple[int, CoachPostKind, date]] = field(default_factory=list)
    outcomes: list[SendOutcome[object]] = field(default_factory=list)
    explode: bool = False

    async def __call__(
        self, post: CoachPost, link: CoachLink, athlete: Athlete
    ) -> SendOutcome[object]:
        if self.explode:
            raise RuntimeError("composition bug")
        assert link.group_chat_id is not None
        self.calls.append((link.group_chat_id, post.kind, post.local_date))
        return self.outcomes.pop(0) if self.outcomes else SendOutcome.sent(message_id=1)


async def _linked(store: Store, clock: ManualClock) -> int:
    async with store.transaction() as session:
        athlete, _ = await get_or_create_athlete(
            session, telegram_user_id=7, chat_id=7, now=clock.now()
        )
        athlete.onboarded = True
        await save_athlete(session, athlete, clock.now())
        assert athlete.id is not None
        link = await create_coach_link(
            session, athlete_id=athlete.id, share_level=ShareLevel.TREND, now=clock.now()
        )
        redeemed = await redeem_coach_link(
            session, token=link.token, group_chat_id=GROUP, now=clock.now()
        )
        assert redeemed is not None
        schedule_link(redeemed, athlete, ScheduleSettings(), clock.now())
        return athlete.id


def _poster(store: Store, clock: ManualClock, send: Recorder) -> CoachPoster:
    return CoachPoster(store=store, clock=clock, schedule=ScheduleSettings(), send=send)


async def _link(store: Store, athlete_id: int) -> CoachLink:
    async with store.transaction() as session:
        (link,) = await links_for_athlete(session, athlete_id)
    return link


async def test_status_once_per_local_day_even_from_two_posters(
    store: Store, clock: ManualClock
) -> None:
    await _linked(store, clock)
    recorder = Recorder()
    assert await _poster(store, clock, recorder).run() == 0  # not due yet
    clock.set(STATUS)
    assert await _poster(store, clock, recorder).run() == 1
    assert await _poster(store, clock, recorder).run() == 0  # a restart: nothing twice
    assert recorder.calls == [(GROUP, CoachPostKind.STATUS, date(2025, 6, 2))]
    clock.set(STATUS + timedelta(days=1, minutes=1))
    assert await _poster(store, clock, recorder).run() == 1


async def test_stale_status_after_downtime_is_skipped(store: Store, clock: ManualClock) -> None:
    athlete_id = await _linked(store, clock)
    clock.set(STATUS + timedelta(hours=5))  # past the grace window
    recorder = Recorder()
    assert await _poster(store, clock, recorder).run() == 0
    link = await _link(store, athlete_id)
    assert link.next_status_at == STATUS + timedelta(days=1)  # moved on, not replayed


async def test_chat_migrated_moves_the_group_and_sends_again(
    store: Store, clock: ManualClock
) -> None:
    athlete_id = await _linked(store, clock)
    clock.set(STATUS)
    recorder = Recorder(outcomes=[SendOutcome(SendStatus.MIGRATED, new_chat_id=-1002)])
    assert await _poster(store, clock, recorder).run() == 1
    assert [call[0] for call in recorder.calls] == [GROUP, -1002]
    assert (await _link(store, athlete_id)).group_chat_id == -1002
    async with store.transaction() as session:
        kinds = [e.kind for e in await list_events(session, athlete_id)]
    assert "coach_group_migrated" in kinds


async def test_forbidden_revokes_the_link(store: Store, clock: ManualClock) -> None:
    athlete_id = await _linked(store, clock)
    clock.set(STATUS)
    recorder = Recorder(outcomes=[SendOutcome(SendStatus.BLOCKED)])
    assert await _poster(store, clock, recorder).run() == 0
    link = await _link(store, athlete_id)
    assert link.revoked_at is not None
    assert link.next_status_at is None
    clock.set(STATUS + timedelta(days=1))
    assert await _poster(store, clock, recorder).run() == 0
    assert len(recorder.calls) == 1


async def test_a_sender_that_raises_fails_the_post_only(store: Store, clock: ManualClock) -> None:
    athlete_id = await _linked(store, clock)
    clock.set(STATUS)
    recorder = Recorder(explode=True)
    assert await _poster(store, clock, recorder).run() == 0
    assert (await _link(store, athlete_id)).revoked_at is None  # the link lives on
    recorder.explode = False
    clock.set(STATUS + timedelta(days=1))
    assert await _poster(store, clock, recorder).run() == 1
