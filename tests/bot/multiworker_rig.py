"""A rig for several ``remodel run --webhook`` processes on one PostgreSQL database.

Used by ``tests/bot/test_multiworker.py`` (short) and ``bench/multiworker.py`` (long):

* :func:`scratch_database` creates a database of its own (dropped after);
* :class:`Forwarder` is the load balancer: the sandbox delivers every update to it, and it
  forwards round-robin to the workers; a worker that cannot be reached is skipped, and a
  worker that dies mid-request makes the delivery fail (``502``), so the sandbox delivers
  the update again, like Telegram, and the next worker gets it;
* :class:`Worker` is one ``remodel run`` subprocess (the real console command).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import tornado.httpserver
import tornado.web
from sqlalchemy.engine import make_url

from bot.storage import create_engine
from tests.bot.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "multiworker-shared-secret"


@contextlib.asynccontextmanager
async def scratch_database(base_url: str, tag: str = "scaleout") -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for this run; its URL. Dropped afterwards."""
    name = f"remodel_{tag}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


class Worker:
    """One ``remodel run --webhook`` process behind the forwarder."""

    def __init__(
        self,
        index: int,
        *,
        bot_api_base: str,
        token: str,
        database_url: str,
        public_url: str,
        config: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.index = index
        self.port = free_port()
        self.ops_port = free_port()
        self.bot_api_base, self.token = bot_api_base, token
        self.database_url, self.public_url = database_url, public_url
        self.config = config
        self.extra_env = extra_env or {}
        self.process: asyncio.subprocess.Process | None = None
        self.log = Path(tempfile.gettempdir()) / f"remodel-worker-{uuid.uuid4().hex}.log"

    async def start(self, *, migrate: bool = True) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REMODEL_")}
        env.update(
            PYTHONPATH=str(ROOT),
            TELEGRAM_BOT_TOKEN=self.token,
            REMODEL_TELEGRAM_BASE_URL=self.bot_api_base,
            REMODEL_DATABASE_URL=self.database_url,
            REMODEL_WEBHOOK_SECRET=SECRET,
            **self.extra_env,
        )
        args = [
            "-m",
            "bot.cli",
            *(["--config", str(self.config)] if self.config is not None else []),
            "run",
            "--public-url",
            self.public_url,
            "--listen",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ops-port",
            str(self.ops_port),
        ]
        if not migrate:
            args.append("--no-migrate")
        with self.log.open("ab") as out:
            # A session of its own, so that a kill takes the worker's render pool with it
            # (an orphaned pool process outlived every test run otherwise).
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, *args, env=env, stdout=out, stderr=out, start_new_session=True
            )

    async def wait_healthy(self, timeout: float = 90.0) -> dict[str, object]:  # noqa: ASYNC109
        """Poll ``/healthz`` until it answers 200; its body."""
        async with httpx.AsyncClient(trust_env=False) as http:
            for _ in range(int(timeout / 0.1)):
                assert self.process is not None
                if self.process.returncode is not None:
                    raise AssertionError(f"worker {self.index} exited: {self.tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    response = await http.get(f"http://127.0.0.1:{self.ops_port}/healthz")
                    if response.status_code == 200:
                        body: dict[str, object] = response.json()
                        return body
                await asyncio.sleep(0.1)
        raise AssertionError(f"worker {self.index} never became healthy: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL the worker and its children (as a container stop would): no chance to
        finish anything."""
        if self.process is not None and self.process.returncode is None:
            os.killpg(self.process.pid, signal.SIGKILL)

    async def stop(self) -> int | None:
        """SIGTERM and wait (graceful)."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Forwarder:
    """Round-robin HTTP forwarder (the load balancer in front of the workers)."""

    def __init__(self, port: int | None = None, trace: Path | None = None) -> None:
        self.port = port or free_port()
        self.targets: list[int] = []  # worker ports
        self.forwarded: list[int] = []  # per target index
        #: Per target index: (start instant, update) of each request in flight.
        self.in_flight: list[list[tuple[float, dict[str, Any]]]] = []
        self.failed = 0
        #: With a file: a JSON line per forward (update id, target index, wall-clock start
        #: and end), for a bench that lines requests up (bench/multiworker.py --trace).
        self._trace = trace.open("a", buffering=1, encoding="utf-8") if trace else None
        #: Picks the target of an update (its index), or ``None`` for the next in turn. A
        #: test uses it to hand one chosen update to one chosen worker: which worker round
        #: robin gives an update depends on every update before it, so a test that waits for
        #: "the victim handles a press" by luck breaks whenever a flow gains or loses a step.
        self.route: Callable[[dict[str, Any]], int | None] | None = None
        self._next = itertools.count()
        self._server: tornado.httpserver.HTTPServer | None = None
        self._client = httpx.AsyncClient(trust_env=False, timeout=60)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    async def __aenter__(self) -> Forwarder:
        forwarder = self

        class Hook(tornado.web.RequestHandler):
            async def post(self) -> None:
                status, body = await forwarder.forward(
                    self.request.body, dict(self.request.headers)
                )
                self.set_status(status)
                self.finish(body)

        self._server = tornado.httpserver.HTTPServer(
            tornado.web.Application([(r"/telegram", Hook)])
        )
        self._server.listen(self.port, "127.0.0.1")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop()
        await self._client.aclose()
        if self._trace is not None:
            self._trace.close()

    async def forward(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        keep = {
            k: v
            for k, v in headers.items()
            if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        update = json.loads(body)
        chosen = self.route(update) if self.route is not None else None
        for attempt in range(len(self.targets)):
            if chosen is not None and attempt == 0:
                index = chosen
            else:
                index = next(self._next) % len(self.targets)
            started = (time.monotonic(), update)
            self.in_flight[index].append(started)
            wall = time.time()
            try:
                response = await self._client.post(
                    f"http://127.0.0.1:{self.targets[index]}/telegram", content=body, headers=keep
                )
            except httpx.ConnectError:
                continue  # not listening (down, or not up yet): the next one
            except httpx.HTTPError:
                self.failed += 1
                return 502, b"worker died mid-request"  # the sandbox delivers it again
            finally:
                self.in_flight[index].remove(started)
                if self._trace is not None:
                    line = {
                        "kind": "forward",
                        "update_id": update.get("update_id"),
                        "worker": index,
                    }
                    self._trace.write(
                        json.dumps({**line, "start": wall, "end": time.time()}) + "\n"
                    )
            self.forwarded[index] += 1
            return response.status_code, response.content
        self.failed += 1
        return 502, b"no worker up"

    def add(self, port: int) -> None:
        self.targets.append(port)
        self.forwarded.append(0)
        self.in_flight.append([])

    def busy_with(self, index: int) -> list[tuple[float, dict[str, Any]]]:
        """The updates in flight to target ``index``: (seconds in flight, update)."""
        now = time.monotonic()
        return [(now - t, update) for t, update in self.in_flight[index]]
