"""The ticker: one repeating PTB job that sends what is due. Check-ins are rows, not jobs.

One :meth:`Ticker.tick` runs three passes, each in bounded batches (memory stays flat in the
number of athletes):

1. **materialize** — claim athletes whose ``next_due_at`` has passed (``FOR UPDATE SKIP LOCKED``
   on PostgreSQL, so several workers split them; SQLite runs one worker), and for every slot
   that came due: create the ``(athlete, local date, slot)`` row if absent (once-only, across
   restarts and workers), record as missed any older check-in still open (late answers are
   accepted until the next check-in), record as missed what is older than the grace window,
   and advance the slot's due column.
2. **dispatch** — claim ``scheduled`` rows (and ``sending`` rows whose lease expired after a
   crash) by flipping them to ``sending``; send each under the athlete's lock, outside any
   transaction; then record the outcome: sent (with the reminder instant), blocked (athlete
   deactivated), migrated (chat id updated, sent again), failed (recorded as missed).
3. **remind** — claim sent rows whose ``remind_at`` passed (clearing it: at most one reminder)
   and send the reminder.
4. **coach posts** (when a :class:`~bot.scheduling.coach_posts.CoachPoster` is given) — the
   coach groups' daily status, weekly digest and missed-check-in alerts, the same way.

A failure for one athlete is logged and never stops the others.

**Several workers.** With a :class:`~bot.scheduling.leader.TickerLeadership`, the repeating
job ticks only in the worker that holds the leadership (PostgreSQL advisory lock); the others
check each interval and take over when the leader is gone.

**Stopping.** :meth:`Ticker.request_stop` (called at shutdown, before PTB waits for the
running job) makes a tick end between sends: rows claimed but not yet handed to Telegram are
put back to ``scheduled`` at once (another worker, or the next start, sends them), the sends
in flight finish and are recorded, and no new batch is claimed. No row is left ``sending``
after a clean stop, so nothing waits for the lease and nothing is sent twice.

Silence back-off (``flows.rules.silence``): once an athlete has left
``silence.reminder_stop_days`` whole days unanswered, reminders stop and the evening
check-in is not created (the morning one stays open all day; the weekly one still goes out),
so a silent athlete gets one message a day. It ends by itself with the first answer.

Cadence (``flows.cadence``): in maintenance only the morning and weekly rows are created;
after graduation, the athlete's choice (a light weekly check, or none).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from telegram.ext import Job, JobQueue

from bot.clock import Clock
from bot.config import ScheduleSettings
from bot.scheduling.coach_posts import CoachPoster
from bot.scheduling.leader import TickerLeadership
from bot.scheduling.locks import AthleteLocks
from bot.scheduling.timing import load_zone, local_date_of, next_slot_due
from bot.sending.pacer import background_sends
from bot.sending.policy import SendOutcome, SendStatus
from bot.storage import (
    Athlete,
    Checkin,
    CheckinStatus,
    EventKind,
    Slot,
    Store,
    append_event,
    create_checkin_if_absent,
    get_athlete,
    get_checkin,
    mark_missed,
    mark_reminded,
    mark_sent,
    miss_open_checkins,
    save_athlete,
    set_active,
)
from bot.storage.checkins import last_answered_day
from bot.storage.types import UTCDateTime
from flows.cadence import due_slots
from flows.library.schema import SilenceRules
from flows.rules.silence import reminders_stop, unanswered_days

__all__ = ["JOB_NAME", "CheckinSender", "TickReport", "Ticker"]

log = logging.getLogger(__name__)

JOB_NAME: Final = "remodel-ticker"

#: ``send(athlete, checkin)``: compose and send the check-in (or its reminder) and say how it
#: went. Called under the athlete's lock and outside any transaction; it may open its own
#: (e.g. to start the dialogue). It should use ``send_with_policy`` with the shared pacer; an
#: exception it raises counts as a failed send.
CheckinSender = Callable[[Athlete, Checkin], Awaitable[SendOutcome[object]]]


@dataclass
class TickReport:
    """What one tick did (for logs, tests and benchmarks)."""

    created: int = 0
    sent: int = 0
    missed: int = 0
    reminded: int = 0
    blocked: int = 0
    migrated: int = 0
    failed: int = 0
    errors: int = 0
    coach_posts: int = 0
    released: int = 0
    backed_off: int = 0  # reminders and extra check-ins held back from a silent athlete
    skipped: bool = False

    def __str__(self) -> str:
        return " ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


class Ticker:
    """Sends due check-ins and reminders. Inject the clock, the store and the send callbacks.

    ``remind=None`` disables reminders. ``concurrency`` bounds the sends in flight (the pacer,
    inside the callbacks, bounds their rate). ``lease`` is how long a ``sending`` claim is
    trusted before another tick takes it over (a crashed worker's sends are retried).
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        schedule: ScheduleSettings,
        send: CheckinSender,
        remind: CheckinSender | None = None,
        locks: AthleteLocks | None = None,
        concurrency: int = 32,
        lease: timedelta = timedelta(minutes=5),
        max_catch_up: int = 42,
        coach: CoachPoster | None = None,
        leader: TickerLeadership | None = None,
        silence: SilenceRules | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._schedule = schedule
        self._send = send
        self._remind = remind
        # Not ``locks or ...``: an empty registry is falsy (it has a length), and the
        # ticker must share the handlers' registry from the start.
        self.locks = locks if locks is not None else AthleteLocks()
        self._concurrency = concurrency
        self._lease = lease
        self._max_catch_up = max_catch_up
        self.coach = coach
        self.leader = leader
        self._silence = silence if silence is not None else SilenceRules()
        self._running = False
        self._stopping = False
        self._idle = asyncio.Event()
        self._idle.set()
        #: ``time.monotonic()`` when the last tick finished (health and metrics read it).
        self.last_tick_at: float | None = None
        #: Wall-clock instant of the last tick's start, and how late the oldest due row was.
        self.last_lag_seconds: float = 0.0

    @property
    def grace(self) -> timedelta:
        """How late a check-in may still go out."""
        return timedelta(minutes=self._schedule.grace_minutes)

    @property
    def reminder_after(self) -> timedelta:
        """How long after the send the one reminder is due."""
        return timedelta(minutes=self._schedule.reminder_after_minutes)

    # --- PTB integration ----------------------------------------------------------------------

    def install(self, job_queue: JobQueue[Any], *, first: float = 1.0) -> Job[Any]:
        """Register the one repeating job (every ``schedule.tick_seconds``) on ``job_queue``."""
        return job_queue.run_repeating(
            self._job_callback,
            interval=self._schedule.tick_seconds,
            first=first,
            name=JOB_NAME,
            # A long tick (a 07:00 crowd paced at 30/s) must not overlap the next one.
            job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        )

    def request_stop(self) -> None:
        """End the running tick between sends and start no new one (see the module doc)."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        """Whether :meth:`request_stop` was called."""
        return self._stopping

    @property
    def running(self) -> bool:
        """Whether a tick is in flight."""
        return self._running

    async def wait_idle(self) -> None:
        """Return when no tick is in flight."""
        await self._idle.wait()

    async def _job_callback(self, _context: Any) -> None:
        if self._stopping:
            return
        if self.leader is not None:
            try:
                if not await self.leader.check():
                    return
            except Exception:
                log.exception("ticker: leadership check failed")
                return
        try:
            report = await self.tick()
        except Exception:
            log.exception("ticker: tick failed")
            return
        if not report.skipped and (
            report.created
            or report.sent
            or report.missed
            or report.reminded
            or report.errors
            or report.coach_posts
        ):
            log.info("ticker: %s", report)

    # --- the tick -----------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Run one tick: materialize, dispatch, remind. Reentrant calls return ``skipped``."""
        if self._running or self._stopping:
            return TickReport(skipped=True)
        self._running = True
        self._idle.clear()
        try:
            # Nobody waits for a scheduled message at this second: replies to taps go first.
            with background_sends():
                return await self._tick()
        finally:
            self._running = False
            self._idle.set()
            self.last_tick_at = time.monotonic()

    async def _tick(self) -> TickReport:
        report = TickReport()
        await self._measure_lag()
        await self._materialize(self._clock.now(), report)
        await self._dispatch(report)
        if self._remind is not None:
            await self._send_reminders(report)
        if self.coach is not None:
            try:
                report.coach_posts += await self.coach.run()
            except Exception:  # coach news must never hold up check-ins
                report.errors += 1
                log.exception("ticker: coach posts failed")
        return report

    async def _measure_lag(self) -> None:
        """How overdue the oldest waiting check-in is (the metrics' tick lag)."""
        now = self._clock.now()
        async with self._store.transaction() as session:
            oldest = (
                await session.execute(
                    sa.select(sa.func.min(col(Checkin.due_at))).where(
                        col(Checkin.status) == CheckinStatus.SCHEDULED
                    )
                )
            ).scalar_one_or_none()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        self.last_lag_seconds = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0

    # --- pass 1: materialize ------------------------------------------------------------------

    async def _materialize(self, now: datetime, report: TickReport) -> None:
        batch = self._schedule.batch_size
        cursor: tuple[datetime, int] | None = None
        while True:
            async with self._store.transaction() as session:
                query = (
                    select(Athlete)
                    .where(
                        col(Athlete.next_due_at) <= now,
                        col(Athlete.active),
                        col(Athlete.onboarded),
                        sa.not_(col(Athlete.paused)),
                    )
                    .order_by(col(Athlete.next_due_at), col(Athlete.id))
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
                if cursor is not None:
                    # Keyset paging: an athlete that failed keeps its due instant but is not
                    # picked again in this tick.
                    query = query.where(
                        sa.tuple_(col(Athlete.next_due_at), col(Athlete.id))
                        > sa.tuple_(sa.literal(cursor[0], UTCDateTime()), sa.literal(cursor[1]))
                    )
                athletes = (await session.execute(query)).scalars().all()
                if not athletes:
                    return
                last = athletes[-1]
                assert last.next_due_at is not None
                assert last.id is not None
                cursor = (last.next_due_at, last.id)
                for athlete in athletes:
                    try:
                        async with session.begin_nested():
                            await self._materialize_one(session, athlete, now, report)
                    except Exception:
                        report.errors += 1
                        log.exception("ticker: scheduling athlete %s failed", athlete.id)
            if len(athletes) < batch:
                return

    async def _materialize_one(
        self, session: AsyncSession, athlete: Athlete, now: datetime, report: TickReport
    ) -> None:
        assert athlete.id is not None
        zone = load_zone(athlete.time_zone)
        for _ in range(self._max_catch_up):
            pending = [
                (due, slot)
                for slot in Slot
                if (due := athlete.next_due_of(slot)) is not None and due <= now
            ]
            if not pending:
                break
            due, slot = min(pending)
            local_date = local_date_of(due, zone)
            if not self._cadence_has(athlete, slot, local_date):
                # Lighter cadence (maintenance, after graduation): no row for this slot.
                athlete.set_next_due(slot, next_slot_due(athlete, slot, self._schedule, due))
                continue
            if slot is Slot.EVENING and await self._backs_off(session, athlete, local_date):
                # A silent athlete gets the morning check-in only (it stays open all day);
                # the weekly one, once a week, still goes out.
                report.backed_off += 1
                athlete.set_next_due(slot, next_slot_due(athlete, slot, self._schedule, due))
                continue
            checkin, created = await create_checkin_if_absent(
                session,
                athlete_id=athlete.id,
                local_date=local_date,
                slot=slot,
                due_at=due,
            )
            if created:
                report.created += 1
                superseded = await miss_open_checkins(
                    session,
                    athlete.id,
                    due_before=due,
                    now=now,
                    reason="superseded",
                    alert_within=self.grace,
                )
                report.missed += len(superseded)
                if now - due > self.grace:
                    await mark_missed(session, checkin, now=now, reason="past_grace")
                    report.missed += 1
            athlete.set_next_due(slot, next_slot_due(athlete, slot, self._schedule, due))
        else:
            # Long downtime: past the catch-up budget, jump ahead without rows.
            for slot in Slot:
                due = athlete.next_due_of(slot)
                if due is not None and due <= now:
                    athlete.set_next_due(slot, next_slot_due(athlete, slot, self._schedule, now))
        await save_athlete(session, athlete, now)

    def _cadence_has(self, athlete: Athlete, slot: Slot, local_day: date) -> bool:
        """Whether ``slot`` is in the athlete's check-in cadence on ``local_day``."""
        weekly_day = local_day.weekday() == self._schedule.weekly_readiness_weekday
        slots = due_slots(athlete.phase, athlete.checkin_cadence, weekly_day=weekly_day)
        return slot.value in slots

    async def _backs_off(self, session: AsyncSession, athlete: Athlete, local_day: date) -> bool:
        """Whether the athlete has gone silent (whole days unanswered before ``local_day``)."""
        assert athlete.id is not None
        first_contact = local_date_of(athlete.created_at, load_zone(athlete.time_zone))
        # Only the back-off threshold matters: look back just past it.
        window = local_day - timedelta(days=self._silence.reminder_stop_days.value + 1)
        last = await last_answered_day(session, athlete.id, since=window)
        unanswered = unanswered_days(last or window, first_contact, local_day)
        return reminders_stop(self._silence, unanswered)

    # --- pass 2: dispatch ---------------------------------------------------------------------

    async def _claim(
        self, where: sa.ColumnElement[bool], order: Any, values: dict[str, Any]
    ) -> list[tuple[Checkin, Athlete]]:
        """Atomically take up to one batch of check-ins matching ``where`` by applying
        ``values``; return them with their athletes, oldest first."""
        batch = self._schedule.batch_size
        async with self._store.transaction() as session:
            candidates = (
                sa.select(col(Checkin.id))
                .where(where)
                .order_by(order)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
            statement = (
                sa.update(Checkin)
                .where(col(Checkin.id).in_(candidates.scalar_subquery()))
                .values(**values)
                .returning(col(Checkin.id))
                .execution_options(synchronize_session=False)
            )
            ids = list((await session.execute(statement)).scalars().all())
            if not ids:
                return []
            checkins = (
                (
                    await session.execute(
                        select(Checkin)
                        .where(col(Checkin.id).in_(ids))
                        .order_by(col(Checkin.due_at))
                    )
                )
                .scalars()
                .all()
            )
            athlete_ids = {c.athlete_id for c in checkins}
            athletes = (
                (await session.execute(select(Athlete).where(col(Athlete.id).in_(athlete_ids))))
                .scalars()
                .all()
            )
        by_id = {a.id: a for a in athletes}
        return [(c, by_id[c.athlete_id]) for c in checkins]

    async def _run_grouped(
        self,
        claimed: Sequence[tuple[Checkin, Athlete]],
        handle: Callable[[Checkin, Athlete], Awaitable[None]],
        report: TickReport,
    ) -> None:
        """Run ``handle`` for each claimed row: athletes concurrently (bounded), one athlete's
        rows in due order under its lock."""
        groups: dict[int, list[tuple[Checkin, Athlete]]] = {}
        for checkin, athlete in claimed:
            groups.setdefault(checkin.athlete_id, []).append((checkin, athlete))
        semaphore = asyncio.Semaphore(self._concurrency)

        async def run(rows: list[tuple[Checkin, Athlete]]) -> None:
            async with semaphore:
                athlete = rows[0][1]
                async with self.locks.for_user(athlete.telegram_user_id):
                    for checkin, row_athlete in rows:
                        try:
                            await handle(checkin, row_athlete)
                        except Exception:
                            report.errors += 1
                            log.exception(
                                "ticker: check-in %s of athlete %s failed",
                                checkin.id,
                                checkin.athlete_id,
                            )

        await asyncio.gather(*(run(rows) for rows in groups.values()))

    async def _dispatch(self, report: TickReport) -> None:
        batch = self._schedule.batch_size
        while True:
            now = self._clock.now()
            claimed = await self._claim(
                sa.or_(
                    sa.and_(
                        col(Checkin.status) == CheckinStatus.SCHEDULED,
                        col(Checkin.due_at) <= now,
                    ),
                    sa.and_(
                        col(Checkin.status) == CheckinStatus.SENDING,
                        col(Checkin.claimed_at) < now - self._lease,
                    ),
                ),
                col(Checkin.due_at),
                {"status": CheckinStatus.SENDING, "claimed_at": now},
            )
            if not claimed:
                return

            async def handle(checkin: Checkin, athlete: Athlete) -> None:
                if self._stopping:
                    await self._release(checkin, report)
                    return
                await self._deliver(checkin, athlete, report)

            await self._run_grouped(claimed, handle, report)
            if len(claimed) < batch or self._stopping:
                return

    async def _release(self, checkin: Checkin, report: TickReport) -> None:
        """Put a claimed, unsent row back to ``scheduled`` (stopping: someone else sends it)."""
        async with self._store.transaction() as session:
            await session.execute(
                sa.update(Checkin)
                .where(
                    col(Checkin.id) == checkin.id,
                    col(Checkin.status) == CheckinStatus.SENDING,
                )
                .values(status=CheckinStatus.SCHEDULED, claimed_at=None)
                .execution_options(synchronize_session=False)
            )
        report.released += 1

    async def _call(
        self, callback: CheckinSender, athlete: Athlete, checkin: Checkin
    ) -> SendOutcome[object]:
        try:
            return await callback(athlete, checkin)
        except Exception as exc:
            log.exception("ticker: send callback raised for athlete %s", athlete.id)
            return SendOutcome.failed(f"{type(exc).__name__}: {exc}")

    async def _deliver(self, checkin: Checkin, athlete: Athlete, report: TickReport) -> None:
        now = self._clock.now()
        if now - checkin.due_at > self.grace or not athlete.eligible:
            reason = "past_grace" if athlete.eligible else "not_eligible"
            async with self._store.transaction() as session:
                if await mark_missed(session, checkin, now=now, reason=reason):
                    report.missed += 1
            return
        outcome = await self._call(self._send, athlete, checkin)
        if outcome.status is SendStatus.MIGRATED and outcome.new_chat_id is not None:
            await self._migrate(athlete, outcome.new_chat_id, report)
            outcome = await self._call(self._send, athlete, checkin)
        await self._record(checkin, athlete, outcome, report)

    async def _migrate(self, athlete: Athlete, new_chat_id: int, report: TickReport) -> None:
        now = self._clock.now()
        async with self._store.transaction() as session:
            row = await get_athlete(session, athlete.id or 0)
            if row is not None:
                old = row.chat_id
                row.chat_id = new_chat_id
                await save_athlete(session, row, now)
                await append_event(
                    session,
                    athlete_id=row.id or 0,
                    kind=EventKind.CHAT_MIGRATED,
                    at=now,
                    payload={"from": old, "to": new_chat_id},
                )
        athlete.chat_id = new_chat_id
        report.migrated += 1

    async def _deactivate(self, session: AsyncSession, athlete: Athlete, now: datetime) -> None:
        row = await get_athlete(session, athlete.id or 0)
        if row is not None and row.active:
            await set_active(session, row, False, now)
            await append_event(
                session, athlete_id=row.id or 0, kind=EventKind.ATHLETE_BLOCKED, at=now
            )

    async def _record(
        self,
        checkin: Checkin,
        athlete: Athlete,
        outcome: SendOutcome[object],
        report: TickReport,
    ) -> None:
        now = self._clock.now()
        assert checkin.id is not None
        async with self._store.transaction() as session:
            if outcome.status is SendStatus.SENT:
                remind_at = now + self.reminder_after if self._remind is not None else None
                if await mark_sent(
                    session,
                    checkin.id,
                    now=now,
                    remind_at=remind_at,
                    message_id=outcome.message_id,
                ):
                    report.sent += 1
                return
            if await get_athlete(session, checkin.athlete_id) is None:
                # Erased (/delete) after this check-in was claimed and before the athlete's
                # lock was ours: the sender found nobody, and there is nothing to record.
                return
            if outcome.status is SendStatus.BLOCKED:
                report.blocked += 1
                await self._deactivate(session, athlete, now)
                reason = "blocked"
            else:
                report.failed += 1
                reason = "send_failed"
                await append_event(
                    session,
                    athlete_id=checkin.athlete_id,
                    kind=EventKind.CHECKIN_SEND_FAILED,
                    at=now,
                    payload={"checkin_id": checkin.id, "error": outcome.error or ""},
                )
            if await mark_missed(session, checkin, now=now, reason=reason):
                report.missed += 1

    # --- pass 3: reminders --------------------------------------------------------------------

    async def _send_reminders(self, report: TickReport) -> None:
        assert self._remind is not None
        remind = self._remind
        batch = self._schedule.batch_size
        while True:
            now = self._clock.now()
            claimed = await self._claim(
                sa.and_(
                    col(Checkin.status) == CheckinStatus.SENT,
                    col(Checkin.remind_at) <= now,
                ),
                col(Checkin.remind_at),
                # Clearing remind_at is the claim: a reminder goes out at most once.
                {"remind_at": None},
            )
            if not claimed:
                return

            async def handle(checkin: Checkin, athlete: Athlete) -> None:
                if not athlete.eligible:
                    return
                async with self._store.transaction() as session:
                    fresh = await get_checkin(session, checkin.id or 0)
                    if fresh is None or fresh.status is not CheckinStatus.SENT:
                        return  # answered or missed in the meantime
                    if await self._backs_off(session, athlete, checkin.local_date):
                        report.backed_off += 1
                        return  # no nagging after days of silence
                outcome = await self._call(remind, athlete, checkin)
                async with self._store.transaction() as session:
                    if outcome.status is SendStatus.SENT:
                        if await mark_reminded(session, checkin.id or 0, now=self._clock.now()):
                            report.reminded += 1
                    elif outcome.status is SendStatus.BLOCKED:
                        report.blocked += 1
                        await self._deactivate(session, athlete, self._clock.now())
                    else:
                        report.failed += 1

            await self._run_grouped(claimed, handle, report)
            if len(claimed) < batch:
                return
