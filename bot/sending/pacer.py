"""Flood-limit pacing: spread sends so Telegram never has to answer 429.

Telegram's limits (Bot API FAQ): about 30 messages per second per bot, about 1 per second per
chat (short bursts tolerated), 20 per minute per group. :class:`FloodPacer` keeps one GCRA
("virtual scheduling") token bucket per key — one global, one per chat — and hands out send
slots in FIFO order. A 07:00 crowd of 10,000 athletes therefore goes out at a steady ~30/s
instead of bursting into ``RetryAfter``.

GCRA stores a single float per key (the theoretical arrival time); a key whose bucket is full
again carries no information and is pruned, so memory stays proportional to the chats active
in the last few seconds, not to the number of athletes.

Group and supergroup chat ids are negative; private chats are positive.

**Replies before background sends.** A send nobody is waiting for at this instant (inside
:func:`background_sends`: the ticker's check-ins, reminders and coach posts, and whatever
follows a reply's first message: an outcome's plan and lesson, the deletion of a finished
check-in's trail, the coach's and clinician's news) takes a global slot only from a full
bucket, and never reserves a slot ahead: the burst is the replies'. A 07:00 crowd still goes
out at the full steady rate (it takes each token as soon as the bucket is full again), but
replies to athletes' taps, up to ``global_burst - 1`` at the same moment, find a token at
once: they do not queue behind the crowd's
reservations (which once put up to 1.5 s of wait in front of the first presses of a day),
nor behind the plans of twenty athletes who finished their check-ins a moment earlier
(which put 50-70 ms in front of the slowest presses of bench/multiworker.py's light run).
Edits and deletions do the same in their own bucket.

Two kinds of slot (every Bot API call that sends or edits takes one):

* :meth:`FloodPacer.wait` — a **message** (``sendMessage``...): the chat's bucket and the
  global one;
* :meth:`FloodPacer.wait_call` — an **edit, a deletion, leaveChat**: a global bucket of
  their own at the same rate (Telegram's limits count messages; calls get a cap of their own
  rather than a share of the messages' 30/s, so a reply's edit never slows the 7:00 crowd,
  nor the crowd it), after any ``RetryAfter`` hold of the chat. Callback answers take no
  slot (:mod:`bot.sending.limiter` says why).

:class:`Pacer` is what the send paths need; :class:`FloodPacer` paces one process, and
:class:`bot.sending.shared_pacer.SharedPacer` keeps the same buckets in PostgreSQL so that
several workers share one budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Final, Protocol

from bot.config import SendingSettings

__all__ = ["BACKGROUND", "FloodPacer", "Pacer", "RateLimiter", "background_sends"]

#: True while sending what nobody is waiting for at this very instant (read by the pacers;
#: tasks started inside inherit it).
BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "remodel_background", default=False
)


@contextlib.contextmanager
def background_sends() -> Iterator[None]:
    """Calls made inside the block are background sends: they yield the last free token of
    the global budget (messages' and calls') to replies (see the module docstring)."""
    token = BACKGROUND.set(True)
    try:
        yield
    finally:
        BACKGROUND.reset(token)


_GLOBAL: Final = 0  # chat id 0 never exists, so it can name the global bucket
_PRUNE_EVERY: Final = 1024


class RateLimiter:
    """GCRA buckets keyed by an int: ``rate`` per second sustained, ``burst`` back to back."""

    def __init__(self, rate_per_second: float, burst: int = 1) -> None:
        if rate_per_second <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.interval = 1.0 / rate_per_second
        self.tolerance = (burst - 1) * self.interval
        self._tat: dict[int, float] = {}

    def earliest(self, key: int, at: float, spare: int = 0) -> float:
        """The earliest instant >= ``at`` when ``key`` may send (does not reserve), leaving
        ``spare`` tokens of the burst free after the send."""
        ready = self._tat.get(key, at) - self.tolerance + spare * self.interval
        # Float residue of adding intervals and taking the tolerance back (1e-13 s) is no
        # reason to sleep.
        return ready if ready > at + 1e-9 else at

    def take(self, key: int, slot: float) -> None:
        """Record a send for ``key`` at ``slot`` (which must be >= :meth:`earliest`)."""
        tat = self._tat.get(key, slot)
        self._tat[key] = max(tat, slot) + self.interval

    def hold(self, key: int, until: float) -> None:
        """Allow nothing for ``key`` before ``until`` (after a ``RetryAfter``)."""
        self._tat[key] = max(self._tat.get(key, until), until + self.tolerance)

    def prune(self, now: float) -> None:
        """Forget keys whose bucket is full again (their state equals a fresh key's)."""
        stale = [key for key, tat in self._tat.items() if tat <= now]
        for key in stale:
            del self._tat[key]

    def __len__(self) -> int:
        return len(self._tat)


class Pacer(Protocol):
    """Send slots under Telegram's flood limits (one process, or shared by several)."""

    async def wait(self, chat_id: int) -> None:
        """Sleep until a message to ``chat_id`` may go; on return the caller owns the slot."""
        ...

    async def wait_call(self, chat_id: int) -> None:
        """Sleep until an edit / deletion / leaveChat for ``chat_id`` may go."""
        ...

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said ``RetryAfter(seconds)`` for ``chat_id``: nothing to it before then."""
        ...


class FloodPacer:
    """Hands out send slots that respect the global, per-chat and per-group limits.

    ``monotonic`` and ``sleep`` are injectable so tests run on a fake clock without waiting.
    """

    def __init__(
        self,
        settings: SendingSettings | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        s = settings or SendingSettings()
        # A short burst, then the steady rate: never more than global_per_second in any 1 s
        # window, and a reply does not wait a slot behind another chat's send at light load.
        self._global = RateLimiter(s.global_rate, burst=s.global_burst)
        self._calls = RateLimiter(s.global_rate, burst=s.global_burst)
        self._private = RateLimiter(s.per_chat_per_second, burst=s.per_chat_burst)
        self._groups = RateLimiter(s.per_group_per_minute / 60.0, burst=1)
        # Tokens a background send leaves to replies: the whole burst but its own token, so
        # a background send goes only from a full bucket. That costs the crowd its first
        # burst, not its steady rate, and several athletes' replies at the same moment
        # each find a token (with one token kept, the second waited a slot, ~36 ms).
        self._spare = s.global_burst - 1
        self._monotonic = monotonic
        self._sleep = sleep
        self._reservations = 0
        self._held: dict[int, float] = {}  # chat id -> monotonic end of a RetryAfter

    def _chat_limiter(self, chat_id: int) -> RateLimiter:
        return self._groups if chat_id < 0 else self._private

    def try_reserve(self, chat_id: int, *, background: bool = False) -> tuple[bool, float]:
        """Try to reserve a slot for ``chat_id`` now.

        Returns ``(True, delay)`` when a slot was reserved ``delay`` seconds from now, or
        ``(False, delay)`` when the chat itself is not ready for ``delay`` seconds; then nothing
        is reserved, so a chat held back (its own rate, a ``RetryAfter``) never occupies a
        global slot that other chats could use. A ``background`` send is likewise not ready
        while taking a global slot now would leave no token for a reply. Synchronous on
        purpose: with no ``await`` between reading and updating the buckets, tasks of one
        event loop can never be handed the same slot.
        """
        now = self._monotonic()
        chat = self._chat_limiter(chat_id)
        ready = chat.earliest(chat_id, now)
        if ready > now:
            return False, ready - now
        if background and self._spare:
            ready = self._global.earliest(_GLOBAL, now, spare=self._spare)
            if ready > now:
                return False, ready - now
        slot = self._global.earliest(_GLOBAL, now)
        chat.take(chat_id, slot)
        self._global.take(_GLOBAL, slot)
        self._reservations += 1
        if self._reservations % _PRUNE_EVERY == 0:
            self._private.prune(now)
            self._groups.prune(now)
        return True, slot - now

    async def wait(self, chat_id: int) -> None:
        """Sleep until ``chat_id`` may be sent to; on return the caller owns the slot.
        Inside :func:`background_sends` replies go first."""
        background = BACKGROUND.get()
        while True:
            reserved, delay = self.try_reserve(chat_id, background=background)
            if delay > 0:
                await self._sleep(delay)
            if reserved:
                return

    async def wait_call(self, chat_id: int) -> None:
        """Sleep until an edit, deletion or leaveChat for ``chat_id`` may go: after the chat's
        ``RetryAfter`` hold, in a global slot (inside :func:`background_sends`, one from a full
        bucket, so that the burst stays for replies' edits)."""
        until = self._held.get(chat_id)
        if until is not None:
            delay = until - self._monotonic()
            if delay > 0:
                await self._sleep(delay)
            else:
                del self._held[chat_id]
        if BACKGROUND.get() and self._spare:
            # Wait until the bucket is full, then take a slot at once (reserving ahead would
            # take a token that a reply arriving meanwhile needs).
            while True:
                now = self._monotonic()
                ready = self._calls.earliest(_GLOBAL, now, spare=self._spare)
                if ready <= now:
                    break
                await self._sleep(ready - now)
        now = self._monotonic()
        slot = self._calls.earliest(_GLOBAL, now)
        self._calls.take(_GLOBAL, slot)
        if slot > now:
            await self._sleep(slot - now)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said ``RetryAfter(seconds)`` for ``chat_id``: nothing to it before then."""
        until = self._monotonic() + seconds
        self._chat_limiter(chat_id).hold(chat_id, until)
        if len(self._held) > _PRUNE_EVERY:
            now = self._monotonic()
            self._held = {k: v for k, v in self._held.items() if v > now}
        self._held[chat_id] = until

    @property
    def tracked_chats(self) -> int:
        """How many chats currently have pacing state (bounded by recent activity)."""
        return len(self._private) + len(self._groups)
