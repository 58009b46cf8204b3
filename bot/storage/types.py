"""Column types that keep Python values honest on every backend.

* :class:`UTCDateTime` stores instants. PostgreSQL keeps them in ``timestamptz``; SQLite has no
  time zone support and would hand back naive datetimes, so we store UTC there and re-attach
  ``UTC`` when reading. Naive datetimes are refused on the way in.
* :class:`StrEnumType` stores a ``StrEnum`` as its plain string value (no native ENUM type, so
  adding a member never needs a migration) and returns the enum member when reading.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = ["JSONDict", "StrEnumType", "UTCDateTime"]

#: JSON column (json on PostgreSQL, text on SQLite). Values are replaced, never mutated in
#: place: SQLAlchemy does not track in-place changes to a dict.
JSONDict = sa.JSON


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC instant on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored: instants must be aware")
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite stores text; a fixed UTC form keeps string comparison == time comparison.
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumType(sa.types.TypeDecorator[StrEnum]):
    """A ``StrEnum`` stored as ``VARCHAR(length)``."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum], length: int = 16) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_cls(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        if value is None:
            return None
        return self.enum_cls(value)
