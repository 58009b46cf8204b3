"""Dialect helpers shared by the repository modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table: Any) -> Any:
    """A dialect-specific ``INSERT`` (it has ``on_conflict_do_nothing`` on both backends)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {name!r}")


def table_of(model: type[Any]) -> Table:
    """The ``Table`` behind a sqlmodel table class (typed; sqlmodel hides ``__table__``)."""
    table: Table = model.__table__
    return table
