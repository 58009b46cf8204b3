"""The operations surface over HTTP (/healthz, /metrics) and the single-poller rule."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.clock import SystemClock
from bot.config import Settings
from bot.ops import ops_server
from bot.run_mode import PollingConflict, RunOptions, build_app, serve
from bot.storage import Store
from flows.library import Library
from sandbox.driver import SandboxDriver
from sandbox.server import SandboxServer
from tests.bot.ports import free_port

TOKEN = "7212345678:" + "AAFq3xTt0kLmnOpQrStUvWxYz" + "0123456789ab"  # made up


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(token=TOKEN) as running_server:
        yield running_server


def settings_for(server: SandboxServer, url: str, tick_seconds: int = 1) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": TOKEN, "base_url": server.bot_api_base},
            "database": {"url": url},
            "schedule": {"tick_seconds": tick_seconds},
        }
    )


@contextlib.asynccontextmanager
async def bot_running(
    settings: Settings, options: RunOptions, library: Library
) -> AsyncIterator[None]:
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings, options, library=library, stop=stop, started=started)
    )
    try:
        await asyncio.wait_for(started.wait(), 30)
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_healthz_and_metrics_over_http(
    server: SandboxServer, library: Library, tmp_path: Path
) -> None:
    port = free_port()
    options = RunOptions(poll_timeout=1, ops_port=port, ops_listen="127.0.0.1")
    settings = settings_for(server, f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}")
    async with (
        bot_running(settings, options, library),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http,
        SandboxDriver(server.url) as driver,
    ):
        # The ticker's job runs within a tick interval of the start: then it is "alive".
        for _ in range(100):
            health = await http.get("/healthz")
            if health.json().get("last_tick_age_seconds") is not None:
                break
            await asyncio.sleep(0.1)
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "ok"
        assert body["database"] == "ok"
        assert (body["ticker"], body["ticker_role"]) == ("alive", "leader")
        assert body["last_tick_age_seconds"] >= 0

        before = await http.get("/metrics")
        chat = driver.chat((await driver.create_user("Ann")).id)
        await chat.send("/start")
        await chat.next_message(timeout=15)

        def value(text: str, name: str) -> float:
            for line in text.splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[-1])
            return 0.0

        # The first reply can land before /start's handling ends (it sends more after it).
        for _ in range(100):
            after = await http.get("/metrics")
            handled = "remodel_update_seconds_count"
            if value(after.text, handled) > value(before.text, handled):
                break
            await asyncio.sleep(0.1)
        assert after.status_code == 200
        assert after.headers["content-type"].startswith("text/plain")

        for name in (
            "remodel_updates_total",
            'remodel_sends_total{outcome="sent"}',
            # /start was handled and answered: its handling time and its reply's wait for
            # the send budget were observed.
            "remodel_update_seconds_count",
            'remodel_pacing_wait_seconds_count{kind="message"}',
        ):
            assert value(after.text, name) > value(before.text, name), name
        for name in (
            "remodel_answers_total",
            "remodel_flood_waits_total",
            "remodel_tick_lag_seconds",
            "remodel_due_backlog",
            "remodel_ticker_leader",
            "remodel_last_tick_age_seconds",
        ):
            assert f"\n{name} " in after.text, name
        assert value(after.text, "remodel_ticker_leader") == 1


async def test_healthz_says_503_when_the_database_is_unreachable(
    server: SandboxServer, library: Library
) -> None:
    # Nothing listens on port 1: the database is "down".
    settings = settings_for(server, "postgresql+asyncpg://remodel@127.0.0.1:1/none")
    store = Store.from_url(settings.database.url)
    app = build_app(settings, library=library, store=store, clock=SystemClock())
    port = free_port()
    try:
        async with (
            ops_server(app, RunOptions(ops_port=port, ops_listen="127.0.0.1")),
            httpx.AsyncClient(trust_env=False) as http,
        ):
            response = await http.get(f"http://127.0.0.1:{port}/healthz")
    finally:
        await store.dispose()
    assert response.status_code == 503
    body = json.loads(response.text)
    assert body["status"] == "unhealthy"
    assert body["database"].startswith("unreachable")
    assert body["ticker"] == "stalled", "its job never ran"


async def test_a_second_long_poller_exits_with_a_clear_message(
    server: SandboxServer, library: Library, tmp_path: Path
) -> None:
    """Long polling is single-process: the poller that Telegram cuts off with 409 Conflict
    stops and says why, instead of spinning."""
    settings = [
        settings_for(server, f"sqlite+aiosqlite:///{tmp_path / f'p{n}.db'}") for n in (1, 2)
    ]
    stops = [asyncio.Event(), asyncio.Event()]
    tasks = [
        asyncio.create_task(serve(s, RunOptions(poll_timeout=2), library=library, stop=stop))
        for s, stop in zip(settings, stops, strict=True)
    ]
    done, _ = await asyncio.wait(tasks, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    for stop in stops:
        stop.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert done, "one of the two pollers gave up on its own"
    conflicts = [r for r in results if isinstance(r, PollingConflict)]
    assert len(conflicts) >= 1
    assert "single-process" in str(conflicts[0])
    assert "webhook" in str(conflicts[0])


async def test_ticker_only_and_no_ticker_roles(
    server: SandboxServer, library: Library, tmp_path: Path
) -> None:
    """``--ticker-only`` receives no updates (no getUpdates, no webhook) and ticks;
    ``--no-ticker`` receives updates and reports its ticker off."""
    db = f"sqlite+aiosqlite:///{tmp_path / 'roles.db'}"
    ticker_port, updates_port = free_port(), free_port()
    async with (
        bot_running(
            settings_for(server, db),
            RunOptions(role="ticker", ops_port=ticker_port, ops_listen="127.0.0.1"),
            library,
        ),
        httpx.AsyncClient(trust_env=False) as http,
    ):
        for _ in range(100):
            body = (await http.get(f"http://127.0.0.1:{ticker_port}/healthz")).json()
            if body.get("last_tick_age_seconds") is not None:
                break
            await asyncio.sleep(0.1)
        assert (body["status"], body["ticker"]) == ("ok", "alive")
        stats = server.store.stats.to_json()["requests"]
        assert "getUpdates" not in stats
        assert "setWebhook" not in stats
    async with (
        bot_running(
            settings_for(server, db),
            RunOptions(
                poll_timeout=1, role="updates", ops_port=updates_port, ops_listen="127.0.0.1"
            ),
            library,
        ),
        httpx.AsyncClient(trust_env=False) as http,
        SandboxDriver(server.url) as driver,
    ):
        body = (await http.get(f"http://127.0.0.1:{updates_port}/healthz")).json()
        assert (body["status"], body["ticker"]) == ("ok", "off")
        chat = driver.chat((await driver.create_user("Ann")).id)
        await chat.send("/start")
        await chat.next_message(timeout=15)
