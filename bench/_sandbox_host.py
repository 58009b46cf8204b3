"""Runs a sandbox in its own process for the benchmarks, with users created up front.

    python bench/_sandbox_host.py --users N [--flood off|telegram] [--token T] [--trace FILE]

Prints ``sandbox listening on URL`` and ``users FIRST..LAST`` (ids are consecutive), then
serves until SIGTERM. With ``--trace``, every request the sandbox served and every webhook
delivery it made is written to FILE as a JSON line (wall-clock start and end, the Bot API
method or control path, the chat or sender): what :func:`multiworker.slowest_presses` lines
up with the client's latencies. The token is never written (the method name stands for the
path), nor any text. The users are created through the control API with ``started``
(they opened their chat with the bot in an earlier session), so the bot may write first
without a ``/start`` each, which would only slow the set-up down.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sandbox.driver import SandboxDriver
from sandbox.flood import FloodLimits
from sandbox.server import SandboxServer
from sandbox.webhook import sender_key

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


def _chat_of(handler: Any) -> int | None:
    """The chat (or user) a request is about, from its body or its path."""
    request = handler.request
    raw: Any = None
    if request.headers.get("Content-Type", "").startswith("application/json"):
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = {}
        if isinstance(body, dict):
            raw = body.get("chat_id") or body.get("user_id")
    else:
        raw = handler.get_argument("chat_id", None) or handler.get_argument("user_id", None)
    if raw is None and request.path.startswith("/sandbox/chats/"):
        raw = request.path.split("/")[3]
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


class Trace:
    """JSON lines of what the sandbox served, for lining up with a bench's latencies."""

    def __init__(self, path: str) -> None:
        self.file: IO[str] = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    def request(self, handler: Any) -> None:
        request = handler.request
        path = request.path
        # /bot<token>/<method>: the method only, never the token.
        what = path.rsplit("/", 1)[-1] if path.startswith("/bot") else path
        self.write(
            kind="request",
            what=what,
            chat=_chat_of(handler),
            start=request._start_time,  # tornado keeps no public start
            end=request._start_time + request.request_time(),
            status=handler.get_status(),
        )

    def webhook(self, server: SandboxServer) -> None:
        """Record each webhook delivery (its update, sender, start, end and error)."""
        post = server.webhook._post  # the bench's tap on delivery

        async def traced(client: Any, url: str, secret: str | None, update: Any) -> str | None:
            start = time.time()
            error = await post(client, url, secret, update)
            sender = sender_key(update)
            self.write(
                kind="webhook",
                what=next((k for k in update if k != "update_id"), "?"),
                chat=sender[1] if isinstance(sender, tuple) else None,
                update_id=update.get("update_id"),
                start=start,
                end=time.time(),
                status=error or "ok",
            )
            return error

        server.webhook._post = traced  # type: ignore[method-assign]

    def write(self, **fields: Any) -> None:
        self.file.write(json.dumps(fields) + "\n")


async def serve(args: argparse.Namespace) -> None:
    server = SandboxServer(token=args.token, flood=FloodLimits.parse(args.flood))
    if args.trace:
        trace = Trace(args.trace)
        original = server.make_app

        def make_app() -> Any:
            app = original()
            app.settings["log_function"] = trace.request
            return app

        server.make_app = make_app  # type: ignore[method-assign]
        trace.webhook(server)
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
    parser.add_argument("--trace", help="write what was served to this file (JSON lines)")
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
