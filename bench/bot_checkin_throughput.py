"""Benchmark (a): athletes completing an evening check-in through the sandbox over HTTP.

    .venv/bin/python bench/bot_checkin_throughput.py [--athletes 1000] [--concurrency 1000]

Two bots answer the same load, one after the other, each on a fresh sandbox of the same kind
(``python -m sandbox`` in a child process, flood limits off, loopback only):

1. **echo**: a bare python-telegram-bot application that answers every callback query and
   replies to every press with a new message carrying a button (the least a bot can do);
2. **remodel**: the full stack (``bot.run_mode.build_app``: handlers, engine, SQLite, the
   pacer), long polling the sandbox like in production.

For Remodel, one athlete is onboarded through the real conversation, then cloned in the
database (``--athletes`` rows, evening check-in due), and one tick sends every evening
check-in. The sandbox users then answer the whole evening questionnaire concurrently: each
press (or typed answer) is timed until the bot's next message arrives. The echo bot gets the
same number of presses per user.

Printed: answers per second and p50/p99 press-to-reply latency for each bot, and the ratio
(the full stack should reach at least half of the echo bot's rate). The pacer's rate limits
are lifted for this run (the sandbox has none): the figure is the bot's processing capacity,
not Telegram's flood limits (``bench/bot_flood.py`` measures those).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _common  # noqa: F401 - puts the project root on sys.path
from _common import (
    LeanChat,
    Step,
    autopilot,
    bench_store,
    cpu_note,
    percentile,
    perform,
    quiet_logs,
    sandbox_process,
    sandbox_settings,
)

REPLY_TIMEOUT = 120.0


@dataclass
class Result:
    """One bot's run."""

    name: str
    answers: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    #: (user id, wall-clock start, latency) of each press, where a bench lines them up with
    #: the sandbox's trace (bench/multiworker.py --trace).
    presses: list[tuple[int, float, float]] = field(default_factory=list)
    errors: int = 0
    #: The workers' own figures, when they were read (bench/multiworker.py).
    breakdown: str = ""

    @property
    def rate(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        p50 = percentile(self.latencies, 0.50) * 1000
        p99 = percentile(self.latencies, 0.99) * 1000
        return (
            f"{self.name:<8} {self.answers:>7} answers in {self.seconds:6.1f} s = "
            f"{self.rate:7.1f} answers/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
            f"   errors {self.errors}"
        )


# -- echo ------------------------------------------------------------------------------------


async def run_echo(users: int, presses: int, concurrency: int) -> Result:
    """The bare PTB echo bot under ``users`` x ``presses`` button presses."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    from bot.run_mode import RunOptions, running
    from sandbox.driver import SandboxDriver

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data="again")]])

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "echo", reply_markup=keyboard)

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        assert update.effective_chat is not None
        await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, "echo", reply_markup=keyboard)

    result = Result("echo")
    with sandbox_process() as sandbox:
        app = (
            ApplicationBuilder()
            .token(sandbox.token)
            .base_url(sandbox.bot_api_base)
            .concurrent_updates(256)
            .connection_pool_size(256)
            .build()
        )
        app.add_handler(CallbackQueryHandler(on_press))
        app.add_handler(MessageHandler(filters.ALL, on_message))
        async with (
            running(app, RunOptions(poll_timeout=10)),
            SandboxDriver(sandbox.url) as driver,
        ):
            ids = [(await driver.create_user(f"U{i}")).id for i in range(users)]
            gate = asyncio.Semaphore(concurrency)

            async def one(user_id: int) -> None:
                chat = LeanChat(sandbox.url, user_id)
                async with gate:
                    try:
                        await chat.send("/start")
                        message = await chat.next_message(REPLY_TIMEOUT)
                        for _ in range(presses):
                            started = time.perf_counter()
                            data = message.buttons[0][0].callback_data
                            assert data is not None
                            await chat.press_data(message.message_id, data)
                            message = await chat.next_message(REPLY_TIMEOUT)
                            result.latencies.append(time.perf_counter() - started)
                            result.answers += 1
                    finally:
                        await chat.close()

            started = time.perf_counter()
            outcomes = await asyncio.gather(*(one(u) for u in ids), return_exceptions=True)
            result.seconds = time.perf_counter() - started
            result.errors = sum(isinstance(o, BaseException) for o in outcomes)
    return result


# -- remodel ---------------------------------------------------------------------------------


async def clone_athletes(store: Any, template_id: int, telegram_ids: list[int]) -> None:
    """Copy the onboarded athlete ``template_id`` once per Telegram id (bulk insert)."""
    import sqlalchemy as sa

    from bot.storage import Athlete

    table = Athlete.__table__  # type: ignore[attr-defined]
    async with store.transaction() as session:
        row = (await session.execute(sa.select(table).where(table.c.id == template_id))).one()
        base = {k: v for k, v in row._mapping.items() if k != "id"}
        rows = [
            {**base, "telegram_user_id": uid, "chat_id": uid, "first_name": f"A{uid % 100000}"}
            for uid in telegram_ids
        ]
        for start in range(0, len(rows), 5000):
            await session.execute(sa.insert(table), rows[start : start + 5000])


async def make_evening_due(store: Any, now: datetime) -> None:
    """Every athlete: the evening check-in falls due now, the others much later."""
    import sqlalchemy as sa

    from bot.storage import Athlete

    later = now + timedelta(days=30)
    async with store.transaction() as session:
        await session.execute(
            sa.update(Athlete).values(
                next_evening_due_at=now,
                next_morning_due_at=later,
                next_weekly_due_at=later,
                next_due_at=now,
            )
        )


async def run_remodel(
    users: int, concurrency: int, workdir: Path, database_url: str | None = None
) -> tuple[Result, int]:
    """The full stack under ``users`` athletes answering their evening check-in."""
    from bot.cli import installed_content_dir
    from bot.clock import ManualClock
    from bot.run_mode import RunOptions, build_app, migrate, running
    from flows.library import load_library
    from sandbox.driver import SandboxDriver

    library = load_library(installed_content_dir())
    # A weekday afternoon; the due instants are set directly, so the hour does not matter.
    clock = ManualClock(datetime(2025, 3, 4, 17, 0, tzinfo=UTC))
    result = Result("remodel")
    async with contextlib.AsyncExitStack() as stack:
        sandbox = stack.enter_context(sandbox_process())
        settings = sandbox_settings(
            sandbox.bot_api_base,
            sandbox.token,
            workdir / "throughput.db",  # (the store below is what the bot uses)
            sending={
                "global_per_second": 100_000,
                "per_chat_per_second": 100_000,
                "per_chat_burst": 1000,
                "concurrency": 256,
            },
            schedule={"tick_seconds": 3600, "batch_size": 1000},
        )
        db = workdir / "throughput.db"
        store = await stack.enter_async_context(bench_store(database_url, db))
        await migrate(settings, store)
        app = build_app(settings, library=library, store=store, clock=clock, run_ticker=False)
        ticker = app.bot_data.services.ticker
        questionnaires = app.bot_data.services.questionnaires
        async with (
            running(app, RunOptions(poll_timeout=10)),
            SandboxDriver(sandbox.url) as driver,
        ):
            # 1. One athlete through the real onboarding: the template.
            template = await driver.create_user("Template")
            chat = driver.chat(template.id)
            await chat.send("/start")
            first = await chat.next_message(REPLY_TIMEOUT)
            await autopilot(chat, store, questionnaires, template.id, first)
            from bot.storage import get_athlete_by_telegram_id

            async with store.transaction() as session:
                row = await get_athlete_by_telegram_id(session, template.id)
                assert row is not None
                assert row.id is not None
                assert row.onboarded
                template_id = row.id

            # 2. Calibrate the evening questionnaire on the template.
            now = clock.now()
            await make_evening_due(store, now)
            await ticker.tick()
            question = await chat.next_message(REPLY_TIMEOUT)
            steps, _ = await autopilot(chat, store, questionnaires, template.id, question)

            # 3. Clone; each user opens the chat (/start: "already set up"), so that the
            #    bot may write first; then every evening check-in falls due and one tick
            #    sends them all.
            ids = [(await driver.create_user(f"A{i}")).id for i in range(users)]
            await clone_athletes(store, template_id, ids)
            chats = {uid: LeanChat(sandbox.url, uid) for uid in ids}
            gate = asyncio.Semaphore(concurrency)

            async def opened(chat: LeanChat) -> None:
                async with gate:
                    await chat.send("/start")
                    await chat.next_message(REPLY_TIMEOUT)

            await asyncio.gather(*(opened(c) for c in chats.values()))
            clock.advance(days=1)
            await make_evening_due(store, clock.now())
            sent = 0
            for _ in range(100):
                report = await ticker.tick()
                sent += report.sent
                if sent >= users + 1 or not (report.created or report.sent):
                    break
            print(f"evening check-ins sent: {sent}")

            async def one(user_id: int) -> None:
                chat = chats[user_id]
                async with gate:
                    try:
                        message = await chat.next_message(REPLY_TIMEOUT)
                        for _ in range(5):  # an intro line may come before the question
                            if message.buttons:
                                break
                            message = await chat.next_message(REPLY_TIMEOUT)
                        await answer_all(chat, message, steps, result)
                    finally:
                        await chat.close()

            started = time.perf_counter()
            outcomes = await asyncio.gather(*(one(u) for u in ids), return_exceptions=True)
            result.seconds = time.perf_counter() - started
            result.errors = sum(isinstance(o, BaseException) for o in outcomes)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    print(f"  first error: {type(outcome).__name__}: {outcome}")
                    break
    return result, len(steps)


async def answer_all(chat: Any, message: Any, steps: list[Step], result: Result) -> None:
    """Replay the calibrated answers, timing each until the bot's next message."""
    for step in steps:
        started = time.perf_counter()
        await perform(chat, message, step.action)
        replies = [await chat.next_message(REPLY_TIMEOUT)]
        result.latencies.append(time.perf_counter() - started)
        result.answers += 1
        while len(replies) < step.replies:
            replies.append(await chat.next_message(REPLY_TIMEOUT))
        with_buttons = [m for m in replies if m.buttons]
        message = with_buttons[-1] if with_buttons else replies[-1]


async def main_async(args: argparse.Namespace) -> None:
    quiet_logs()
    print(
        f"bench/bot_checkin_throughput: {args.athletes} athletes, concurrency "
        f"{args.concurrency}, {cpu_note()}"
    )
    with tempfile.TemporaryDirectory(prefix="remodel-bench-") as tmp:
        remodel, presses = await run_remodel(
            args.athletes, args.concurrency, Path(tmp), args.database_url
        )
    print(f"evening check-in: {presses} answers per athlete")
    echo = await run_echo(args.athletes, presses, args.concurrency)
    print(echo.line())
    print(remodel.line())
    ratio = remodel.rate / echo.rate if echo.rate else float("nan")
    verdict = "OK" if ratio >= 0.5 else "BELOW TARGET"
    print(f"ratio remodel/echo = {ratio:.2f} (target >= 0.50: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=1000, help="athletes (default 1000)")
    parser.add_argument(
        "--concurrency", type=int, default=100, help="users answering at once (default 100)"
    )
    parser.add_argument(
        "--database-url",
        help="run the full stack on this database instead of an SQLite file (a PostgreSQL "
        "URL gets a private schema, dropped afterwards)",
    )
    args = parser.parse_args()
    if not 1 <= args.athletes <= 100_000 or not 1 <= args.concurrency <= 10_000:
        parser.error("--athletes 1..100000, --concurrency 1..10000")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
