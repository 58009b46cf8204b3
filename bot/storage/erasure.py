"""Erasure: remove every row of an athlete (``/delete``), leaving no orphan.

The tables come from :mod:`bot.storage.ownership`, children before parents, so nothing
depends on the database's ``ON DELETE CASCADE`` (it is there as well) and a table added
later is covered. Run it in one transaction, under the athlete's lock: the ticker and the
athlete's own updates take the same lock, so none of them can touch the athlete midway.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Athlete
from bot.storage.ownership import owned_tables, owner_predicate, telegram_id_columns

__all__ = ["erase_athlete"]


async def erase_athlete(session: AsyncSession, athlete_id: int) -> dict[str, int]:
    """Delete every row belonging to ``athlete_id`` and clear their Telegram ids wherever
    else they appear; rows deleted (or cleared) per table. ``{}`` if there is no such athlete.
    """
    athlete = await session.get(Athlete, athlete_id)
    if athlete is None:
        return {}
    telegram_ids = {athlete.telegram_user_id, athlete.chat_id}
    counts: dict[str, int] = {}
    for table in reversed(owned_tables()):
        result = await session.execute(table.delete().where(owner_predicate(table, athlete_id)))
        counts[table.name] = int(result.rowcount)  # type: ignore[attr-defined]
    for found in telegram_id_columns():
        matching = found.column.in_(sorted(telegram_ids))
        statement: sa.Executable = (
            found.table.update().where(matching).values({found.column.name: None})
            if found.column.nullable
            else found.table.delete().where(matching)
        )
        result = await session.execute(statement)
        if result.rowcount:  # type: ignore[attr-defined]
            counts[found.table.name] = counts.get(found.table.name, 0) + int(result.rowcount)  # type: ignore[attr-defined]
    session.expunge(athlete)
    return counts
