"""Check-in rows: idempotent creation and status transitions.

Transitions are conditional ``UPDATE``s (``... WHERE status IN (...)``) that report whether they
happened, so a late answer racing the ticker's "missed" resolves to exactly one outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.clock import ensure_utc
from bot.storage._dialect import insert_for, table_of
from bot.storage.coaching import queue_missed_alerts
from bot.storage.journal import EventKind, append_event
from bot.storage.models import Checkin, CheckinStatus, Slot

__all__ = [
    "OPEN_STATUSES",
    "create_checkin_if_absent",
    "get_checkin",
    "get_checkin_for",
    "keep_partial_answers",
    "last_answered_day",
    "list_checkins",
    "mark_answered",
    "mark_missed",
    "mark_reminded",
    "mark_sent",
    "miss_open_checkins",
    "open_checkins",
]

OPEN_STATUSES: tuple[CheckinStatus, ...] = (
    CheckinStatus.SCHEDULED,
    CheckinStatus.SENDING,
    CheckinStatus.SENT,
    CheckinStatus.REMINDED,
)


async def create_checkin_if_absent(
    session: AsyncSession,
    *,
    athlete_id: int,
    local_date: date,
    slot: Slot,
    due_at: datetime,
    status: CheckinStatus = CheckinStatus.SCHEDULED,
) -> tuple[Checkin, bool]:
    """Return ``(checkin, created)`` for ``(athlete_id, local_date, slot)``.

    ``INSERT ... ON CONFLICT DO NOTHING`` on the unique key: however many times this runs
    (restarts, several workers), one row exists and only one caller sees ``created=True``.
    """
    statement = (
        insert_for(session, table_of(Checkin))
        .values(
            athlete_id=athlete_id,
            local_date=local_date,
            slot=slot,
            status=status,
            due_at=ensure_utc(due_at),
        )
        .on_conflict_do_nothing(index_elements=["athlete_id", "local_date", "slot"])
        .returning(table_of(Checkin).c.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    checkin = await get_checkin_for(session, athlete_id, local_date, slot)
    if checkin is None:  # pragma: no cover - the row exists after the insert in any case
        raise RuntimeError("check-in vanished after insert")
    return checkin, inserted is not None


async def get_checkin(session: AsyncSession, checkin_id: int) -> Checkin | None:
    """The check-in with primary key ``checkin_id``, or ``None``."""
    return await session.get(Checkin, checkin_id)


async def get_checkin_by_nonce(
    session: AsyncSession, athlete_id: int, nonce: str
) -> Checkin | None:
    """The athlete's check-in last asked by the dialogue with ``nonce``, or ``None``."""
    query = select(Checkin).where(Checkin.athlete_id == athlete_id, Checkin.nonce == nonce)
    return (await session.execute(query)).scalars().first()


async def set_checkin_nonce(session: AsyncSession, checkin_id: int, nonce: str) -> None:
    """Record that the dialogue with ``nonce`` now asks the check-in ``checkin_id``."""
    await session.execute(
        sa.update(Checkin).where(col(Checkin.id) == checkin_id).values(nonce=nonce)
    )


