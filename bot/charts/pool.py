"""Rendering off the event loop: a bounded pool that charts and reports run in.

matplotlib and fpdf2 are CPU-bound and hold the GIL for most of their work, so a thread
keeps the loop alive but slows every other update; a worker *process* leaves the loop's
interpreter alone (``bench/record_render.py`` measures both). The pool is bounded twice:
``workers`` renders at once, and at most ``queue`` more wait; beyond that a caller waits
for a slot instead of piling up work (and memory) behind a slow render.

Worker processes start with ``spawn`` (never ``fork``: the bot's process has threads and
open sockets a forked child must not inherit) and are started lazily, on first use.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Literal, ParamSpec, TypeVar

__all__ = ["RenderPool"]

P = ParamSpec("P")
T = TypeVar("T")


class RenderPool:
    """Runs pure render functions (picklable arguments) in threads or processes."""

    def __init__(
        self, *, kind: Literal["process", "thread"] = "process", workers: int = 1, queue: int = 8
    ) -> None:
        self.kind = kind
        self.workers = workers
        self._slots = asyncio.Semaphore(workers + queue)
        self._executor: Executor | None = None

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.kind == "process":
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
                )
            else:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="render"
                )
        return self._executor

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` in the pool; waits for a slot when it is full."""
        async with self._slots:
            loop = asyncio.get_running_loop()
            call = _Call(function, args, kwargs)
            return await loop.run_in_executor(self._pool(), call)

    def warm_up(self) -> asyncio.Future[None]:
        """Start the worker and import the renderer now, so the first chart an athlete asks
        for does not wait for a process to start (seconds on a small machine)."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._pool(), _Call(_import_renderer, (), {}))

    def shutdown(self) -> None:
        """Stop the workers (pending renders are cancelled)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def _import_renderer() -> None:
    import bot.charts.render
    import bot.report.pdf  # noqa: F401


class _Call:
    """A picklable ``function(*args, **kwargs)`` (run_in_executor takes no keywords)."""

    __slots__ = ("args", "function", "kwargs")

    def __init__(self, function: Callable[..., Any], args: Any, kwargs: Any) -> None:
        self.function, self.args, self.kwargs = function, args, kwargs

    def __call__(self) -> Any:
        return self.function(*self.args, **self.kwargs)
