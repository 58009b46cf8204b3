"""A check that an athlete left no trace, independent of how erasure finds their rows.

It walks every table of the schema's metadata and every column, so tables added later are
covered without touching it:

* a column that refers to ``athletes.id`` (a foreign key, or a column named ``athlete_id``)
  must not hold the athlete's id;
* an integer column must not hold their Telegram user or chat id;
* a text or JSON column must not mention their Telegram user id.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import metadata


def _refers_to_athletes(column: sa.Column[Any]) -> bool:
    return column.name == "athlete_id" or any(
        key.column.table.name == "athletes" for key in column.foreign_keys
    )


async def traces(session: AsyncSession, *, athlete_id: int, telegram_ids: set[int]) -> list[str]:
    """Where the athlete still appears: ``table.column = value`` lines (empty: no trace)."""
    found: list[str] = []
    words = {str(i) for i in telegram_ids}
    for table in metadata.sorted_tables:
        rows = (await session.execute(table.select())).mappings().all()
        for row in rows:
            for column in table.columns:
                value = row[column.name]
                if value is None:
                    continue
                where = f"{table.name}.{column.name} = {value!r}"
                if _refers_to_athletes(column) and value == athlete_id:
                    found.append(where)
                elif isinstance(value, int) and not isinstance(value, bool):
                    if value in telegram_ids:
                        found.append(where)
                elif isinstance(value, str | dict | list):
                    text = value if isinstance(value, str) else json.dumps(value)
                    if any(word in text for word in words):
                        found.append(where)
    return found


async def row_counts(session: AsyncSession) -> dict[str, int]:
    """Rows per table of the metadata."""
    counts = {}
    for table in metadata.sorted_tables:
        counts[table.name] = (
            await session.execute(sa.select(sa.func.count()).select_from(table))
        ).scalar_one()
    return counts
