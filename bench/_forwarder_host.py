"""Runs the multi-worker rig's round-robin forwarder in a process of its own.

    python bench/_forwarder_host.py --port P --target PORT [--target PORT ...] [--trace FILE]

The load balancer of bench/multiworker.py's light run. In a real deployment the proxy in
front of the workers (Caddy, nginx) is a process of its own; run inside the bench's process
it shared one event loop with the simulated athletes, and a press's update waited there for
the athletes' own work (up to 70 ms seen in a trace) before it reached a worker. Prints
``forwarder listening`` once it accepts requests, then serves until SIGTERM. With
``--trace``, a JSON line per forward (see ``tests.bot.multiworker_rig.Forwarder``).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.bot.multiworker_rig import Forwarder


async def serve(args: argparse.Namespace) -> None:
    trace = Path(args.trace) if args.trace else None
    async with Forwarder(args.port, trace=trace) as forwarder:
        for port in args.target:
            forwarder.add(port)
        print("forwarder listening", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target", type=int, action="append", default=[])
    parser.add_argument("--trace", help="write a JSON line per forward to this file")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
