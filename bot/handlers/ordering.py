"""Updates of one athlete in order, different athletes concurrently.

PTB's default processor runs updates one at a time; ``concurrent_updates(True)`` runs them
all at once with no order. :class:`PerUserUpdateProcessor` sits between: every update is
processed under the lock of its sender (the same per-athlete lock registry the ticker takes,
keyed by Telegram user id), so one athlete's presses and messages apply in arrival order
while other athletes proceed in parallel. ``asyncio.Lock`` wakes waiters first-in first-out,
and PTB starts the processing tasks in arrival order.

Under the lock, the :class:`~bot.receiving.ledger.UpdateLedger` gives each update one turn:
a copy Telegram delivers again (a slow webhook answer, a poller that died) is acknowledged
without being handled twice, on this worker or another one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.metrics import UPDATE_SECONDS, UPDATES
from bot.receiving.inbox import PolledInbox
from bot.receiving.ledger import UpdateLedger
from bot.scheduling.locks import AthleteLocks
from bot.update_timing import mark, timed_update


def update_key(update: object) -> int | None:
    """The Telegram user an update comes from (``None`` for updates without one)."""
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Serialise updates per sender, run senders concurrently."""

    def __init__(
        self,
        locks: AthleteLocks,
        max_concurrent_updates: int = 256,
        *,
        ledger: UpdateLedger | None = None,
        slow_update: float = 0.0,
    ) -> None:
        """``slow_update``: an update taking that many seconds or more is logged with its
        marks (bot/update_timing.py); 0 never."""
        super().__init__(max_concurrent_updates)
        self._locks = locks
        self._ledger = ledger
        self._slow_update = slow_update
        #: Set for long polling: a handled update is forgotten there (bot/receiving/inbox.py).
        self.inbox: PolledInbox | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self._process(update, coroutine)
        if self.inbox is not None and isinstance(update, Update):
            await self.inbox.forget(update.update_id)

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        UPDATES.inc()
        key = update_key(update)
        with UPDATE_SECONDS.time(), timed_update(update, self._slow_update):
            if key is None:
                await coroutine
                return
            async with self._locks.for_user(key):
                mark("locked")
                if self._ledger is None or not isinstance(update, Update):
                    await coroutine
                    return
                async with self._ledger.turn(update.update_id, key) as fresh:
                    mark("turn")
                    if fresh:
                        await coroutine
                        mark("handled")
                        return
                # A copy of an update handled already: acknowledged, not handled again.
                if isinstance(coroutine, Coroutine):
                    coroutine.close()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
