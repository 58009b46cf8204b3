"""Which worker runs the ticker: a leader elected through PostgreSQL.

Several ``remodel run`` workers may share one database; the ticker's 07:00 crowd must be sent
by one of them (one place that owns the crowd, so sends are not split and re-ordered across
processes, and one log to read). :class:`TickerLeadership` holds the session-level advisory
lock :data:`TICKER_LOCK_KEY` on a connection of its own:

* before each tick, a worker that holds it checks that its connection is alive (``SELECT 1``),
  and one that does not tries ``pg_try_advisory_lock``; only the holder ticks;
* when the leader dies (even SIGKILL), PostgreSQL ends its session and frees the lock, so
  another worker takes over at its next tick (``[schedule] tick_seconds`` later);
* a leader that loses its connection stops ticking at its next check.

Leadership decides who does the work, not correctness: two tickers overlapping for a moment
(a leader cut off from the database, not yet aware) still never send a check-in twice, since
rows are claimed with ``FOR UPDATE SKIP LOCKED`` and flipped to ``sending``.

On SQLite there is one process: it is always the leader.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.engine import discard_connection

__all__ = ["TICKER_LOCK_KEY", "TickerLeadership"]

log = logging.getLogger(__name__)

#: The advisory lock key of the ticker's leader (negative: athlete keys are user ids > 0).
TICKER_LOCK_KEY = -0x72656D6F64656C02


class TickerLeadership:
    """Holds (or tries to take) the ticker's leadership for this process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._always = engine.dialect.name != "postgresql"
        #: ``time.monotonic()`` of the last check (the health endpoint's "ticker alive").
        self.checked_at: float | None = None

    @property
    def is_leader(self) -> bool:
        """Whether this process held the leadership at its last check."""
        return self._always or self._connection is not None

    async def check(self) -> bool:
        """Keep or try to take the leadership; whether this process is the leader now."""
        self.checked_at = time.monotonic()
        if self._always:
            return True
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                await self._connection.commit()  # never sit idle in a transaction
                return True
            except Exception as exc:
                log.warning("ticker leadership lost (%s)", type(exc).__name__)
                await self._drop()
                return False
        connection = await self._engine.connect()
        try:
            taken = (
                await connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": TICKER_LOCK_KEY}
                )
            ).scalar_one()
            # Autocommit-like: end the implicit transaction, keep the session (and its lock).
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        log.info("this worker now runs the ticker (leader)")
        return True

    async def release(self) -> None:
        """Give the leadership up (at shutdown), so another worker takes over at once."""
        if self._connection is None:
            return
        try:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": TICKER_LOCK_KEY}
            )
            await self._connection.commit()
        except Exception as exc:  # the session ends below anyway, which frees the lock
            log.info("could not release ticker leadership cleanly (%s)", type(exc).__name__)
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await discard_connection(connection, "leadership")
