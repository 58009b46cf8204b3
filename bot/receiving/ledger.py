"""Each update handled once, however often Telegram delivers it and to whichever worker.

Telegram delivers an update again when its webhook request fails or takes too long, and a
poller re-reads the updates it had not confirmed when it died. With updates acknowledged
only once handled (:mod:`bot.receiving.webhook`), a worker that is merely slow (a crowd, a
hung send) sees its update delivered a second time while it is still handling the first,
often to another worker behind the load balancer, and the athlete got every reply twice
(bench/multiworker.py, 200 athletes: 85 chats of 201 with copies).

:class:`UpdateLedger` gives each update one turn:

* **in this process**, the ids handled lately (a bounded memory). The caller holds the
  athlete's in-process lock, so a copy that arrives while the original is being handled
  waits for it, then finds its id here;
* **across workers** (PostgreSQL), the turn is a session-level advisory lock of the athlete
  on a connection of the ledger's own, and the ``handled_updates`` table records the ids
  handled. A copy on another worker waits for the lock, then finds its id and is
  acknowledged without being handled. The lock is the athlete's, not the update's, so the
  other updates of that athlete wait too: one athlete's updates never overlap across workers.
  A worker that dies mid-update loses its session, PostgreSQL frees the lock, and since the
  id was never recorded, the copy is handled: at least once, never lost.

The session lock uses the two-key form ``(namespace, folded user id)``, a key space apart
from the transaction locks ``pg_advisory_xact_lock(user id)`` that the handler's own
transactions take (:mod:`bot.storage.engine`): the two never wait for each other. Two users
whose ids fold alike merely take turns.

If the database cannot be reached for the ledger, the update is handled anyway (logged):
a copy is a lesser harm than a lost answer. SQLite runs one process, so the memory is all it
needs; a copy delivered after a restart is then handled again, as before (the handlers make
that harmless where it matters: an answer already recorded is refused as such).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.metrics import REDELIVERED
from bot.storage.engine import discard_connection

__all__ = ["LEDGER_NAMESPACE", "UpdateLedger", "folded_key"]

log = logging.getLogger(__name__)

#: The first key of the ledger's advisory locks ("RLE1"), apart from every other lock of ours.
LEDGER_NAMESPACE = 0x524C4531

#: How long a copy waits for the athlete's turn before it is handled anyway (a worker stuck
#: that long is not going to finish the original in time to matter).
WAIT_LIMIT_SECONDS = 120.0

#: Ids remembered in memory, and how long the table keeps them (Telegram gives up on an
#: update long before).
REMEMBERED = 8192
KEPT = "2 days"

_TRY = text(
    "SELECT pg_try_advisory_lock(:ns, :key), "
    "EXISTS (SELECT 1 FROM handled_updates WHERE update_id = :update)"
)
_UNLOCK = text("SELECT pg_advisory_unlock(:ns, :key)")
_RECORD = text(
    "INSERT INTO handled_updates (update_id, handled_at) VALUES (:update, now()) "
    "ON CONFLICT (update_id) DO NOTHING"
)
_PRUNE = text(f"DELETE FROM handled_updates WHERE handled_at < now() - interval '{KEPT}'")


def folded_key(telegram_user_id: int) -> int:
    """``telegram_user_id`` folded into a signed 32-bit int (the advisory lock's 2nd key)."""
    folded = (telegram_user_id ^ (telegram_user_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


def _params(telegram_user_id: int, update_id: int | None) -> dict[str, int | None]:
    """The bind parameters of the ledger's statements for this athlete and update."""
    return {"ns": LEDGER_NAMESPACE, "key": folded_key(telegram_user_id), "update": update_id}


class UpdateLedger:
    """One turn per update; see the module docstring."""

    def __init__(self, engine: AsyncEngine, *, remembered: int = REMEMBERED) -> None:
        self._engine = engine
        self._shared = engine.dialect.name == "postgresql"
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._remembered = remembered
        self._connection: AsyncConnection | None = None
        self._generation = 0  # bumped when the connection (and the locks it held) is lost
        self._io = asyncio.Lock()  # one statement at a time on the shared connection
        self._pruned_at = 0.0

    @asynccontextmanager
    async def turn(self, update_id: int, telegram_user_id: int) -> AsyncIterator[bool]:
        """Hold the athlete's turn; yield whether ``update_id`` is to be handled (``False``:
        it was handled already, acknowledge it). Leaving the block normally records the
        update as handled; leaving it by an exception (a cancelled shutdown) does not, so a
        copy delivered later is handled. Call under the athlete's in-process lock."""
        if update_id in self._recent:
            REDELIVERED.inc()
            yield False
            return
        held = await self._acquire(update_id, telegram_user_id) if self._shared else None
        if held is not None and held[1]:
            await self._release(held[0], telegram_user_id, None)
            self._remember(update_id)
            REDELIVERED.inc()
            yield False
            return
        handled = False
        try:
            yield True
            handled = True
        finally:
            if handled:
                self._remember(update_id)
            if held is not None:
                await self._release(held[0], telegram_user_id, update_id if handled else None)

    def _remember(self, update_id: int) -> None:
        self._recent[update_id] = None
        if len(self._recent) > self._remembered:
            self._recent.popitem(last=False)

    async def _acquire(self, update_id: int, telegram_user_id: int) -> tuple[int, bool] | None:
        """Wait for the athlete's turn: ``(generation, handled already)``, or ``None`` when
        the ledger cannot help (database unreachable, or the wait went on too long)."""
        params = _params(telegram_user_id, update_id)
        pause, waited = 0.005, 0.0
        while True:
            async with self._io:
                try:
                    connection = await self._connect()
                    got, done = (await connection.execute(_TRY, params)).one()
                except Exception as exc:
                    await self._lost(exc)
                    return None
                generation = self._generation
            if got:
                return generation, bool(done)
            if waited >= WAIT_LIMIT_SECONDS:
                log.warning(
                    "update %s waited %.0f s for its athlete's turn: handled anyway",
                    update_id,
                    waited,
                )
                return None
            await asyncio.sleep(pause)
            waited += pause
            pause = min(pause * 2, 0.2)

    async def _release(self, generation: int, telegram_user_id: int, handled: int | None) -> None:
        """Give the turn back, after recording ``handled`` (an update id) if given."""
        params = _params(telegram_user_id, handled)
        async with self._io:
            try:
                if generation != self._generation or self._connection is None:
                    # The session that held the lock is gone, and the lock with it; record
                    # the id on a fresh connection (no lock of ours to give back).
                    if handled is not None:
                        await (await self._connect()).execute(_RECORD, params)
                    return
                connection = self._connection
                if handled is not None:
                    # Committed (autocommit) before the lock goes: an unlock inside the same
                    # statement takes effect at once, and a copy waiting on another worker
                    # would read the table before the insert is visible.
                    await connection.execute(_RECORD, params)
                await connection.execute(_UNLOCK, params)
                if handled is not None and time.monotonic() - self._pruned_at > 3600:
                    self._pruned_at = time.monotonic()
                    await connection.execute(_PRUNE)
            except Exception as exc:
                await self._lost(exc)

    async def _connect(self) -> AsyncConnection:
        """The ledger's own connection (call under ``_io``); autocommit, never pooled back
        while it may hold locks."""
        if self._connection is None:
            connection = await self._engine.connect()
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            self._connection = connection
        return self._connection

    async def _lost(self, exc: BaseException) -> None:
        """The connection failed (call under ``_io``): drop it (its locks go with its
        session) and go on without."""
        log.warning("update ledger unavailable (%s): handling without it", type(exc).__name__)
        await self._drop()

    async def close(self) -> None:
        """Close the ledger's connection (at shutdown; its locks are freed with it)."""
        async with self._io:
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        self._generation += 1
        if connection is not None:
            await discard_connection(connection, "update ledger")