async def get_checkin_for(
    session: AsyncSession, athlete_id: int, local_date: date, slot: Slot
) -> Checkin | None:
    """The check-in of an athlete for a local date and slot, or ``None``."""
    query = select(Checkin).where(
        Checkin.athlete_id == athlete_id,
        Checkin.local_date == local_date,
        Checkin.slot == slot,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def open_checkins(session: AsyncSession, athlete_id: int) -> Sequence[Checkin]:
    """The athlete's check-ins still waiting to be sent or answered, oldest first."""
    query = (
        select(Checkin)
        .where(Checkin.athlete_id == athlete_id, col(Checkin.status).in_(OPEN_STATUSES))
        .order_by(col(Checkin.due_at))
    )
    return (await session.execute(query)).scalars().all()


async def list_checkins(
    session: AsyncSession,
    athlete_id: int,
    *,
    since: date | None = None,
    until: date | None = None,
) -> Sequence[Checkin]:
    """The athlete's check-ins by local date (inclusive bounds), oldest first."""
    query = select(Checkin).where(Checkin.athlete_id == athlete_id)
    if since is not None:
        query = query.where(col(Checkin.local_date) >= since)
    if until is not None:
        query = query.where(col(Checkin.local_date) <= until)
    query = query.order_by(col(Checkin.due_at), col(Checkin.id))
    return (await session.execute(query)).scalars().all()


async def last_answered_day(session: AsyncSession, athlete_id: int, *, since: date) -> date | None:
    """The latest local date on or after ``since`` on which the athlete answered anything (a
    finished check-in or the answers kept on a half-answered one); ``None`` if none.

    Reads at most a few rows a day over the window (the unique index leads with
    ``athlete_id, local_date``); the JSON column is tested in Python, since SQL backends
    differ on JSON ``null`` versus SQL ``NULL``."""
    query = (
        sa.select(col(Checkin.local_date), col(Checkin.answers))
        .where(col(Checkin.athlete_id) == athlete_id, col(Checkin.local_date) >= since)
        .order_by(col(Checkin.local_date).desc())
    )
    for local_date, answers in (await session.execute(query)).all():
        if answers:
            return local_date  # type: ignore[no-any-return]
    return None


async def _transition(
    session: AsyncSession,
    checkin_id: int,
    allowed_from: Sequence[CheckinStatus],
    values: dict[str, Any],
) -> bool:
    statement = (
        sa.update(Checkin)
        .where(col(Checkin.id) == checkin_id, col(Checkin.status).in_(allowed_from))
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_sent(
    session: AsyncSession,
    checkin_id: int,
    *,
    now: datetime,
    remind_at: datetime | None,
    message_id: int | None = None,
) -> bool:
    """``scheduled|sending -> sent``; ``remind_at=None`` means no reminder for this one."""
    return await _transition(
        session,
        checkin_id,
        (CheckinStatus.SCHEDULED, CheckinStatus.SENDING),
        {
            "status": CheckinStatus.SENT,
            "sent_at": ensure_utc(now),
            "remind_at": None if remind_at is None else ensure_utc(remind_at),
            "message_id": message_id,
            "claimed_at": None,
        },
    )


async def mark_reminded(session: AsyncSession, checkin_id: int, *, now: datetime) -> bool:
    """``sent -> reminded`` (at most one reminder per check-in)."""
    return await _transition(
        session,
        checkin_id,
        (CheckinStatus.SENT,),
        {"status": CheckinStatus.REMINDED, "reminded_at": ensure_utc(now), "remind_at": None},
    )


async def mark_answered(
    session: AsyncSession,
    checkin_id: int,
    *,
    now: datetime,
    answers: dict[str, Any],
    decision: dict[str, Any] | None = None,
) -> bool:
    """Open -> ``answered`` with the answers and the engine's decision.

    Returns ``False`` when the check-in is no longer open (the ticker already recorded it as
    missed because the next check-in became due): the caller tells the athlete it came too late.
    """
    return await _transition(
        session,
        checkin_id,
        OPEN_STATUSES,
        {
            "status": CheckinStatus.ANSWERED,
            "answered_at": ensure_utc(now),
            "answers": answers,
            "decision": decision,
            "remind_at": None,
            "claimed_at": None,
        },
    )


# Built once (it runs on every answer); a Core UPDATE, so no loaded row is synchronized.
_CHECKINS = Checkin.__table__  # type: ignore[attr-defined]
_KEEP_PARTIAL = (
    sa.update(_CHECKINS)
    .where(_CHECKINS.c.id == sa.bindparam("k_id"), _CHECKINS.c.status.in_(OPEN_STATUSES))
    .values(answers=sa.bindparam("k_answers"))
)


async def keep_partial_answers(
    session: AsyncSession, checkin_id: int, answers: dict[str, Any]
) -> bool:
    """Store the answers given so far on a check-in that is still open.

    Called after every answer, so whoever closes the check-in later (the ticker recording it
    as missed, say) finds them on the row: a half-answered check-in is never lost. ``False``
    when the check-in is no longer open (its stored answers are left as they were).

    A copy of the row already loaded in ``session`` is not refreshed (this runs on every
    answer, and nothing reads the row after it in that transaction).
    """
    result = await session.execute(_KEEP_PARTIAL, {"k_id": checkin_id, "k_answers": answers})
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_missed(
    session: AsyncSession,
    checkin: Checkin,
    *,
    now: datetime,
    reason: str,
    missed_at: datetime | None = None,
    alert_within: timedelta | None = None,
) -> bool:
    """Open -> ``missed`` and append a ``checkin_missed`` event; ``False`` if it was closed.

    Answers already kept on the row (:func:`keep_partial_answers`) stay there; the event
    names them under ``kept_answers`` (empty when nothing was answered). The athlete's coach
    groups get a missed-check-in alert queued (at most one per group and local date) only
    for a check-in that was actually sent (a coach is never told of one the athlete never
    saw, e.g. after downtime) and, with ``alert_within``, only when it became missed
    (``missed_at``, default ``now``) at most that long ago: no alert for a year ago after a
    clock jump.
    """
    assert checkin.id is not None
    changed = await _transition(
        session,
        checkin.id,
        OPEN_STATUSES,
        {"status": CheckinStatus.MISSED, "remind_at": None, "claimed_at": None},
    )
    if changed:
        kept, sent_at = (
            await session.execute(
                sa.select(col(Checkin.answers), col(Checkin.sent_at)).where(
                    col(Checkin.id) == checkin.id
                )
            )
        ).one()
        await append_event(
            session,
            athlete_id=checkin.athlete_id,
            kind=EventKind.CHECKIN_MISSED,
            at=now,
            payload={
                "checkin_id": checkin.id,
                "slot": str(checkin.slot),
                "local_date": checkin.local_date.isoformat(),
                "reason": reason,
                "kept_answers": sorted(kept or {}),
            },
        )
        recent = alert_within is None or now - (missed_at or now) <= alert_within
        if sent_at is not None and recent:
            await queue_missed_alerts(
                session,
                athlete_id=checkin.athlete_id,
                local_date=checkin.local_date,
                now=now,
                slot=str(checkin.slot),
            )
    return changed


async def miss_open_checkins(
    session: AsyncSession,
    athlete_id: int,
    *,
    due_before: datetime,
    now: datetime,
    reason: str,
    alert_within: timedelta | None = None,
) -> list[Checkin]:
    """Record as missed every open check-in of the athlete due before ``due_before`` (the
    instant they became missed, for :func:`mark_missed`'s ``alert_within``), oldest first."""
    query = (
        select(Checkin)
        .where(
            Checkin.athlete_id == athlete_id,
            col(Checkin.status).in_(OPEN_STATUSES),
            col(Checkin.due_at) < ensure_utc(due_before),
        )
        .order_by(col(Checkin.due_at))
    )
    missed = []
    for checkin in (await session.execute(query)).scalars().all():
        missed_now = await mark_missed(
            session,
            checkin,
            now=now,
            reason=reason,
            missed_at=due_before,
            alert_within=alert_within,
        )
        if missed_now:
            missed.append(checkin)
    return missed
