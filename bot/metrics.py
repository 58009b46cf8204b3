"""The bot's Prometheus metrics (prometheus-client), served on ``/metrics`` by :mod:`bot.ops`.

Counters are process-wide (one bot per process in production; Prometheus sums the workers).
Gauges that describe the shared database (due backlog, tick lag) are read at scrape time, so
every worker reports the same, current figure. Names follow Prometheus conventions
(``_total`` for counters, base units). This module imports nothing of ours, so the send path
and the handlers can count without import cycles.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ANSWERS",
    "DUE_BACKLOG",
    "FLOOD_WAITS",
    "GC_PAUSE",
    "LAST_TICK_AGE",
    "PACING_WAIT",
    "REDELIVERED",
    "SENDS",
    "TICKER_LEADER",
    "TICK_LAG",
    "UPDATES",
    "UPDATE_SECONDS",
    "watch_gc",
]

UPDATES = Counter("remodel_updates", "Telegram updates handled by this process")
UPDATE_SECONDS = Histogram(
    "remodel_update_seconds",
    "Time from an update reaching the processor to its handling done (the athlete's turn, "
    "database work and replies sent)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REDELIVERED = Counter(
    "remodel_updates_redelivered",
    "Updates delivered again after they were handled: acknowledged, not handled twice",
)
ANSWERS = Counter("remodel_answers", "Questionnaire answers recorded by this process")
SENDS = Counter(
    "remodel_sends", "Messages this process sent, by outcome (sent, blocked, ...)", ["outcome"]
)
FLOOD_WAITS = Counter(
    "remodel_flood_waits", "429 Too Many Requests (RetryAfter) answers from the Bot API"
)
TICK_LAG = Gauge(
    "remodel_tick_lag_seconds", "How overdue the oldest check-in waiting to be sent is"
)
DUE_BACKLOG = Gauge("remodel_due_backlog", "Check-ins due and not sent yet (whole database)")
TICKER_LEADER = Gauge("remodel_ticker_leader", "1 when this process runs the ticker")
LAST_TICK_AGE = Gauge(
    "remodel_last_tick_age_seconds", "Seconds since this process's last tick ended (-1: never)"
)
#: Where replies wait for the send budget: a reply held here is latency the athlete sees.
#: ``kind`` is ``message`` (chat and global buckets), ``background`` (a message nobody waits
#: for at this instant, the ticker's or what follows a reply's first message: it lets replies
#: go first) or ``call`` (edits and deletions).
PACING_WAIT = Histogram(
    "remodel_pacing_wait_seconds",
    "Time a Bot API call waited for its slot of the send budget",
    ["kind"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
#: The interpreter stops every task while it collects garbage: a pause here is latency every
#: athlete in flight sees (the light-load tail of bench/multiworker.py was looked for here).
GC_PAUSE = Histogram(
    "remodel_gc_pause_seconds",
    "Time the interpreter stood still for a garbage collection, by generation",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)
_gc_started: list[float] = []


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started.append(time.perf_counter())
    elif _gc_started:
        GC_PAUSE.labels(str(info.get("generation", "?"))).observe(
            time.perf_counter() - _gc_started.pop()
        )


def watch_gc() -> None:
    """Time every garbage collection of this process in :data:`GC_PAUSE` (once per process;
    calling again changes nothing)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)
