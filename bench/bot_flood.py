"""Benchmark (b): many athletes due in the same minute, under Telegram-like flood limits.

    .venv/bin/python bench/bot_flood.py [--athletes 10000]

The sandbox runs in a child process with ``--athletes`` users (their chats already open).
One athlete is onboarded through the real conversation and cloned in the database; then
every athlete's evening check-in falls due at the same instant and the ticker sends them.

Two phases, same database, same sandbox:

1. **limits off**: the sandbox enforces no flood control and the bot's pacer is lifted: the
   bot's own send rate (what one process can push);
2. **Telegram-like limits on**: the sandbox answers 429 beyond ~30 messages/s per bot and
   1/s per chat (``flood=telegram``); the bot runs with its default pacer
   (``[sending]`` defaults). Printed: the sustained send rate (messages/s between 10 % and
   90 % of the run, from the sandbox's counters sampled every second; target >= 95 % of
   30/s), 429s answered (target 0), check-ins lost (due but not delivered, from the
   database; target 0) and duplicated (messages beyond one check-in's worth per athlete,
   from the sandbox; target 0).

Each check-in is as many messages as the bot sends for it (an intro line and the first
question: measured, and printed). At 30 messages/s, 10,000 athletes take a few minutes per
message of the check-in; ``--athletes 1000`` is a quick run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import _common  # noqa: F401 - puts the project root on sys.path
from _common import autopilot, cpu_note, quiet_logs, sandbox_process, sandbox_settings
from bot_checkin_throughput import REPLY_TIMEOUT, clone_athletes, make_evening_due

TARGET_RATE = 30.0
LIFTED = {
    "global_per_second": 1_000_000,
    "per_chat_per_second": 1_000_000,
    "per_chat_burst": 1000,
    "concurrency": 256,
}


async def delivered(store: Any, day: date) -> int:
    """Evening check-ins of ``day`` that went out (sent, reminded or answered)."""
    import sqlalchemy as sa

    from bot.storage import Checkin

    table = Checkin.__table__  # type: ignore[attr-defined]
    async with store.transaction() as session:
        count = await session.execute(
            sa.select(sa.func.count())
            .select_from(table)
            .where(
                table.c.local_date == day,
                table.c.slot == "evening",
                table.c.status.in_(["sent", "reminded", "answered"]),
            )
        )
        return int(count.scalar_one())


async def send_wave(app: Any, store: Any, clock: Any, expected: int, deadline: float) -> float:
    """Make every evening check-in due now and tick until all are out; the seconds taken."""
    ticker = app.bot_data.services.ticker
    await make_evening_due(store, clock.now())
    day = clock.now().date()
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        report = await ticker.tick()
        if await delivered(store, day) >= expected:
            break
        if not (report.created or report.sent or report.failed):
            await asyncio.sleep(0.5)
    return time.perf_counter() - started


async def main_async(args: argparse.Namespace) -> None:
    from bot.cli import installed_content_dir
    from bot.clock import ManualClock
    from bot.run_mode import RunOptions, build_app, migrate, running
    from bot.storage import Store, get_athlete_by_telegram_id
    from flows.library import load_library
    from sandbox.driver import SandboxDriver

    quiet_logs()
    n = args.athletes
    print(f"bench/bot_flood: {n} athletes due in the same minute, {cpu_note()}")
    library = load_library(installed_content_dir())
    clock = ManualClock(datetime(2025, 3, 4, 17, 0, tzinfo=UTC))
    with (
        tempfile.TemporaryDirectory(prefix="remodel-bench-") as tmp,
        sandbox_process(users=n + 1) as sandbox,
    ):
        template_uid = sandbox.first_user
        ids = list(range(template_uid + 1, template_uid + 1 + n))
        db = Path(tmp) / "flood.db"
        store = Store.from_url(f"sqlite+aiosqlite:///{db}")
        off = sandbox_settings(sandbox.bot_api_base, sandbox.token, db, sending=LIFTED)
        await migrate(off, store)
        async with SandboxDriver(sandbox.url) as driver:
            # -- set-up and phase 1: limits off ------------------------------------------
            app = build_app(off, library=library, store=store, clock=clock, run_ticker=False)
            async with running(app, RunOptions(poll_timeout=10)):
                chat = driver.chat(template_uid)
                await chat.send("/start")
                first = await chat.next_message(REPLY_TIMEOUT)
                questionnaires = app.bot_data.services.questionnaires
                await autopilot(chat, store, questionnaires, template_uid, first)
                async with store.transaction() as session:
                    row = await get_athlete_by_telegram_id(session, template_uid)
                    assert row is not None
                    assert row.id is not None
                    template_id = row.id
                await clone_athletes(store, template_id, ids)
                clock.advance(days=1)
                before = await driver.stats()
                seconds = await send_wave(app, store, clock, n + 1, time.perf_counter() + 1800)
                after = await driver.stats()
                sent_off = await delivered(store, clock.now().date())
            messages_off = after["messages_delivered"] - before["messages_delivered"]
            per_checkin = messages_off / sent_off if sent_off else float("nan")
            print(f"messages per check-in: {per_checkin:.2f}")
            print(
                f"limits off: {sent_off} check-ins, {messages_off} messages in {seconds:.1f} s "
                f"= {messages_off / seconds:.1f} messages/s "
                f"({sent_off / seconds:.1f} check-ins/s), 429s {after['answered_429']}"
            )

            # -- phase 2: Telegram-like limits on, default pacer -------------------------
            await driver.set_limits("telegram")
            on = sandbox_settings(sandbox.bot_api_base, sandbox.token, db)
            app = build_app(on, library=library, store=store, clock=clock, run_ticker=False)
            async with running(app, RunOptions(poll_timeout=10)):
                clock.advance(days=1)
                expected_seconds = (n + 1) * per_checkin / TARGET_RATE
                print(f"limits on: expect about {expected_seconds:.0f} s at 30 messages/s ...")
                samples: list[tuple[float, int]] = []
                base = await driver.stats()

                async def sample() -> None:
                    while True:
                        stats = await driver.stats()
                        samples.append((time.perf_counter(), stats["messages_delivered"]))
                        await asyncio.sleep(1.0)

                sampler = asyncio.create_task(sample())
                deadline = time.perf_counter() + expected_seconds * 2 + 120
                seconds = await send_wave(app, store, clock, n + 1, deadline)
                await asyncio.sleep(1.5)
                sampler.cancel()
                final = await driver.stats()
                sent_on = await delivered(store, clock.now().date())
    messages_on = final["messages_delivered"] - base["messages_delivered"]
    answered_429 = final["answered_429"] - base["answered_429"]
    lost = (n + 1) - sent_on
    duplicated = max(0, messages_on - round(per_checkin * sent_on))
    sustained = sustained_rate(samples, base["messages_delivered"], messages_on)
    print(
        f"limits on:  {sent_on} check-ins, {messages_on} messages in {seconds:.1f} s = "
        f"{messages_on / seconds:.1f} messages/s overall"
    )
    share = sustained / TARGET_RATE * 100
    print(
        f"sustained send rate {sustained:.1f} messages/s = {share:.0f} % of 30/s "
        f"(target >= 95 %: {'OK' if share >= 95 else 'BELOW TARGET'})"
    )
    print(f"429s answered {answered_429}   lost {lost}   duplicated {duplicated}   (targets 0)")


def sustained_rate(samples: list[tuple[float, int]], base: int, total: int) -> float:
    """Messages per second between 10 % and 90 % of the messages of the run."""
    if total <= 0 or len(samples) < 3:
        return float("nan")
    low, high = base + total * 0.1, base + total * 0.9
    window = [(t, m) for t, m in samples if low <= m <= high]
    if len(window) < 2:
        window = samples
    (t0, m0), (t1, m1) = window[0], window[-1]
    return (m1 - m0) / (t1 - t0) if t1 > t0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=10_000, help="default 10000")
    args = parser.parse_args()
    if not 10 <= args.athletes <= 100_000:
        parser.error("--athletes 10..100000")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
