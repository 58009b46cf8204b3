"""Clinician links: the athlete's one-time, expiring invite for their physio or doctor, and
the link it becomes once the clinician opens it in a private chat with the bot.

Only the SHA-256 of an invite token is stored. Redemption is one conditional ``UPDATE``
(unused, not revoked, not expired), so of two people racing on one token exactly one wins.
A clinician may be linked to several athletes (one row per athlete); every action names the
athlete and is checked against the row of the clinician who pressed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.clock import ensure_utc
from bot.storage.models import Athlete, ClinicianLink

__all__ = [
    "TOKEN_BYTES",
    "RedeemRefusal",
    "Redemption",
    "clinician_links_of",
    "create_clinician_link",
    "hash_token",
    "links_of_clinician",
    "live_clinician_links",
    "looks_like_token",
    "redeem_clinician_link",
    "revoke_clinician_link",
]

#: Random bytes in an invite token: 192 bits, 32 URL-safe characters (a ``?start=`` payload
#: may hold 64 characters of ``A-Za-z0-9_-``).
TOKEN_BYTES = 24


#: What an invite token looks like (``secrets.token_urlsafe(TOKEN_BYTES)``).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")


def looks_like_token(text: str) -> bool:
    """Whether ``text`` has the shape of an invite token (a ``?start=`` payload of another
    kind, e.g. a campaign tag, does not)."""
    return TOKEN_PATTERN.fullmatch(text) is not None


def hash_token(token: str) -> str:
    """The stored form of an invite token (hex SHA-256). A token of 192 random bits needs no
    salt or slow hash: it cannot be guessed, only stolen, and the hash is useless to a thief."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class RedeemRefusal(StrEnum):
    """Why an invite could not be redeemed (each has its own message)."""

    UNKNOWN = "unknown"  # no such token (mistyped, forged, or erased with the athlete)
    USED = "used"  # opened before (by this clinician or someone else)
    EXPIRED = "expired"  # not opened in time
    REVOKED = "revoked"  # the athlete replaced or cancelled it
    SELF = "self"  # the athlete opened their own link


@dataclass(frozen=True, slots=True)
class Redemption:
    """The outcome of :func:`redeem_clinician_link`: the link, or why not."""

    link: ClinicianLink | None
    refusal: RedeemRefusal | None = None
    #: Live links of the same clinician and athlete that this one replaced.
    replaced: tuple[int, ...] = ()


async def create_clinician_link(
    session: AsyncSession, *, athlete_id: int, now: datetime, valid_for: timedelta
) -> tuple[ClinicianLink, str]:
    """A new invite and its token (shown once, never stored). Earlier unused invites of the
    athlete are revoked: one invite is outstanding at a time."""
    now = ensure_utc(now)
    await session.execute(
        sa.update(ClinicianLink)
        .where(
            col(ClinicianLink.athlete_id) == athlete_id,
            col(ClinicianLink.used_at).is_(None),
            col(ClinicianLink.revoked_at).is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ClinicianLink(
        athlete_id=athlete_id,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(link)
    await session.flush()
    return link, token


async def redeem_clinician_link(
    session: AsyncSession,
    *,
    token: str,
    clinician_user_id: int,
    clinician_chat_id: int,
    clinician_name: str,
    now: datetime,
) -> Redemption:
    """Bind the invite ``token`` to the clinician, once, before it expires. An athlete
    opening their own link is refused (they cannot be their own clinician). A live link of
    the same clinician and athlete is replaced (revoked) by the new one."""
    now = ensure_utc(now)
    digest = hash_token(token)
    row = (
        await session.execute(select(ClinicianLink).where(ClinicianLink.token_hash == digest))
    ).scalar_one_or_none()
    if row is None:
        return Redemption(None, RedeemRefusal.UNKNOWN)
    athlete = await session.get(Athlete, row.athlete_id)
    if athlete is not None and athlete.telegram_user_id == clinician_user_id:
        return Redemption(None, RedeemRefusal.SELF)
    result = await session.execute(
        sa.update(ClinicianLink)
        .where(
            col(ClinicianLink.token_hash) == digest,
            col(ClinicianLink.used_at).is_(None),
            col(ClinicianLink.revoked_at).is_(None),
            col(ClinicianLink.expires_at) > now,
        )
        .values(
            used_at=now,
            clinician_user_id=clinician_user_id,
            clinician_chat_id=clinician_chat_id,
            clinician_name=clinician_name[:128],
        )
        .execution_options(synchronize_session="fetch")
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        await session.refresh(row)
        if row.used_at is not None:
            return Redemption(None, RedeemRefusal.USED)
        if row.revoked_at is not None:
            return Redemption(None, RedeemRefusal.REVOKED)
        return Redemption(None, RedeemRefusal.EXPIRED)
    await session.refresh(row)
    replaced = []
    for older in await live_clinician_links(session, row.athlete_id):
        if older.id != row.id and older.clinician_user_id == clinician_user_id:
            assert older.id is not None
            await revoke_clinician_link(session, older.id, now=now)
            replaced.append(older.id)
    return Redemption(row, None, tuple(replaced))


async def revoke_clinician_link(session: AsyncSession, link_id: int, *, now: datetime) -> bool:
    """Unlink (or cancel an unused invite); ``False`` if it was already revoked."""
    result = await session.execute(
        sa.update(ClinicianLink)
        .where(col(ClinicianLink.id) == link_id, col(ClinicianLink.revoked_at).is_(None))
        .values(revoked_at=ensure_utc(now))
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def clinician_links_of(session: AsyncSession, athlete_id: int) -> Sequence[ClinicianLink]:
    """Every clinician link and invite of the athlete, oldest first."""
    query = (
        select(ClinicianLink)
        .where(ClinicianLink.athlete_id == athlete_id)
        .order_by(col(ClinicianLink.id))
    )
    return (await session.execute(query)).scalars().all()


async def live_clinician_links(session: AsyncSession, athlete_id: int) -> Sequence[ClinicianLink]:
    """The athlete's linked clinicians (bound, not revoked), oldest first."""
    query = (
        select(ClinicianLink)
        .where(
            ClinicianLink.athlete_id == athlete_id,
            col(ClinicianLink.clinician_user_id).is_not(None),
            col(ClinicianLink.revoked_at).is_(None),
        )
        .order_by(col(ClinicianLink.id))
    )
    return (await session.execute(query)).scalars().all()


async def links_of_clinician(
    session: AsyncSession, clinician_user_id: int
) -> Sequence[ClinicianLink]:
    """The live links of a clinician (one per athlete they follow), oldest first."""
    query = (
        select(ClinicianLink)
        .where(
            ClinicianLink.clinician_user_id == clinician_user_id,
            col(ClinicianLink.revoked_at).is_(None),
        )
        .order_by(col(ClinicianLink.id))
    )
    return (await session.execute(query)).scalars().all()
