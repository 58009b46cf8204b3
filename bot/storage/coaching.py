"""Coach links: one-time invites binding a coach group chat to an athlete."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.clock import ensure_utc
from bot.storage.models import CoachLink, ShareLevel

__all__ = [
    "create_coach_link",
    "links_for_athlete",
    "links_for_group",
    "migrate_group_chat",
    "redeem_coach_link",
    "revoke_coach_link",
]


async def create_coach_link(
    session: AsyncSession, *, athlete_id: int, share_level: ShareLevel, now: datetime
) -> CoachLink:
    """Create an unused invite with a fresh random token (fits a ``?startgroup=`` payload:
    22 URL-safe characters, well under Telegram's 64)."""
    link = CoachLink(
        token=secrets.token_urlsafe(16),
        athlete_id=athlete_id,
        share_level=share_level,
        created_at=ensure_utc(now),
    )
    session.add(link)
    await session.flush()
    return link


async def redeem_coach_link(
    session: AsyncSession, *, token: str, group_chat_id: int, now: datetime
) -> CoachLink | None:
    """Bind the invite ``token`` to ``group_chat_id``, once. ``None`` if unknown/used/revoked.

    The conditional ``UPDATE`` makes redemption atomic: of two groups racing on one token,
    exactly one wins.
    """
    result = await session.execute(
        sa.update(CoachLink)
        .where(
            col(CoachLink.token) == token,
            col(CoachLink.used_at).is_(None),
            col(CoachLink.revoked_at).is_(None),
        )
        .values(used_at=ensure_utc(now), group_chat_id=group_chat_id)
        .execution_options(synchronize_session="fetch")
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    link: CoachLink = (
        await session.execute(select(CoachLink).where(CoachLink.token == token))
    ).scalar_one()
    return link


async def revoke_coach_link(session: AsyncSession, link_id: int, *, now: datetime) -> bool:
    """Revoke a link (used or not); ``False`` if it was already revoked."""
    result = await session.execute(
        sa.update(CoachLink)
        .where(col(CoachLink.id) == link_id, col(CoachLink.revoked_at).is_(None))
        .values(revoked_at=ensure_utc(now))
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def links_for_athlete(session: AsyncSession, athlete_id: int) -> Sequence[CoachLink]:
    """Every link of the athlete, oldest first."""
    query = select(CoachLink).where(CoachLink.athlete_id == athlete_id).order_by(col(CoachLink.id))
    return (await session.execute(query)).scalars().all()


async def links_for_group(session: AsyncSession, group_chat_id: int) -> Sequence[CoachLink]:
    """Active (used, not revoked) links of a group chat."""
    query = select(CoachLink).where(
        CoachLink.group_chat_id == group_chat_id, col(CoachLink.revoked_at).is_(None)
    )
    return (await session.execute(query)).scalars().all()


async def migrate_group_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup (ChatMigrated): move its links; return rows changed."""
    result = await session.execute(
        sa.update(CoachLink)
        .where(col(CoachLink.group_chat_id) == old_chat_id)
        .values(group_chat_id=new_chat_id)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
