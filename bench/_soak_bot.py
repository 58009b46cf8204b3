"""The bot under soak: ``remodel run``'s code path in a child process that can be SIGKILLed.

    python bench/_soak_bot.py --base-url URL --token T --database-url URL [--schema S] \
        --now ISO

The same as ``remodel run`` (``bot.run_mode``: migrations, ``build_app``, ``running`` with
long polling and ``ALLOWED_UPDATES``) except for the clock: a ``ManualClock`` that the soak
driver moves through standard input, and the ticker, which the driver runs (one tick per
clock step) instead of the repeating job. Protocol, one line each way::

    -> at 2026-03-02T07:30:00+00:00      <- ok
    -> tick                              <- {"sent": 3, ...}   (the TickReport)
    -> tick 2026-03-02T07:30:00+00:00    <- {"sent": 3, ...}   (both in one round trip)
    -> idle                              <- {"queued": 0, "processing": 0}

``idle`` is what the driver's settle check asks the bot: updates PTB has fetched but not
started (``queued``) and updates being processed (``processing``, which includes a handler
sleeping before a retry). The sandbox knows the rest (updates not yet fetched, requests
being served).

"ready" is printed once the bot polls. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from datetime import datetime

import _common  # puts the project root on sys.path; quiet_logs


async def main(args: argparse.Namespace) -> None:
    from bot.app import services_of
    from bot.cli import installed_content_dir
    from bot.clock import ManualClock
    from bot.config import Settings
    from bot.run_mode import RunOptions, build_app, migrate, running
    from bot.storage import Store, create_engine
    from flows.library import load_library

    _common.quiet_logs()
    settings = Settings.model_validate(
        {
            "telegram": {"token": args.token, "base_url": args.base_url},
            "database": {"url": args.database_url},
            "logging": {"level": "WARNING"},
            # The sandbox has no flood limits in a soak: the pacer must not be the bottleneck.
            "sending": {
                "per_chat_per_second": 200.0,
                "per_chat_burst": 50,
                "global_per_second": 1000,
            },
        }
    )
    connect_args = {"server_settings": {"search_path": args.schema}} if args.schema else {}
    store = Store(create_engine(args.database_url, connect_args=connect_args))
    clock = ManualClock(datetime.fromisoformat(args.now))
    await migrate(settings, store)
    app = build_app(
        settings,
        library=load_library(installed_content_dir()),
        store=store,
        clock=clock,
        run_ticker=False,
    )
    loop = asyncio.get_running_loop()
    async with running(app, RunOptions(poll_timeout=1)):
        print("ready", flush=True)
        ticker = services_of(app).ticker
        assert ticker is not None
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            command, _, arg = line.strip().partition(" ")
            if command == "at":
                clock.set(datetime.fromisoformat(arg))
                print("ok", flush=True)
            elif command == "tick":
                if arg:
                    clock.set(datetime.fromisoformat(arg))
                report = await ticker.tick()
                print(json.dumps(dataclasses.asdict(report)), flush=True)
            elif command == "idle":
                state = {
                    "queued": app.update_queue.qsize(),
                    "processing": app.update_processor.current_concurrent_updates,
                }
                print(json.dumps(state), flush=True)
            elif command == "quit":
                break
    await store.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--now", required=True)
    asyncio.run(main(parser.parse_args()))
