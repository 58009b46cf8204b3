"""Benchmark (c): start-up time and resident memory with 100,000 athletes vs 1,000.

    .venv/bin/python bench/bot_startup_memory.py [--athletes 100000] [--small 1000]

One athlete is onboarded through the real conversation (on a sandbox), then each database
is filled by bulk insert with clones of it (their next check-ins due later that day). For
each size a **fresh subprocess** starts the bot the way ``remodel run`` does, against a
sandbox in another process, and reports:

* start-up time, split into: migrations check (``upgrade``, a no-op on an up-to-date
  database), building the application (``build_application``: services, handlers, ticker),
  ``initialize`` + start-up hooks (``getMe``, ``setMyCommands``), and the first tick of the
  scheduler (the indexed due query, nothing due);
* resident memory after the first tick (``VmRSS`` from ``/proc/self/status``) and its peak
  (``VmHWM``).

The design goal: neither grows with the number of athletes (no per-athlete jobs or caches).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import _common  # noqa: F401 - puts the project root on sys.path
from _common import (
    ROOT,
    autopilot,
    cpu_note,
    peak_rss_mib,
    quiet_logs,
    rss_mib,
    sandbox_process,
    sandbox_settings,
)
from bot_checkin_throughput import REPLY_TIMEOUT, clone_athletes

START = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


async def make_template(db: Path, url: str, token: str, user_id: int) -> int:
    """Onboard one athlete through the conversation into ``db``; its row id."""
    from bot.cli import installed_content_dir
    from bot.clock import ManualClock
    from bot.run_mode import RunOptions, build_app, migrate, running
    from bot.storage import Store, get_athlete_by_telegram_id
    from flows.library import load_library
    from sandbox.driver import SandboxDriver

    settings = sandbox_settings(f"{url}/bot", token, db)
    store = Store.from_url(settings.database.url)
    try:
        await migrate(settings, store)
        app = build_app(
            settings,
            library=load_library(installed_content_dir()),
            store=store,
            clock=ManualClock(START),
            run_ticker=False,
        )
        async with running(app, RunOptions(poll_timeout=5)), SandboxDriver(url) as driver:
            chat = driver.chat(user_id)
            await chat.send("/start")
            first = await chat.next_message(REPLY_TIMEOUT)
            questionnaires = app.bot_data.services.questionnaires
            await autopilot(chat, store, questionnaires, user_id, first)
        async with store.transaction() as session:
            row = await get_athlete_by_telegram_id(session, user_id)
            assert row is not None
            assert row.id is not None
            assert row.onboarded
            return row.id
    finally:
        await store.dispose()


async def fill(db: Path, template_id: int, count: int, first_id: int) -> float:
    """Bulk insert ``count`` clones of the template; the seconds it took."""
    from bot.storage import Store

    store = Store.from_url(f"sqlite+aiosqlite:///{db}")
    started = time.perf_counter()
    try:
        await clone_athletes(store, template_id, list(range(first_id, first_id + count)))
    finally:
        await store.dispose()
    return time.perf_counter() - started


async def child(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh process: start the bot on ``args.db`` and measure."""
    from bot.app import on_startup
    from bot.cli import installed_content_dir
    from bot.clock import ManualClock
    from bot.run_mode import build_app, migrate
    from bot.storage import Store
    from flows.library import load_library

    quiet_logs()
    imported_rss = rss_mib()
    library = load_library(installed_content_dir())
    settings = sandbox_settings(f"{args.url}/bot", args.token, Path(args.db))
    figures: dict[str, Any] = {"rss_after_imports_mib": imported_rss}
    t0 = time.perf_counter()
    store = Store.from_url(settings.database.url)
    await migrate(settings, store)
    t1 = time.perf_counter()
    app = build_app(settings, library=library, store=store, clock=ManualClock(START))
    t2 = time.perf_counter()
    await app.initialize()
    await on_startup(app)
    t3 = time.perf_counter()
    ticker = app.bot_data.services.ticker
    report = await ticker.tick()
    t4 = time.perf_counter()
    figures.update(
        migrations_s=t1 - t0,
        build_s=t2 - t1,
        initialize_s=t3 - t2,
        first_tick_s=t4 - t3,
        startup_s=t4 - t0,
        rss_mib=rss_mib(),
        peak_rss_mib=peak_rss_mib(),
        first_tick=str(report),
    )
    if app.job_queue is not None and app.job_queue.scheduler.running:
        app.job_queue.scheduler.shutdown(wait=False)
    await app.shutdown()
    await store.dispose()
    return figures


def run_child(db: Path, url: str, token: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", "--db", str(db), "--url", url, "--token", token],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


async def prepare(workdir: Path, sizes: list[int], url: str, token: str, first: int) -> list[Path]:
    template_db = workdir / "template.db"
    template_id = await make_template(template_db, url, token, first)
    paths = []
    for size in sizes:
        db = workdir / f"athletes-{size}.db"
        shutil.copy(template_db, db)
        seconds = await fill(db, template_id, size - 1, first + 1_000_000)
        print(f"  {size:>7} athletes inserted in {seconds:5.1f} s ({db.stat().st_size >> 20} MiB)")
        paths.append(db)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=100_000, help="default 100000")
    parser.add_argument("--small", type=int, default=1_000, help="the comparison (1000)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args))))
        return
    if not 1 <= args.small <= args.athletes <= 1_000_000:
        parser.error("1 <= --small <= --athletes <= 1000000")
    quiet_logs()
    sizes = [args.small, args.athletes]
    print(f"bench/bot_startup_memory: {args.small} vs {args.athletes} athletes, {cpu_note()}")
    with (
        tempfile.TemporaryDirectory(prefix="remodel-bench-") as tmp,
        sandbox_process(users=1) as sandbox,
    ):
        dbs = asyncio.run(prepare(Path(tmp), sizes, sandbox.url, sandbox.token, sandbox.first_user))
        results = [run_child(db, sandbox.url, sandbox.token) for db in dbs]
    print(
        f"{'athletes':>9} {'start-up':>9} {'migrate':>8} {'build':>7} {'init':>7} "
        f"{'1st tick':>8} {'RSS':>9} {'peak RSS':>9}"
    )
    for size, r in zip(sizes, results, strict=True):
        print(
            f"{size:>9} {r['startup_s']:>8.2f}s {r['migrations_s']:>7.2f}s {r['build_s']:>6.2f}s "
            f"{r['initialize_s']:>6.2f}s {r['first_tick_s']:>7.3f}s {r['rss_mib']:>6.1f}MiB "
            f"{r['peak_rss_mib']:>6.1f}MiB"
        )
    small, large = results
    print(
        f"difference: start-up {large['startup_s'] - small['startup_s']:+.2f} s, "
        f"RSS {large['rss_mib'] - small['rss_mib']:+.1f} MiB, "
        f"peak {large['peak_rss_mib'] - small['peak_rss_mib']:+.1f} MiB "
        f"(first tick: {large['first_tick']})"
    )


if __name__ == "__main__":
    main()
