"""Runs a sandbox in its own process for the benchmarks, with users created up front.

    python bench/_sandbox_host.py --users N [--flood off|telegram] [--token T]

Prints ``sandbox listening on URL`` and ``users FIRST..LAST`` (ids are consecutive), then
serves until SIGTERM. The users are created through the control API with ``started``
(they opened their chat with the bot in an earlier session), so the bot may write first
without a ``/start`` each, which would only slow the set-up down.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sandbox.driver import SandboxDriver
from sandbox.flood import FloodLimits
from sandbox.server import SandboxServer

CREATE_CONCURRENCY = 32


async def create_users(url: str, count: int) -> list[int]:
    """``count`` started users, created over the control API; their ids, in order."""
    limit = asyncio.Semaphore(CREATE_CONCURRENCY)
    async with SandboxDriver(url) as driver:

        async def one(i: int) -> int:
            async with limit:
                return (await driver.create_user(f"A{i}", started=True)).id

        ids = await asyncio.gather(*(one(i) for i in range(count)))
    return sorted(ids)


async def serve(args: argparse.Namespace) -> None:
    server = SandboxServer(token=args.token, flood=FloodLimits.parse(args.flood))
    await server.start()
    ids = await create_users(server.url, args.users)
    print(f"sandbox listening on {server.url}", flush=True)
    print(f"users {ids[0] if ids else 0}..{ids[-1] if ids else -1}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--flood", default="off")
    parser.add_argument("--token", required=True)
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
