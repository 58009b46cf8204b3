"""The coach-group pass of the ticker: daily status, weekly digest and missed-check-in alerts.

Rows, not jobs, like check-ins. Each live coach link carries the instants of its group's next
daily status and weekly digest (athlete-local times, DST-safe). One pass:

1. **materialize**: claim the links that are due (``FOR UPDATE SKIP LOCKED``), queue a
   ``coach_posts`` row for the athlete-local date (the unique ``(link, kind, local date)`` key
   makes it once-only across restarts and workers; a post older than the grace window is
   not worth sending and is skipped) and move the link's columns to the next occurrence.
   Missed-check-in alerts are queued by ``mark_missed`` itself.
2. **dispatch**: claim pending posts by flipping them to ``sending``, send them through
   the ``send`` callback (which composes the text and uses the pacer: groups get at most
   20 messages a minute), then record the outcome. A missed-check-in alert is not sent on
   its own while the group has a daily status scheduled: it is marked ``merged`` and the
   next status names the missed check-ins (one post a day for a silent athlete). A group
   that became a supergroup (``ChatMigrated``) has its stored id moved and the post is
   sent again; a group that refuses the bot (``Forbidden``: it was removed) has its link
   revoked.

A crash between claim and send leaves the post ``sending``: it is not sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import ScheduleSettings
from bot.scheduling.timing import load_zone, local_date_of, next_due, next_weekly_due
from bot.sending.policy import SendOutcome, SendStatus
from bot.storage import (
    Athlete,
    CoachLink,
    CoachPost,
    CoachPostKind,
    CoachPostStatus,
    Store,
    append_event,
    claim_coach_posts,
    due_coach_links,
    finish_coach_post,
    get_athlete,
    migrate_group_chat,
    queue_coach_post,
    revoke_coach_link,
)

__all__ = ["CoachPoster", "PostSender", "schedule_link"]

log = logging.getLogger(__name__)

#: ``send(post, link, athlete)``: compose the post for the link's group and send it; the
#: outcome of the send. Called outside any transaction.
PostSender = Callable[[CoachPost, CoachLink, Athlete], Awaitable[SendOutcome[object]]]


def schedule_link(
    link: CoachLink, athlete: Athlete, schedule: ScheduleSettings, after: datetime
) -> None:
    """Set the link's next daily status and weekly digest instants, strictly after ``after``
    (call it when the link goes live; the pass keeps them moving)."""
    zone = load_zone(athlete.time_zone)
    link.next_status_at = next_due(schedule.coach_status_time, zone, after)
    link.next_digest_at = next_weekly_due(
        schedule.coach_status_time, schedule.coach_digest_weekday, zone, after
    )


class CoachPoster:
    """Queues and sends what coach groups get on a schedule. ``run()`` returns how many posts
    were sent; it never raises for one link or post (logged, the others go on)."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        schedule: ScheduleSettings,
        send: PostSender,
        concurrency: int = 8,
    ) -> None:
        self._store = store
        self._clock = clock
        self._schedule = schedule
        self._send = send
        self._concurrency = concurrency

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self._schedule.grace_minutes)

    async def run(self) -> int:
        await self._materialize(self._clock.now())
        return await self._dispatch()

    # --- materialize ----------------------------------------------------------------------

    async def _materialize(self, now: datetime) -> None:
        batch = self._schedule.batch_size
        after = 0  # keyset paging: a link that failed is not picked again in this pass
        while True:
            async with self._store.transaction() as session:
                links = await due_coach_links(session, now, batch, after_id=after)
                for link in links:
                    after = max(after, link.id or 0)
                    try:
                        async with session.begin_nested():
                            athlete = await get_athlete(session, link.athlete_id)
                            await self._queue(session, link, athlete, now)
                    except Exception:
                        log.exception("coach posts: scheduling link %s failed", link.id)
            if len(links) < batch:
                return

    async def _queue(
        self, session: AsyncSession, link: CoachLink, athlete: Athlete | None, now: datetime
    ) -> None:
        assert link.id is not None
        if athlete is None:
            link.next_status_at = link.next_digest_at = None
            return
        zone = load_zone(athlete.time_zone)
        for kind, due in (
            (CoachPostKind.STATUS, link.next_status_at),
            (CoachPostKind.DIGEST, link.next_digest_at),
        ):
            if due is None or due > now:
                continue
            # A coach wants today's news, not last week's: past the grace window, skip it.
            if athlete.active and athlete.onboarded and now - due <= self.grace:
                await queue_coach_post(
                    session,
                    link_id=link.id,
                    kind=kind,
                    local_date=local_date_of(due, zone),
                    due_at=due,
                )
        if link.next_status_at is not None and link.next_status_at <= now:
            link.next_status_at = next_due(self._schedule.coach_status_time, zone, now)
        if link.next_digest_at is not None and link.next_digest_at <= now:
            link.next_digest_at = next_weekly_due(
                self._schedule.coach_status_time, self._schedule.coach_digest_weekday, zone, now
            )

    # --- dispatch -------------------------------------------------------------------------

    async def _dispatch(self) -> int:
        batch = self._schedule.batch_size
        sent = 0
        semaphore = asyncio.Semaphore(self._concurrency)

        async def one(post: CoachPost, link: CoachLink | None, athlete: Athlete | None) -> bool:
            async with semaphore:
                try:
                    return await self._deliver(post, link, athlete)
                except Exception:
                    log.exception("coach posts: post %s failed", post.id)
                    return False

        while True:
            now = self._clock.now()
            async with self._store.transaction() as session:
                posts = await claim_coach_posts(session, now, batch)
                work: list[tuple[CoachPost, CoachLink | None, Athlete | None]] = []
                for post in posts:
                    link = await session.get(CoachLink, post.link_id)
                    athlete = await get_athlete(session, link.athlete_id) if link else None
                    work.append((post, link, athlete))
            if not posts:
                return sent
            results = await asyncio.gather(*(one(*item) for item in work))
            sent += sum(results)
            if len(posts) < batch:
                return sent

    async def _call(
        self, post: CoachPost, link: CoachLink, athlete: Athlete
    ) -> SendOutcome[object]:
        try:
            return await self._send(post, link, athlete)
        except Exception as exc:
            log.exception("coach posts: send callback raised for post %s", post.id)
            return SendOutcome.failed(f"{type(exc).__name__}: {exc}")

    async def _deliver(
        self, post: CoachPost, link: CoachLink | None, athlete: Athlete | None
    ) -> bool:
        assert post.id is not None
        if link is None or athlete is None or not link.live:
            async with self._store.transaction() as session:
                await finish_coach_post(session, post.id, sent=False, now=self._clock.now())
            return False
        if self._folds_into_status(post, link, athlete):
            async with self._store.transaction() as session:
                await finish_coach_post(
                    session,
                    post.id,
                    sent=False,
                    now=self._clock.now(),
                    status=CoachPostStatus.MERGED,
                )
            return False
        outcome = await self._call(post, link, athlete)
        if outcome.status is SendStatus.MIGRATED and outcome.new_chat_id is not None:
            await self._migrate(link, outcome.new_chat_id)
            outcome = await self._call(post, link, athlete)
        now = self._clock.now()
        async with self._store.transaction() as session:
            sent = outcome.status is SendStatus.SENT
            await finish_coach_post(session, post.id, sent=sent, now=now)
            # Forbidden: the bot is no longer in the group (removed, or the group is gone).
            gone = outcome.status is SendStatus.BLOCKED and link.id is not None
            if gone and await revoke_coach_link(session, link.id or 0, now=now):
                await append_event(
                    session,
                    athlete_id=link.athlete_id,
                    kind="coach_unlinked",
                    at=now,
                    payload={"group": link.group_chat_id, "reason": "forbidden"},
                )
        return sent

    @staticmethod
    def _folds_into_status(post: CoachPost, link: CoachLink, athlete: Athlete) -> bool:
        """A missed-check-in alert is folded into the group's next daily status when one is
        scheduled (the status names the check-ins missed since the one before), so a silent
        athlete gives the group one post a day, not an alert and then a status."""
        return post.kind is CoachPostKind.MISSED and link.next_status_at is not None

    async def _migrate(self, link: CoachLink, new_chat_id: int) -> None:
        now = self._clock.now()
        old = link.group_chat_id
        assert old is not None
        async with self._store.transaction() as session:
            await migrate_group_chat(session, old, new_chat_id)
            await append_event(
                session,
                athlete_id=link.athlete_id,
                kind="coach_group_migrated",
                at=now,
                payload={"from": old, "to": new_chat_id},
            )
        link.group_chat_id = new_chat_id
