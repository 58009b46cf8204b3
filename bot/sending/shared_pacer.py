"""One send budget for several workers: the pacer's buckets in PostgreSQL.

Each ``remodel run`` process used to pace itself at Telegram's ~30 messages/s, so N workers
could send N x 30/s and earn 429s. :class:`SharedPacer` keeps the same GCRA buckets as
:class:`~bot.sending.pacer.FloodPacer` (global, per chat, per group) in the ``send_pacing``
table, and reserves a slot with one call of the ``remodel_pace`` SQL function (migrations
0005, 0009, 0013): one round trip per send, atomic under the bucket rows' locks, on the
database's clock (so the workers' clocks need not agree). The total rate then holds however
many workers run, whoever sends: the ticker of the leader, or a worker replying to an
athlete's tap.

Why the database and not a leader that sends everything: replies to an athlete's own taps go
out from the worker that took the tap, at once (one extra round trip of well under a
millisecond on a LAN), and a crashed worker holds no budget (a slot is a timestamp, not a
lease). Why not split the rate N ways: a 07:00 crowd is sent by one worker (the ticker's
leader) and must get the whole rate.

If the database cannot be reached for a reservation, the send is paced by the in-process
pacer at the full rate (logged): a degraded database must not stop replies, and a worker cut
off from the database sends little anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import SendingSettings
from bot.sending.pacer import BACKGROUND, FloodPacer

__all__ = ["CALLS_KEY", "HOLD_OFFSET", "SharedPacer", "hold_key", "shared_pacer_for"]

log = logging.getLogger(__name__)

_PACE = text(
    "SELECT remodel_pace(:chat, :hold, :chat_interval, :chat_tolerance, :global_interval, "
    ":global_key, :global_tolerance, :global_spare)"
)
_HOLD = text(
    "INSERT INTO send_pacing AS p (key, tat) "
    "VALUES (:chat, extract(epoch FROM clock_timestamp()) + :until), "
    "(:hold, extract(epoch FROM clock_timestamp()) + :seconds) "
    "ON CONFLICT (key) DO UPDATE SET tat = greatest(p.tat, excluded.tat)"
)

#: Holds (after a RetryAfter) live beside the buckets under the chat id + 2^60: chat ids stay
#: within +-2^53, so the two key ranges never meet.
HOLD_OFFSET = 1 << 60


def hold_key(chat_id: int) -> int:
    """The ``send_pacing`` key of ``chat_id``'s RetryAfter hold."""
    return chat_id + HOLD_OFFSET


#: The global bucket of calls that are not messages (edits, deletions...); messages
#: use key 0. Below every chat id and hold key.
CALLS_KEY = -(1 << 61)


