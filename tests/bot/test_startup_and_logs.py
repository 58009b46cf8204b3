"""Start-up survives passing Bot API failures; logs at DEBUG carry no secret and no answer.

Both through ``bot.run_mode.serve`` (what ``remodel run`` runs) against the sandbox.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.run_mode import RunOptions, serve
from bot.sending.redaction import RedactTokenFilter
from flows.library import Library
from sandbox.driver import SandboxDriver
from sandbox.server import SandboxServer
from tests.bot.ports import free_port

TOKEN = "sandbox:TEST-TOKEN-not-secret"
ANSWER = "pain-after-my-long-run-eleven"


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(token=TOKEN) as running_server:
        yield running_server


def settings_for(server: SandboxServer, db: Path, **webhook: object) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": TOKEN, "base_url": server.bot_api_base},
            "database": {"url": f"sqlite+aiosqlite:///{db}"},
            "webhook": webhook,
        }
    )


async def run_and_greet(
    server: SandboxServer, settings: Settings, options: RunOptions, library: Library
) -> None:
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings, options, library=library, stop=stop, started=started)
    )
    try:
        done, _ = await asyncio.wait(
            [task, asyncio.create_task(started.wait())],
            timeout=60,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if task in done:
            task.result()  # raises what stopped the start
        async with SandboxDriver(server.url) as driver:
            user = await driver.create_user("Ann")
            chat = driver.chat(user.id)
            await chat.send("/start")
            assert "Ann" in (await chat.next_message(timeout=15)).text
            await chat.send(ANSWER)
            await chat.next_message(timeout=15)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_start_up_retries_failed_bot_api_calls_when_polling(
    server: SandboxServer, library: Library, tmp_path: Path
) -> None:
    async with SandboxDriver(server.url) as driver:
        failing = {"getMe": 2, "deleteWebhook": 2, "setMyCommands": 2}
        await driver.request("PUT", "faults", json={"fail_next": failing})
        await run_and_greet(
            server, settings_for(server, tmp_path / "p.db"), RunOptions(poll_timeout=1), library
        )
        faults = await driver.request("GET", "faults")
        stats = await driver.request("GET", "stats")
    assert faults["fail_next"] == {}, "every planned failure happened"
    assert stats["answered_5xx"] == 6
    commands = stats["requests"]
    assert commands["getMe"] >= 3
    assert commands["setMyCommands"] == 3


async def test_start_up_retries_set_webhook(
    server: SandboxServer, library: Library, tmp_path: Path
) -> None:
    port = free_port()
    options = RunOptions(
        webhook=True,
        listen="127.0.0.1",
        port=port,
        public_url=f"http://127.0.0.1:{port}/hook",
        secret_token="hook-secret-for-the-test",
    )
    async with SandboxDriver(server.url) as driver:
        await driver.request("PUT", "faults", json={"fail_next": {"setWebhook": 3}})
        await run_and_greet(server, settings_for(server, tmp_path / "w.db"), options, library)
        assert (await driver.request("GET", "faults"))["fail_next"] == {}


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, through the filter ``remodel`` installs (bot.cli)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokenFilter(TOKEN))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def test_debug_logs_hold_no_webhook_secret_and_no_answer(
    server: SandboxServer, library: Library, tmp_path: Path, debug_log: io.StringIO
) -> None:
    port = free_port()
    settings = settings_for(
        server,
        tmp_path / "log.db",
        listen="127.0.0.1",
        port=port,
        public_url=f"http://127.0.0.1:{port}/hook",
        secret_token="configured-webhook-secret_0123456789",
    )
    # Webhook mode always needs a configured secret (docs/cli.md); it never reaches a log.
    options = RunOptions.from_settings(settings)
    assert options.secret_token
    await run_and_greet(server, settings, options, library)
    output = debug_log.getvalue()
    assert "setWebhook" in output, "DEBUG shows the calls"
    assert "Processing update" in output
    assert options.secret_token not in output
    assert ANSWER not in output
    assert "Ann" not in output, "names from updates are payload too"
