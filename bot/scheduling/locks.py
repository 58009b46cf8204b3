"""Per-athlete locks shared by update handlers and the ticker.

Keyed by Telegram user id (known before the athlete row exists, on the very first update).
An entry lives only while someone holds or waits for its lock, so memory is bounded by the
number of athletes being processed at this moment, not by the number of athletes.

Two levels, one order (docs/architecture.md, "Order per athlete"):

* in this process, an ``asyncio.Lock`` per user: the fast path, and all there is on SQLite;
* across processes (PostgreSQL), holding the lock also enters the storage's
  :func:`~bot.storage.engine.athlete_scope`, so every transaction the holder opens takes
  ``pg_advisory_xact_lock(user id)`` first. Another worker handling the same athlete at the
  same moment waits for the commit, then reads what was committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.storage.engine import athlete_scope

__all__ = ["AthleteLocks"]


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class AthleteLocks:
    """A registry of ``asyncio.Lock`` per Telegram user id, with refcounted entries.

    ``asyncio.Lock`` wakes waiters first-in first-out, so holders get the lock in the order they
    asked for it. Not reentrant: do not take the same user's lock twice in one task.
    """

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}

    @asynccontextmanager
    async def for_user(self, telegram_user_id: int) -> AsyncIterator[None]:
        """Hold the lock of ``telegram_user_id`` for the duration of the ``async with``."""
        entry = self._entries.get(telegram_user_id)
        if entry is None:
            entry = self._entries[telegram_user_id] = _Entry()
        entry.users += 1
        try:
            async with entry.lock:
                with athlete_scope(telegram_user_id):
                    yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[telegram_user_id]

    def locked(self, telegram_user_id: int) -> bool:
        """Whether someone holds the lock of ``telegram_user_id`` right now."""
        entry = self._entries.get(telegram_user_id)
        return entry is not None and entry.lock.locked()

    def __len__(self) -> int:
        """How many users have an entry (holders and waiters)."""
        return len(self._entries)