class SharedPacer:
    """A :class:`~bot.sending.pacer.Pacer` whose buckets live in PostgreSQL."""

    def __init__(self, engine: AsyncEngine, settings: SendingSettings | None = None) -> None:
        s = settings or SendingSettings()
        # One statement per reservation, committed by itself: in autocommit a reservation is
        # one round trip instead of three (BEGIN, the call, COMMIT), and it sits on the path of
        # every reply. The function's row locks last for that statement, which is all the
        # atomicity a reservation needs. The copy shares the pool; the isolation level is
        # reset when a connection goes back to it.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._global_interval = 1.0 / s.global_rate
        self._global_tolerance = s.global_tolerance
        # A background send goes only from a full global bucket: the rest of the burst is
        # the replies' (as FloodPacer's). In seconds, that is the bucket's tolerance.
        self._background_spare = s.global_tolerance
        # One token of a chat's burst is kept back: between the reservation (on the database's
        # clock) and the request reaching Telegram lie a round trip and a sleep, whose jitter
        # on a loaded worker can bring two sends closer than the chat's 1 s; the spare token
        # absorbs it (measured: 3 429s in tests/bot/test_multiworker.py without it).
        self._private = (
            1.0 / s.per_chat_per_second,
            max(0, s.per_chat_burst - 2) / s.per_chat_per_second,
        )
        self._group = (60.0 / s.per_group_per_minute, 0.0)
        self._local = FloodPacer(s)  # the fallback when the database cannot be reached
        # RetryAfter holds seen by this worker, honoured at once (the shared copy is written
        # in the background and reaches the other workers a moment later).
        self._held: dict[int, float] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self._background_turn = asyncio.Lock()
        self.reservations = 0
        self.fallbacks = 0

    async def _reserve(
        self, chat: int, hold: int, *, call: bool = False, spare: float = 0.0
    ) -> float | None:
        interval, tolerance = self._group if chat < 0 else self._private
        try:
            async with self._engine.connect() as connection:
                delay = (
                    await connection.execute(
                        _PACE,
                        {
                            "chat": chat,
                            "hold": hold,
                            "chat_interval": interval,
                            "chat_tolerance": tolerance,
                            "global_interval": self._global_interval,
                            "global_key": CALLS_KEY if call else 0,
                            "global_tolerance": self._global_tolerance,
                            "global_spare": spare,
                        },
                    )
                ).scalar_one()
        except Exception as exc:  # the database is the budget's home, not a reason to go mute
            self.fallbacks += 1
            log.warning(
                "shared pacing unavailable (%s): pacing this process alone", type(exc).__name__
            )
            return None
        self.reservations += 1
        return float(delay)

    async def wait(self, chat_id: int) -> None:
        """Sleep until a message to ``chat_id`` may go (chat and global buckets); inside
        :func:`~bot.sending.pacer.background_sends` replies go first."""
        await self._sit_out_hold(chat_id)
        await self._wait(chat_id, call=False)

    async def wait_call(self, chat_id: int) -> None:
        """Sleep until an edit / deletion / leaveChat may go (global bucket, after any
        RetryAfter hold of ``chat_id``; the chat's message budget is not charged); inside
        :func:`~bot.sending.pacer.background_sends` replies' edits go first."""
        await self._sit_out_hold(chat_id)
        await self._wait(chat_id, call=True)

    async def _wait(self, chat_id: int, *, call: bool) -> None:
        # A call charges the global calls bucket only (chat 0), after the chat's hold.
        chat = 0 if call else chat_id
        hold = hold_key(chat_id) if chat_id else 0
        background = BACKGROUND.get()
        spare = self._background_spare if background else 0.0
        # Background sends ask one at a time, and one that waits for the global bucket to
        # refill (a short wait) waits in turn: the ticker's concurrent sends would otherwise
        # all wake at the same moment, one take the slot and the rest ask again, a round trip
        # each per slot. A chat not ready (its own pace, a hold) is waited for out of turn.
        turn = self._background_turn if background else contextlib.nullcontext()
        refill = 2 * self._global_interval
        while True:
            async with turn:
                delay = await self._reserve(chat, hold, call=call, spare=spare)
                if background and delay is not None and -refill <= delay < 0:
                    await asyncio.sleep(-delay)
                    continue
            if delay is None:
                local = self._local
                await (
                    local.wait_call(hold - HOLD_OFFSET if hold else 0) if call else local.wait(chat)
                )
                return
            if delay >= 0:
                if delay > 0:
                    await asyncio.sleep(delay)
                return
            await asyncio.sleep(-delay)  # not ready (the chat's pace, a hold): none reserved

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said ``RetryAfter``: hold the chat here at once, and for every worker."""
        self._local.hold(chat_id, seconds)
        now = time.monotonic()
        if len(self._held) > 1024:
            self._held = {k: v for k, v in self._held.items() if v > now}
        self._held[chat_id] = now + seconds
        task = asyncio.get_running_loop().create_task(self._hold(chat_id, seconds))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _sit_out_hold(self, chat_id: int) -> None:
        until = self._held.get(chat_id)
        if until is not None:
            delay = until - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._held.pop(chat_id, None)

    async def close(self) -> None:
        """Let the holds being shared finish (call at shutdown)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def _hold(self, chat_id: int, seconds: float) -> None:
        _, tolerance = self._group if chat_id < 0 else self._private
        try:
            async with self._engine.connect() as connection:
                await connection.execute(
                    _HOLD,
                    {
                        "chat": chat_id,
                        "until": seconds + tolerance,
                        "hold": hold_key(chat_id),
                        "seconds": seconds,
                    },
                )
        except Exception as exc:
            log.warning("could not share a flood hold (%s)", type(exc).__name__)


def shared_pacer_for(engine: AsyncEngine, settings: SendingSettings) -> SharedPacer | FloodPacer:
    """The pacer for a bot on ``engine``: shared through PostgreSQL, else this process's."""
    if engine.dialect.name == "postgresql":
        return SharedPacer(engine, settings)
    return FloodPacer(settings)
