"""Export: every row of an athlete, as plain JSON-able values (``/export``).

The tables come from :mod:`bot.storage.ownership`, so a table added later is exported too.
Secrets are left out: invite tokens (``coach_links.token``) and token hashes
(``clinician_links.token_hash``) would let whoever reads the file redeem or recognise a link,
and tell the athlete nothing. Columns and their meaning: docs/data-export.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.ownership import owned_tables, owner_predicate

__all__ = ["SECRET_COLUMNS", "AthleteData", "collect_athlete_data", "plain"]

#: ``(table, column)`` pairs never exported.
SECRET_COLUMNS = frozenset({("coach_links", "token"), ("clinician_links", "token_hash")})


def plain(value: Any) -> Any:
    """A database value as JSON: instants and dates in ISO 8601, enums by value."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


@dataclass
class AthleteData:
    """The athlete's rows, table by table, in column order (secrets left out)."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


async def collect_athlete_data(session: AsyncSession, athlete_id: int) -> AthleteData:
    """Read every row belonging to ``athlete_id`` (tables in schema order, rows by key)."""
    data = AthleteData()
    for table in owned_tables():
        names = [c.name for c in table.columns if (table.name, c.name) not in SECRET_COLUMNS]
        query = (
            table.select()
            .with_only_columns(*(table.c[n] for n in names))
            .where(owner_predicate(table, athlete_id))
            .order_by(*table.primary_key.columns)
        )
        result = await session.execute(query)
        data.columns[table.name] = names
        data.rows[table.name] = [
            {name: plain(value) for name, value in row._mapping.items()} for row in result
        ]
    return data
