"""Where a slow update's time went: marks along its path, logged when it took too long.

An operator who sees a slow reply (``remodel_update_seconds`` has a long tail) needs to know
which part was slow: the wait for the athlete's lock (an earlier update of the same athlete),
the update ledger, the database transaction, the send budget, or Telegram. Every update runs
inside :func:`timed_update`, and code along its path calls :func:`mark` with a short label;
the marks of tasks the update starts (a ``gather`` of an edit and a send) land in the same
list, since a task copies the context it was started in. An update that took at least the
``[logging] slow_update_ms`` threshold is logged at WARNING with its id and the marks, as
milliseconds from its start::

    slow update 4711 (callback_query): 182 ms: locked +0, turn +2, transaction +3,
    committed +11, paced editMessageText +12, paced sendMessage +150, sent sendMessage +181

Waits for the send budget inside :func:`~bot.sending.pacer.background_sends` (an outcome's
plan and lesson, paced at Telegram's one message per second in a chat) are expected and do
not count towards the threshold: otherwise every finished check-in would be logged. They are
still in the marks, and the line says how long they were.

Labels are method names and fixed words, the update is named by id and kind: no text, no
answer, no name (answers are health data). Outside an update (the ticker), :func:`mark` does
nothing. Written here rather than with a tracing library (OpenTelemetry): an exporter, a
collector and their configuration for one log line per slow update would be out of
proportion; the marks cost a list append each.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar

from telegram import Update

__all__ = ["mark", "timed_update", "waited_in_background"]

log = logging.getLogger(__name__)


class _Timing:
    """One update's marks, and its background waits (which do not make it slow)."""

    __slots__ = ("background", "marks")

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []
        self.background = 0.0


_TIMING: ContextVar[_Timing | None] = ContextVar("update_timing", default=None)


def mark(label: str) -> None:
    """Note that the current update reached ``label`` (no effect outside an update)."""
    timing = _TIMING.get()
    if timing is not None:
        timing.marks.append((label, time.perf_counter()))


def waited_in_background(seconds: float) -> None:
    """Note that the current update waited ``seconds`` for the budget of a background send
    (not counted towards the slow-update threshold)."""
    timing = _TIMING.get()
    if timing is not None:
        timing.background += seconds


@contextlib.contextmanager
def timed_update(update: object, threshold: float) -> Iterator[None]:
    """Collect the marks of ``update`` for the block, and log them if it took ``threshold``
    seconds or more (``threshold`` <= 0: never)."""
    if threshold <= 0:
        yield
        return
    start = time.perf_counter()
    timing = _Timing()
    token = _TIMING.set(timing)
    try:
        yield
    finally:
        _TIMING.reset(token)
        took = time.perf_counter() - start
        if took - timing.background >= threshold:
            steps = ", ".join(f"{label} +{(at - start) * 1000:.0f}" for label, at in timing.marks)
            update_id, kind = _named(update)
            log.warning(
                "slow update %s (%s): %.0f ms (%.0f ms of it background sends waiting for "
                "their turn): %s",
                update_id,
                kind,
                took * 1000,
                timing.background * 1000,
                steps or "-",
            )


def _named(update: object) -> tuple[int | None, str]:
    """The id and kind (``callback_query``, ``message``...) of ``update``: all a log line
    may say of it."""
    if not isinstance(update, Update):
        return None, type(update).__name__
    kind = next((str(k) for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "?")
    return update.update_id, kind
