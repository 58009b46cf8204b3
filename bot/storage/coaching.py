"""Coach links (one-time invites binding a coach group chat to an athlete) and the coach
posts outbox (daily status, weekly digest, missed-check-in alerts: rows, not jobs)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.clock import ensure_utc
from bot.storage._dialect import insert_for, table_of
from bot.storage.models import CoachLink, CoachPost, CoachPostKind, CoachPostStatus, ShareLevel

__all__ = [
    "claim_coach_posts",
    "create_coach_link",
    "due_coach_links",
    "finish_coach_post",
    "links_for_athlete",
    "links_for_group",
    "live_links_for_athlete",
    "migrate_group_chat",
    "queue_coach_post",
    "queue_missed_alerts",
    "redeem_coach_link",
    "revoke_coach_link",
    "revoke_links",
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
    """Revoke a link (used or not); ``False`` if it was already revoked. Its group hears
    nothing more: the due columns are cleared and unsent posts are dropped."""
    result = await session.execute(
        sa.update(CoachLink)
        .where(col(CoachLink.id) == link_id, col(CoachLink.revoked_at).is_(None))
        .values(revoked_at=ensure_utc(now), next_status_at=None, next_digest_at=None)
        .execution_options(synchronize_session="fetch")
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.execute(
        sa.update(CoachPost)
        .where(
            col(CoachPost.link_id) == link_id,
            col(CoachPost.status) == CoachPostStatus.PENDING,
        )
        .values(status=CoachPostStatus.FAILED)
        .execution_options(synchronize_session="fetch")
    )
    return True


async def revoke_links(
    session: AsyncSession,
    *,
    now: datetime,
    athlete_id: int | None = None,
    group_chat_id: int | None = None,
) -> list[CoachLink]:
    """Revoke every unrevoked link of an athlete (``/coach`` -> stop sharing) or of a group
    (the bot was removed from it); the links that were revoked now (their groups, if any,
    are the ones to leave or to tell)."""
    query = select(CoachLink).where(col(CoachLink.revoked_at).is_(None))
    if athlete_id is not None:
        query = query.where(CoachLink.athlete_id == athlete_id)
    if group_chat_id is not None:
        query = query.where(CoachLink.group_chat_id == group_chat_id)
    revoked = []
    for link in (await session.execute(query.order_by(col(CoachLink.id)))).scalars().all():
        assert link.id is not None
        if await revoke_coach_link(session, link.id, now=now):
            revoked.append(link)
    return revoked


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


async def live_links_for_athlete(session: AsyncSession, athlete_id: int) -> Sequence[CoachLink]:
    """The athlete's links bound to a group and not revoked, oldest first."""
    query = (
        select(CoachLink)
        .where(
            CoachLink.athlete_id == athlete_id,
            col(CoachLink.group_chat_id).is_not(None),
            col(CoachLink.revoked_at).is_(None),
        )
        .order_by(col(CoachLink.id))
    )
    return (await session.execute(query)).scalars().all()


async def due_coach_links(
    session: AsyncSession, now: datetime, limit: int, *, after_id: int = 0
) -> Sequence[CoachLink]:
    """Live links whose daily status or weekly digest is due, by id above ``after_id``
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers split them)."""
    instant = ensure_utc(now)
    query = (
        select(CoachLink)
        .where(
            col(CoachLink.id) > after_id,
            sa.or_(
                col(CoachLink.next_status_at) <= instant,
                col(CoachLink.next_digest_at) <= instant,
            ),
            col(CoachLink.group_chat_id).is_not(None),
            col(CoachLink.revoked_at).is_(None),
        )
        .order_by(col(CoachLink.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalars().all()


async def queue_coach_post(
    session: AsyncSession,
    *,
    link_id: int,
    kind: CoachPostKind,
    local_date: date,
    due_at: datetime,
    payload: dict[str, object] | None = None,
) -> bool:
    """Queue one post; ``False`` if the group already has this kind for this local date
    (``INSERT ... ON CONFLICT DO NOTHING`` on the unique key: once, across restarts)."""
    statement = (
        insert_for(session, table_of(CoachPost))
        .values(
            link_id=link_id,
            kind=kind,
            local_date=local_date,
            status=CoachPostStatus.PENDING,
            due_at=ensure_utc(due_at),
            payload=payload or {},
        )
        .on_conflict_do_nothing(index_elements=["link_id", "kind", "local_date"])
        .returning(table_of(CoachPost).c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def queue_missed_alerts(
    session: AsyncSession,
    *,
    athlete_id: int,
    local_date: date,
    now: datetime,
    slot: str,
) -> int:
    """Queue a missed-check-in alert for each live group of the athlete (at most one per
    group and local date); how many were queued."""
    queued = 0
    for link in await live_links_for_athlete(session, athlete_id):
        assert link.id is not None
        queued += await queue_coach_post(
            session,
            link_id=link.id,
            kind=CoachPostKind.MISSED,
            local_date=local_date,
            due_at=now,
            payload={"slot": slot},
        )
    return queued


async def claim_coach_posts(session: AsyncSession, now: datetime, limit: int) -> list[CoachPost]:
    """Take up to ``limit`` pending posts that are due by flipping them to ``sending``
    (one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)``), oldest first."""
    candidates = (
        sa.select(col(CoachPost.id))
        .where(
            col(CoachPost.status) == CoachPostStatus.PENDING,
            col(CoachPost.due_at) <= ensure_utc(now),
        )
        # Posts queued by one tick share due_at: their local dates keep them in date order.
        .order_by(col(CoachPost.due_at), col(CoachPost.local_date), col(CoachPost.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        sa.update(CoachPost)
        .where(col(CoachPost.id).in_(candidates.scalar_subquery()))
        .values(status=CoachPostStatus.SENDING)
        .returning(col(CoachPost.id))
        .execution_options(synchronize_session=False)
    )
    ids = list((await session.execute(statement)).scalars().all())
    if not ids:
        return []
    query = (
        select(CoachPost)
        .where(col(CoachPost.id).in_(ids))
        .order_by(col(CoachPost.due_at), col(CoachPost.local_date), col(CoachPost.id))
    )
    return list((await session.execute(query)).scalars().all())


async def finish_coach_post(
    session: AsyncSession,
    post_id: int,
    *,
    sent: bool,
    now: datetime,
    status: CoachPostStatus | None = None,
) -> None:
    """``sending -> sent`` (with the instant) or ``-> failed`` (or ``status`` if given)."""
    final = status or (CoachPostStatus.SENT if sent else CoachPostStatus.FAILED)
    await session.execute(
        sa.update(CoachPost)
        .where(col(CoachPost.id) == post_id)
        .values(
            status=final,
            sent_at=ensure_utc(now) if sent else None,
        )
        .execution_options(synchronize_session="fetch")
    )
