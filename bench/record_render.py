"""Benchmark: charts and the clinician PDF for an athlete with 180 days of history, and what
rendering does to everyone else's latency.

    .venv/bin/python bench/record_render.py [--days 180] [--repeat 3]
    .venv/bin/python bench/record_render.py --docs-image docs/images/progress-pain.png

One athlete with ``--days`` of check-ins, events and clearances is written through the bot's
storage (``bench/_record_history.py``) into an SQLite file; the services come from the real
composition root (``bot.app.build_application``). Printed:

* the time to read the record (``bot.charts.load.load_record``);
* for each way of rendering: **inline** (on the event loop, what the bot must not do),
  **thread** and **process** (``bot.charts.pool.RenderPool``): the time to draw each chart
  (pain, phases, check-ins, sleep and worry; the whole record) and the PDF report, and,
  while they render, the event loop's lag (a 5 ms heartbeat: how late it wakes) and the
  latency of an "answer" of another athlete: a write transaction on the same database
  (read the athlete, append an event), issued every 25 ms, as an answer's storage work is.

With ``--docs-image PATH`` it only writes the README's chart (pain, the whole record) and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TypeVar

import _common
from _common import cpu_note, percentile, quiet_logs
from _record_history import make_athlete

from bot.app import build_application, services_of
from bot.charts.load import load_record
from bot.charts.model import ChartView, Period
from bot.charts.pool import RenderPool
from bot.charts.render import render_chart
from bot.charts.words import chart_words
from bot.clock import ManualClock
from bot.config import DatabaseSettings, RenderSettings, Settings
from bot.context import Services
from bot.report.build import report_data
from bot.report.pdf import render_report
from bot.storage import Athlete, Store, append_event, get_athlete
from flows.library import load_library

T = TypeVar("T")
TODAY = date(2026, 3, 2)
HEARTBEAT = 0.005
PROBE_EVERY = 0.025


class Monitor:
    """Heartbeat lag and probe ("another athlete's answer") latency while it runs."""

    def __init__(self, store: Store, other_id: int) -> None:
        self.store, self.other_id = store, other_id
        self.lags: list[float] = []
        self.probes: list[float] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(HEARTBEAT)
            self.lags.append(max(0.0, loop.time() - start - HEARTBEAT))

    async def _probe(self) -> None:
        while True:
            start = time.perf_counter()
            async with self.store.transaction() as session:
                athlete = await get_athlete(session, self.other_id)
                assert athlete is not None
                await append_event(
                    session, athlete_id=self.other_id, kind="bench", at=datetime.now(UTC)
                )
            self.probes.append(time.perf_counter() - start)
            await asyncio.sleep(PROBE_EVERY)

    def start(self) -> None:
        self.lags.clear()
        self.probes.clear()
        self._tasks = [asyncio.create_task(self._heartbeat()), asyncio.create_task(self._probe())]

    async def stop(self) -> str:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        ms = 1000
        if not self.lags or not self.probes:
            return "the loop never ran"
        return (
            f"loop lag p50 {percentile(self.lags, 0.5) * ms:6.1f} ms  "
            f"p99 {percentile(self.lags, 0.99) * ms:6.1f}  max {max(self.lags) * ms:6.1f}   "
            f"answer p50 {percentile(self.probes, 0.5) * ms:6.1f} ms  "
            f"p99 {percentile(self.probes, 0.99) * ms:6.1f}  max {max(self.probes) * ms:6.1f}"
        )


async def _timed(call: Callable[[], Awaitable[T]], repeat: int) -> tuple[float, T]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await call()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


async def run_kind(
    kind: str, services: Services, athlete: Athlete, monitor: Monitor, repeat: int
) -> None:
    words = chart_words(services.texts)
    pool = RenderPool(kind="thread" if kind == "inline" else kind, workers=1)  # type: ignore[arg-type]

    async def draw(function: Callable[..., bytes], *args: Any, **kwargs: Any) -> bytes:
        if kind == "inline":
            png = function(*args, **kwargs)
            await asyncio.sleep(0.001)  # let the loop run (and notice how late it is)
            return png
        return await pool.run(function, *args, **kwargs)

    async with services.store.transaction() as session:
        record = await load_record(session, athlete, services.library, services.clock.now())
    assert athlete.id is not None
    data = await report_data(services, athlete.id)
    start = time.perf_counter()
    await draw(render_chart, record, ChartView.PAIN, Period.TWO_WEEKS, words)
    first = time.perf_counter() - start
    monitor.start()
    lines = []
    for view in ChartView:
        seconds, png = await _timed(
            lambda view=view: draw(render_chart, record, view, Period.ALL, words), repeat
        )
        lines.append(f"    {view.value:<10} {seconds * 1000:7.0f} ms  {len(png) / 1024:6.0f} KiB")
    seconds, pdf = await _timed(lambda: draw(render_report, data), repeat)
    lines.append(f"    {'pdf':<10} {seconds * 1000:7.0f} ms  {len(pdf) / 1024:6.0f} KiB")
    figures = await monitor.stop()
    pool.shutdown()
    started = " (the worker process starts on first use)" if kind == "process" else ""
    print(f"  {kind}: first render {first * 1000:.0f} ms{started}")
    print("\n".join(lines))
    print(f"    while rendering: {figures}")


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--docs-image", type=Path)
    args = parser.parse_args(argv)
    quiet_logs()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'record.db'}"
        athlete_id = await make_athlete(url, days=args.days, today=TODAY)
        store = Store.from_url(url)
        now = datetime.combine(TODAY, clock_time(21, 0), tzinfo=UTC)
        settings = Settings(database=DatabaseSettings(url=url), render=RenderSettings())
        library = load_library(_common.ROOT / "content", "en")
        app = build_application(
            settings,
            clock=ManualClock(now),
            store=store,
            library=library,
            base_url="http://127.0.0.1:9/bot",
            token="1:bench-not-a-token",
            run_ticker=False,
        )
        services = services_of(app)
        async with store.transaction() as session:
            athlete = await get_athlete(session, athlete_id)
        assert athlete is not None
        if args.docs_image is not None:
            async with store.transaction() as session:
                record = await load_record(session, athlete, library, now)
            png = render_chart(record, ChartView.PAIN, Period.ALL, chart_words(services.texts))
            args.docs_image.parent.mkdir(parents=True, exist_ok=True)
            args.docs_image.write_bytes(png)
            print(f"wrote {args.docs_image} ({len(png) / 1024:.0f} KiB)")
            await store.dispose()
            return 0
        other_id = await make_other(store, athlete)
        print(f"record_render: one athlete, {args.days} days of history; {cpu_note()}")
        seconds = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            async with store.transaction() as session:
                record = await load_record(session, athlete, library, now)
            seconds.append(time.perf_counter() - start)
        print(
            f"  load_record: {statistics.median(seconds) * 1000:.0f} ms "
            f"({len(record.days)} days, {len(record.slots)} check-ins, "
            f"{len(record.markers)} marks)"
        )
        monitor = Monitor(store, other_id)
        monitor.start()
        await asyncio.sleep(2.0)
        print(f"  idle (nothing rendering): {await monitor.stop()}")
        for kind in ("inline", "thread", "process"):
            await run_kind(kind, services, athlete, monitor, args.repeat)
        services.render.shutdown()
        await store.dispose()
    return 0


async def make_other(store: Store, athlete: Athlete) -> int:
    """A second athlete whose "answers" the monitor times."""
    async with store.transaction() as session:
        other = Athlete(
            telegram_user_id=athlete.telegram_user_id + 1,
            chat_id=athlete.chat_id + 1,
            first_name="Other",
            onboarded=True,
            created_at=athlete.created_at,
            updated_at=athlete.updated_at,
        )
        session.add(other)
        await session.flush()
        assert other.id is not None
        return other.id


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
