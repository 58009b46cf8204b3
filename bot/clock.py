"""The clock: the only place the bot reads "now".

Every component that needs the current instant receives a :class:`Clock`; production wiring
passes :class:`SystemClock`, tests and ``remodel chat``'s time travel pass :class:`ManualClock`.
Instants are always timezone-aware UTC ``datetime`` objects; local dates and times are derived
at the edge from the athlete's IANA zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock", "ensure_utc"]


def ensure_utc(instant: datetime) -> datetime:
    """Return ``instant`` converted to UTC; raise ``ValueError`` for a naive datetime.

    A naive datetime has no defined instant, so accepting one would silently pick the host's
    zone. We refuse instead.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: instants must be timezone-aware")
    return instant.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock of the host."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, simulations, ``remodel chat``).

    It never goes backwards unless :meth:`set` is called with an earlier instant on purpose.
    """

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        """The instant last set, in UTC."""
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (must be timezone-aware)."""
        self._now = ensure_utc(instant)

    def advance(self, delta: timedelta | None = None, /, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; return the new instant."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("ManualClock.advance() takes a non-negative step; use set()")
        self._now = self._now + step
        return self._now
