"""Athlete rows: lookup, creation, profile and flag changes.

All functions take an open :class:`AsyncSession` (one :meth:`Store.transaction` block is one
unit of work) and the current instant ``now`` from the injected clock; none commits by itself.
Schedule columns (``next_*_due_at``) are computed by :mod:`bot.scheduling`; the flag setters
here only keep ``next_due_at`` consistent with eligibility.
"""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.clock import ensure_utc
from bot.storage._dialect import insert_for, table_of
from bot.storage.models import Athlete

__all__ = [
    "get_athlete",
    "get_athlete_by_telegram_id",
    "get_or_create_athlete",
    "save_athlete",
    "set_active",
    "set_paused",
    "update_chat_id",
]


async def get_athlete(session: AsyncSession, athlete_id: int) -> Athlete | None:
    """The athlete with primary key ``athlete_id``, or ``None``."""
    return await session.get(Athlete, athlete_id)


async def get_athlete_by_telegram_id(
    session: AsyncSession, telegram_user_id: int
) -> Athlete | None:
    """The athlete for a Telegram user id, or ``None``."""
    result = await session.execute(
        select(Athlete).where(Athlete.telegram_user_id == telegram_user_id)
    )
    return result.scalar_one_or_none()


async def get_or_create_athlete(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    chat_id: int,
    now: datetime,
    first_name: str = "",
    language: str = "en",
    morning_time: time = time(7, 0),
    evening_time: time = time(20, 0),
) -> tuple[Athlete, bool]:
    """Return ``(athlete, created)`` for a Telegram user, creating the row if needed.

    Safe under concurrency: the insert is ``ON CONFLICT DO NOTHING`` on the unique Telegram id,
    so two racing first messages create one athlete. A new athlete is active, not onboarded and
    has no schedule yet (the ticker ignores it until onboarding completes and
    :func:`bot.scheduling.rebase` sets its due instants).
    """
    now = ensure_utc(now)
    statement = (
        insert_for(session, table_of(Athlete))
        .values(
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            first_name=first_name[:128],
            language=language,
            time_zone="UTC",
            morning_time=morning_time,
            evening_time=evening_time,
            active=True,
            onboarded=False,
            paused=False,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["telegram_user_id"])
        .returning(table_of(Athlete).c.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    athlete = await get_athlete_by_telegram_id(session, telegram_user_id)
    if athlete is None:  # pragma: no cover - the row exists after the insert in any case
        raise RuntimeError(f"athlete for Telegram user {telegram_user_id} vanished")
    return athlete, inserted is not None


async def save_athlete(session: AsyncSession, athlete: Athlete, now: datetime) -> Athlete:
    """Persist changes made to ``athlete`` (profile, rehab state, phase, times, zone...).

    Stamps ``updated_at`` and recomputes ``next_due_at``. Only changed columns are written, so a
    handler saving the rehab state never overwrites the schedule columns the ticker advanced.
    """
    athlete.updated_at = ensure_utc(now)
    athlete.refresh_next_due()
    session.add(athlete)
    await session.flush()
    return athlete


async def set_active(
    session: AsyncSession, athlete: Athlete, active: bool, now: datetime
) -> Athlete:
    """Activate or deactivate (``/stop``, or Telegram said Forbidden: the user blocked us).

    A deactivated athlete gets no check-ins. Reactivating does not re-schedule: call
    :func:`bot.scheduling.rebase` afterwards so missed days are not replayed.
    """
    athlete.active = active
    return await save_athlete(session, athlete, now)


async def set_paused(
    session: AsyncSession, athlete: Athlete, paused: bool, now: datetime
) -> Athlete:
    """Pause or resume check-ins. On resume, call :func:`bot.scheduling.rebase` too."""
    athlete.paused = paused
    return await save_athlete(session, athlete, now)


async def update_chat_id(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """Replace a migrated chat id on every athlete row; return how many rows changed."""
    result = await session.execute(
        sa.update(Athlete)
        .where(col(Athlete.chat_id) == old_chat_id)
        .values(chat_id=new_chat_id)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
