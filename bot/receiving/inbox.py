"""Long polling that loses nothing at a crash: updates kept until handled.

``getUpdates`` confirms a batch when the next call asks for the following offset, and
python-telegram-bot makes that call as soon as the batch is queued, while its updates are
still being handled. A process killed then (SIGKILL, the OOM killer, a power cut) loses them:
Telegram has forgotten them and the bot never handled them. The 200-athlete, 28-day soak on
PostgreSQL showed it once in 12,000 check-ins: an athlete's answer lost at a kill, the
reminder's re-ask lost to a timed-out send, and the check-in recorded missed although the
athlete had answered.

:class:`PolledInbox` keeps each polled update (its JSON) in ``polled_updates`` before
:class:`~bot.receiving.updates.TolerantBot` hands the batch over (so before it can be
confirmed), and forgets it once handled (:class:`~bot.handlers.ordering.PerUserUpdateProcessor`).
At the next start, what is left is handled first. A copy of an update that was handled but
not yet forgotten is skipped by the update ledger (on PostgreSQL; on SQLite it is handled
again, which the handlers make harmless where it matters). The webhook needs none of this:
it acknowledges an update only once handled (:mod:`bot.receiving.webhook`).

The rows hold what athletes sent (health data) for the moments between fetching and
handling; a failure to keep them is logged and polling goes on (as before this existed).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.storage._dialect import insert_for, table_of
from bot.storage.engine import Store
from bot.storage.models import PolledUpdate

__all__ = ["PolledInbox"]

log = logging.getLogger(__name__)

_TABLE = table_of(PolledUpdate)


class PolledInbox:
    """The ``polled_updates`` table: keep, forget, and what is left after a crash."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def keep(self, raws: Sequence[dict[str, Any]]) -> None:
        """Store ``raws`` (updates as Telegram sent them) before they can be confirmed."""
        if not raws:
            return
        now = datetime.now(UTC)
        rows = [{"update_id": raw["update_id"], "body": raw, "received_at": now} for raw in raws]
        try:
            async with self._store.transaction() as session:
                insert = insert_for(session, _TABLE).on_conflict_do_nothing(
                    index_elements=["update_id"]
                )
                await session.execute(insert, rows)
        except Exception as exc:
            log.warning("could not keep polled updates (%s): going on", type(exc).__name__)

    async def forget(self, update_id: int) -> None:
        """``update_id`` was handled: nothing to do for it after a crash."""
        try:
            async with self._store.transaction() as session:
                await session.execute(_TABLE.delete().where(_TABLE.c.update_id == update_id))
        except Exception as exc:
            log.warning("could not forget polled update %s (%s)", update_id, type(exc).__name__)

    async def left_over(self) -> list[dict[str, Any]]:
        """Updates kept and never handled (a crash), oldest first."""
        async with self._store.transaction() as session:
            rows = await session.execute(sa.select(_TABLE.c.body).order_by(_TABLE.c.update_id))
            return [dict(body) for (body,) in rows]

    async def clear(self) -> None:
        """Drop everything kept (``--drop-pending-updates``)."""
        async with self._store.transaction() as session:
            await session.execute(_TABLE.delete())
