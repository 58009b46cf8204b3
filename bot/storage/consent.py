"""The consent log: every consent and share change of an athlete, with its instant.

Append-only (like the event log) and erased with the athlete. ``/privacy`` reads it to say
what the athlete agreed to and when; the export carries it in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.clock import ensure_utc
from bot.storage.models import ConsentKind, ConsentRecord

__all__ = ["DATA_USE", "clinician_scope", "group_scope", "list_consent", "log_consent"]

#: The scope of the consent to store and process the athlete's answers at all.
DATA_USE = "data_use"


def group_scope(group_chat_id: int) -> str:
    """The scope of a coach group's share."""
    return f"coach_group:{group_chat_id}"


def clinician_scope(link_id: int) -> str:
    """The scope of a clinician's link."""
    return f"clinician:{link_id}"


async def log_consent(
    session: AsyncSession,
    *,
    athlete_id: int,
    kind: ConsentKind,
    scope: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> ConsentRecord:
    """Append one consent-log row (never updated afterwards). ``detail`` must be JSON-able."""
    record = ConsentRecord(
        athlete_id=athlete_id, at=ensure_utc(now), kind=kind, scope=scope, detail=detail or {}
    )
    session.add(record)
    await session.flush()
    return record


async def list_consent(session: AsyncSession, athlete_id: int) -> Sequence[ConsentRecord]:
    """The athlete's consent log, oldest first."""
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.athlete_id == athlete_id)
        .order_by(col(ConsentRecord.at), col(ConsentRecord.id))
    )
    return (await session.execute(query)).scalars().all()
