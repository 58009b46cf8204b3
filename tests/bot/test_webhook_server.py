"""``remodel run --webhook``: updates acknowledged once handled; secret and poison updates."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from bot.config import Settings
from bot.run_mode import RunOptions, serve
from flows.library import Library
from sandbox.driver import SandboxDriver
from sandbox.server import SandboxServer
from tests.bot.ports import free_port

TOKEN = "7212345678:" + "AAFq3xTt0kLmnOpQrStUvWxYz" + "0123456789ab"  # made up
SECRET = "shared-secret_for-the-test"


@contextlib.asynccontextmanager
async def webhook_bot(server: SandboxServer, library: Library, db: Path) -> AsyncIterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    settings = Settings.model_validate(
        {
            "telegram": {"token": TOKEN, "base_url": server.bot_api_base},
            "database": {"url": f"sqlite+aiosqlite:///{db}"},
        }
    )
    options = RunOptions(
        webhook=True, listen="127.0.0.1", port=port, public_url=url, secret_token=SECRET
    )
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings, options, library=library, stop=stop, started=started)
    )
    try:
        await asyncio.wait_for(started.wait(), 30)
        yield url
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_an_update_is_acknowledged_only_after_it_was_handled(
    library: Library, tmp_path: Path
) -> None:
    async with (
        SandboxServer(token=TOKEN) as server,
        webhook_bot(server, library, tmp_path / "hook.db"),
        SandboxDriver(server.url) as driver,
    ):
        assert server.store.webhook.max_connections == 40
        ann = await driver.create_user("Ann")
        chat = driver.chat(ann.id)
        await chat.send("/start")
        for _ in range(300):
            if (await driver.request("GET", "webhook"))["pending_update_count"] == 0:
                break
            await asyncio.sleep(0.02)
        # Acknowledged means handled: the reply is already there, nothing left to wait for.
        transcript = await chat.transcript()
        assert any("Ann" in getattr(entry, "text", "") for entry in transcript[1:])


async def test_wrong_secret_is_refused_and_a_poison_update_is_skipped(
    library: Library, tmp_path: Path
) -> None:
    async with (
        SandboxServer(token=TOKEN) as server,
        webhook_bot(server, library, tmp_path / "hook.db") as url,
        httpx.AsyncClient(trust_env=False) as http,
    ):
        body = json.dumps({"update_id": 1, "message": {"bogus": True}})
        headers = {"Content-Type": "application/json"}
        refused = await http.post(url, content=body, headers=headers)
        assert refused.status_code == 403
        wrong = {**headers, "X-Telegram-Bot-Api-Secret-Token": "not-it"}
        assert (await http.post(url, content=body, headers=wrong)).status_code == 403
        right = {**headers, "X-Telegram-Bot-Api-Secret-Token": SECRET}
        poison = await http.post(url, content=b"{not json", headers=right)
        assert poison.status_code == 200, "acknowledged: Telegram would resend it forever"
        unparseable = await http.post(url, content=body, headers=right)
        assert unparseable.status_code == 200
