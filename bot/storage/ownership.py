"""Which rows belong to an athlete, worked out from the schema itself.

Export (``bot.storage.export``) and erasure (``bot.storage.erasure``) both ask this module,
so a table someone adds later is exported and erased without either being touched, as long
as it says whose rows it holds the usual way:

* **owned tables**: a table with a non-nullable foreign key to ``athletes.id`` (or a column
  named ``athlete_id``), or a non-nullable foreign key to another owned table (``coach_posts``
  through ``coach_links``). ``athletes`` itself is owned by its primary key. A nullable foreign
  key is a reference, not ownership (``dialogues.checkin_id``): the database's ``ON DELETE``
  handles it.
* **Telegram id columns**: ``BIGINT`` columns named ``*user_id`` or ``*chat_id`` (Telegram ids
  are ``BIGINT`` by the models' convention) in any table, and ``BIGINT`` columns flagged
  ``info={"telegram_id": True}`` under another name (``send_pacing.key``, a chat's flood
  bucket). Once the athlete's own rows are gone, a row that still holds their Telegram id
  belongs to someone else (the athlete acting as another athlete's clinician), so the id is
  cleared, not the row (the row is deleted only when the column cannot be ``NULL``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from bot.storage.models import metadata

__all__ = [
    "ATHLETES",
    "TelegramIdColumn",
    "owned_tables",
    "owner_predicate",
    "telegram_id_columns",
]

ATHLETES = "athletes"
_TELEGRAM_SUFFIXES = ("user_id", "chat_id")


def _owning_keys(table: sa.Table) -> Iterator[tuple[sa.Column[object], sa.Table | None]]:
    """``(column, parent)`` for each column that makes ``table`` belong to a parent row;
    ``parent`` is ``None`` for a bare ``athlete_id`` column without a foreign key."""
    for column in table.columns:
        keys = list(column.foreign_keys)
        if keys:
            if column.nullable:
                continue
            for key in keys:
                yield column, key.column.table
        elif column.name == "athlete_id":
            yield column, None


def owned_tables() -> list[sa.Table]:
    """Tables holding rows that belong to an athlete, parents before children."""
    owned: set[str] = {ATHLETES}
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            if table.name in owned:
                continue
            for _, parent in _owning_keys(table):
                if parent is None or parent.name in owned:
                    owned.add(table.name)
                    changed = True
                    break
    return [t for t in metadata.sorted_tables if t.name in owned]


def owner_predicate(table: sa.Table, athlete_id: int) -> sa.ColumnElement[bool]:
    """A ``WHERE`` clause selecting the rows of ``table`` that belong to ``athlete_id``."""
    if table.name == ATHLETES:
        return table.c.id == athlete_id
    owned = {t.name for t in owned_tables()}
    clauses: list[sa.ColumnElement[bool]] = []
    for column, parent in _owning_keys(table):
        if parent is None or parent.name == ATHLETES:
            clauses.append(column == athlete_id)
        elif parent.name in owned:
            (key,) = [k for k in column.foreign_keys if k.column.table is parent]
            parent_rows = sa.select(key.column).where(owner_predicate(parent, athlete_id))
            clauses.append(column.in_(parent_rows.scalar_subquery()))
    if not clauses:
        raise ValueError(f"table {table.name} does not belong to athletes")
    return sa.or_(*clauses)


@dataclass(frozen=True, slots=True)
class TelegramIdColumn:
    """A column that may hold a Telegram user or chat id."""

    table: sa.Table
    column: sa.Column[object]


def telegram_id_columns() -> list[TelegramIdColumn]:
    """Every Telegram id column of the schema (see the module docstring)."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            named = column.name.endswith(_TELEGRAM_SUFFIXES) or column.info.get("telegram_id")
            if isinstance(column.type, sa.BigInteger) and named:
                found.append(TelegramIdColumn(table, column))
    return found
