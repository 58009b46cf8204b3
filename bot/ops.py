"""The operations surface: ``/healthz`` and ``/metrics`` on a port of their own.

``remodel run --ops-port 9100`` (or ``[ops] port``) serves, in webhook and in polling mode:

* ``GET /healthz`` — ``200`` with a JSON body when the database answers and the ticker is
  alive, else ``503`` with the same body saying what is wrong. "Ticker alive" means: in a
  process that runs the ticker (role ``all`` or ``ticker``), its repeating job ran within
  three tick intervals (as leader, or as a standby that checked the leadership); the body
  also gives the leader's last tick age. A process started with ``--no-ticker`` reports
  ``"ticker": "off"`` and is healthy with a reachable database.
* ``GET /metrics`` — the Prometheus text format (prometheus-client): updates handled,
  answers recorded, sends by outcome, 429s, tick lag, due backlog, leadership, last tick age.

Why a port of its own, and not the webhook's: the webhook port is the one the TLS reverse
proxy exposes to Telegram; health and metrics stay on the private network (the compose file
and docs/deploy.md never publish them). It is served by tornado, which PTB's webhook server
already uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import tornado.httpserver
import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlmodel import col

from bot.metrics import DUE_BACKLOG, LAST_TICK_AGE, TICK_LAG, TICKER_LEADER, watch_gc
from bot.storage import Checkin, CheckinStatus

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.context import Services
    from bot.run_mode import RunOptions

__all__ = ["health", "ops_server", "refresh_gauges"]

log = logging.getLogger(__name__)

#: The database gets this long to answer a health check.
DB_TIMEOUT = 2.0


async def health(services: Services, run_ticker: bool) -> tuple[bool, dict[str, Any]]:
    """Whether this process is healthy, and the body ``/healthz`` returns."""
    body: dict[str, Any] = {}
    ok = True
    try:
        async with asyncio.timeout(DB_TIMEOUT), services.store.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:
        ok = False
        body["database"] = f"unreachable ({type(exc).__name__})"
    ticker = services.ticker
    if not run_ticker or ticker is None:
        body["ticker"] = "off"
    else:
        now = time.monotonic()
        leader = ticker.leader
        checked = leader.checked_at if leader is not None else ticker.last_tick_at
        interval = services.settings.schedule.tick_seconds
        alive = checked is not None and now - checked <= 3 * interval + 5
        body["ticker"] = "alive" if alive else "stalled"
        body["ticker_role"] = "leader" if leader is None or leader.is_leader else "standby"
        body["last_tick_age_seconds"] = (
            round(now - ticker.last_tick_at, 3) if ticker.last_tick_at is not None else None
        )
        ok = ok and alive
    body["status"] = "ok" if ok else "unhealthy"
    return ok, body


async def refresh_gauges(services: Services) -> None:
    """Read the gauges that describe the shared database (at scrape time)."""
    now = services.clock.now()
    try:
        async with asyncio.timeout(DB_TIMEOUT), services.store.transaction() as session:
            due = (col(Checkin.status) == CheckinStatus.SCHEDULED) & (col(Checkin.due_at) <= now)
            count, oldest = (
                await session.execute(
                    sa.select(sa.func.count(), sa.func.min(col(Checkin.due_at))).where(due)
                )
            ).one()
    except Exception as exc:
        log.warning("metrics: cannot read the due backlog (%s)", type(exc).__name__)
        return
    DUE_BACKLOG.set(count)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    TICK_LAG.set(max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
    ticker = services.ticker
    if ticker is not None:
        TICKER_LEADER.set(1 if ticker.leader is None or ticker.leader.is_leader else 0)
        last = ticker.last_tick_at
        LAST_TICK_AGE.set(time.monotonic() - last if last is not None else -1)


class _Health(tornado.web.RequestHandler):
    def initialize(self, services: Services, run_ticker: bool) -> None:
        self.services = services
        self.run_ticker = run_ticker

    async def get(self) -> None:
        ok, body = await health(self.services, self.run_ticker)
        self.set_status(200 if ok else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, services: Services) -> None:
        self.services = services

    async def get(self) -> None:
        await refresh_gauges(self.services)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(REGISTRY))


@contextlib.asynccontextmanager
async def ops_server(
    app: Application[Any, Any, Any, Any, Any, Any], options: RunOptions
) -> AsyncIterator[int | None]:
    """Serve ``/healthz`` and ``/metrics`` on ``options.ops_port`` while the block runs;
    yields the bound port (``None`` when no port is configured)."""
    if options.ops_port is None:
        yield None
        return
    from bot.app import services_of
    from bot.run_mode import RunError

    services = services_of(app)
    watch_gc()
    web = tornado.web.Application(
        [
            (r"/healthz", _Health, {"services": services, "run_ticker": options.role != "updates"}),
            (r"/metrics", _Metrics, {"services": services}),
        ]
    )
    server = tornado.httpserver.HTTPServer(web)
    try:
        server.listen(options.ops_port, options.ops_listen)
    except OSError as exc:
        raise RunError(
            f"cannot serve /healthz and /metrics on {options.ops_listen}:{options.ops_port} "
            f"({exc.strerror}); fix --ops-port or [ops] port"
        ) from None
    log.info("health and metrics on %s:%s", options.ops_listen, options.ops_port)
    try:
        yield options.ops_port
    finally:
        server.stop()
        await server.close_all_connections()
