"""The append-only event log, clinician clearances and the education log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.clock import ensure_utc
from bot.storage._dialect import insert_for, table_of
from bot.storage.models import Clearance, EducationLog, Event

__all__ = [
    "EventKind",
    "append_event",
    "education_since",
    "list_clearances",
    "list_events",
    "log_education",
    "record_clearance",
]


class EventKind(StrEnum):
    """Event kinds written by the bot's own modules. Handlers may add their own strings."""

    PHASE_CHANGE = "phase_change"
    RED_FLAG = "red_flag"
    CLEARANCE = "clearance"
    SHARE = "share"
    CHECKIN_MISSED = "checkin_missed"
    CHECKIN_SEND_FAILED = "checkin_send_failed"
    ATHLETE_BLOCKED = "athlete_blocked"
    CHAT_MIGRATED = "chat_migrated"


async def append_event(
    session: AsyncSession,
    *,
    athlete_id: int,
    kind: str,
    at: datetime,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append one event (never updated or deleted afterwards). ``payload`` must be JSON-able."""
    event = Event(athlete_id=athlete_id, kind=str(kind), at=ensure_utc(at), payload=payload or {})
    session.add(event)
    await session.flush()
    return event


async def list_events(
    session: AsyncSession,
    athlete_id: int,
    *,
    since: datetime | None = None,
    kinds: Iterable[str] | None = None,
    limit: int | None = None,
) -> Sequence[Event]:
    """The athlete's events, oldest first, optionally from ``since`` and of some ``kinds``."""
    query = select(Event).where(Event.athlete_id == athlete_id)
    if since is not None:
        query = query.where(col(Event.at) >= ensure_utc(since))
    if kinds is not None:
        query = query.where(col(Event.kind).in_([str(k) for k in kinds]))
    query = query.order_by(col(Event.at), col(Event.id))
    if limit is not None:
        query = query.limit(limit)
    return (await session.execute(query)).scalars().all()


async def record_clearance(
    session: AsyncSession,
    *,
    athlete_id: int,
    on_date: date,
    allows: str,
    now: datetime,
) -> Clearance:
    """Record a clinician clearance and the matching ``clearance`` event."""
    clearance = Clearance(
        athlete_id=athlete_id, on_date=on_date, allows=allows, recorded_at=ensure_utc(now)
    )
    session.add(clearance)
    await session.flush()
    await append_event(
        session,
        athlete_id=athlete_id,
        kind=EventKind.CLEARANCE,
        at=now,
        payload={"allows": allows, "on_date": on_date.isoformat(), "clearance_id": clearance.id},
    )
    return clearance


async def list_clearances(session: AsyncSession, athlete_id: int) -> Sequence[Clearance]:
    """The athlete's clearances, oldest first."""
    query = (
        select(Clearance)
        .where(Clearance.athlete_id == athlete_id)
        .order_by(col(Clearance.on_date), col(Clearance.id))
    )
    return (await session.execute(query)).scalars().all()


async def log_education(
    session: AsyncSession, *, athlete_id: int, snippet_id: str, sent_on: date
) -> bool:
    """Record that ``snippet_id`` went out on local date ``sent_on``; ``False`` if already so."""
    statement = (
        insert_for(session, table_of(EducationLog))
        .values(athlete_id=athlete_id, snippet_id=snippet_id, sent_on=sent_on)
        .on_conflict_do_nothing(index_elements=["athlete_id", "snippet_id", "sent_on"])
        .returning(table_of(EducationLog).c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def education_since(
    session: AsyncSession, athlete_id: int, since: date
) -> list[tuple[str, date]]:
    """``(snippet_id, sent_on)`` pairs from ``since`` on, newest first (the no-repeat input)."""
    query = (
        sa.select(col(EducationLog.snippet_id), col(EducationLog.sent_on))
        .where(col(EducationLog.athlete_id) == athlete_id, col(EducationLog.sent_on) >= since)
        .order_by(col(EducationLog.sent_on).desc(), col(EducationLog.id).desc())
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]
