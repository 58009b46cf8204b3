"""Group commit: small writes from concurrent tasks share one transaction.

Every question the bot puts on screen is followed by one tiny write (which message shows
it). Under load, hundreds of those arrive per second from different athletes, and giving each
its own transaction costs more than the write itself: on SQLite, one writer at a time and a
``BEGIN IMMEDIATE`` ... ``COMMIT`` round trip through the driver thread each. A
:class:`GroupCommit` queues them instead: one flusher task writes everything queued so far in
one transaction, and while it does, the next batch gathers.

The contract for a caller is unchanged from a transaction of its own: :meth:`GroupCommit.submit`
returns once the transaction holding its item has committed, and raises if it failed. An idle
system writes an item at once (a batch of one); batching only appears when writes queue up.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.engine import Store

__all__ = ["GroupCommit"]

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Queue items of one kind and write them in shared transactions with ``write``.

    ``write(session, items)`` receives every item queued since the last batch, in submission
    order, inside a :meth:`Store.transaction`; it must not commit.
    """

    def __init__(
        self, store: Store, write: Callable[[AsyncSession, list[T]], Awaitable[None]]
    ) -> None:
        self._store = store
        self._write = write
        self._queue: list[tuple[T, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        """Write ``item``; return when its transaction has committed.

        A caller cancelled while waiting does not withdraw its item: the write goes ahead."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.append((item, done))
        if self._flusher is None:
            # A fresh context: the flusher writes items of many athletes, so it must not
            # inherit the first submitter's athlete scope (and its transaction lock).
            self._flusher = loop.create_task(
                self._flush(), name="group-commit", context=contextvars.Context()
            )
        await done

    async def _flush(self) -> None:
        batch: list[tuple[T, asyncio.Future[None]]] = []
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    async with self._store.transaction() as session:
                        await self._write(session, [item for item, _ in batch])
                except Exception as error:  # every waiter of this batch gets the failure
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(error)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
        except BaseException:
            # Cancelled (shutdown): nobody may wait forever on a write that will not happen.
            for _, done in [*batch, *self._queue]:
                done.cancel()
            self._queue = []
            raise
        finally:
            self._flusher = None
