"""``python -m sandbox [--port 8081] [--flood off|telegram|custom:...]``: run the sandbox."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from sandbox.flood import FloodLimits
from sandbox.server import DEFAULT_TOKEN, SandboxServer


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="A local Telegram Bot API server for Remodel."
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback only)")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot token it accepts")
    parser.add_argument("--bot-username", default="remodel_bot")
    parser.add_argument(
        "--flood",
        default="off",
        help="off | telegram | custom:bot=30,chat=1,burst=3,group=20 (default off)",
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="accept parameters the Bot API does not define (strict by default)",
    )
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the sandbox binds loopback addresses only")
    try:
        args.flood_limits = FloodLimits.parse(args.flood)
    except ValueError as exc:
        parser.error(str(exc))
    return args


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT/SIGTERM."""
    server = SandboxServer(
        args.host,
        args.port,
        token=args.token,
        bot_username=args.bot_username,
        strict=not args.lenient,
        flood=args.flood_limits,
    )
    await server.start()
    print(f"sandbox listening on {server.url}", flush=True)
    print(f"  bot API base: {server.bot_api_base}  token: {server.token}", flush=True)
    print(f"  control API:  {server.url}/sandbox/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO)
    if args.quiet:
        logging.getLogger("tornado.access").setLevel(logging.WARNING)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
